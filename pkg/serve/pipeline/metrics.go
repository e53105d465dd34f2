package pipeline

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/emf"
	"punchline/pkg/provider/aiml"
)

// Stage is a timed step of a request.
type Stage string

// The stages, in request order. stages is the one list behind both the
// recorded stage_ms and the per-stage metrics (<Stage>Ms).
const (
	StageReplay Stage = "replay" // waiting for, or replaying, a claimed result_id
	StagePlan   Stage = "plan"   // the planner's whole call; with a joke engine, generating and judging
	StageJudge  Stage = "judge"
	StageImage  Stage = "image"
	StageRender Stage = "render"
	StageEncode Stage = "encode"
	StageVideo  Stage = "video"
	StageVoice  Stage = "voice" // text-to-speech for a clip, beside the picture
	StageStore  Stage = "store"
	StageRecord Stage = "record"
)

var stages = []Stage{StageReplay, StagePlan, StageJudge, StageImage, StageRender, StageEncode, StageVideo, StageVoice, StageStore, StageRecord}

// Metric is the stage's CloudWatch metric name: plan → PlanMs.
func (s Stage) Metric() string { return strings.ToUpper(string(s[:1])) + string(s[1:]) + "Ms" }

// metrics writes one CloudWatch Embedded Metric Format line for the
// request: CloudWatch Logs turns it into metrics overall, by rung (full,
// offline-bg, text, replay, duplicate) and by answer type, without an API
// call in the request path. Only the stages that ran are in it: a stage
// reported as 0 ms would drag its percentiles down. The line also carries
// result_id (reqlog adds it), for drilling down.
func (p *Pipeline) metrics(ctx context.Context, r *run, ans meme.Answer) {
	if r.rung == "" {
		r.rung = rungFull
	}
	b := func(v bool) int64 {
		if v {
			return 1
		}
		return 0
	}
	ms := []emf.Metric{{Name: "LatencyMs", Unit: "Milliseconds", Value: time.Since(r.arrived).Milliseconds()}}
	for _, s := range stages {
		if v, ok := r.stageMS[s]; ok {
			ms = append(ms, emf.Metric{Name: s.Metric(), Unit: "Milliseconds", Value: v})
		}
	}
	ms = append(ms,
		emf.Metric{Name: "Answers", Unit: "Count", Value: 1},
		emf.Metric{Name: "HedgeFired", Unit: "Count", Value: b(r.hedged)},
		emf.Metric{Name: "ProviderErrors", Unit: "Count", Value: int64(r.provErrs)},
		emf.Metric{Name: "SpeculativeUsed", Unit: "Count", Value: b(r.spec)},
		emf.Metric{Name: "PromptConflict", Unit: "Count", Value: b(r.conflict)},
		emf.Metric{Name: "Offline", Unit: "Count", Value: b(r.rec.ImageModel == meme.OfflineModel || r.rung == rungOffline)},
		emf.Metric{Name: "BudgetReached", Unit: "Count", Value: b(r.overBudget)},
		emf.Metric{Name: "Bytes", Unit: "Bytes", Value: r.rec.Bytes},
	)
	if len(r.rec.Candidates) > 0 {
		ms = append(ms, emf.Metric{Name: "Candidates", Unit: "Count", Value: int64(len(r.rec.Candidates))})
	}
	if r.rec.JudgeModel != "" {
		ms = append(ms, emf.Metric{Name: "JudgeFailed", Unit: "Count", Value: b(len(r.rec.JudgeRank) == 0)})
	}
	if !p.o.Offline {
		ms = append(ms,
			emf.Metric{Name: "CostUsd", Unit: "None", Float: r.rec.CostUSD},
			emf.Metric{Name: "ProviderAuth", Unit: "Count", Value: int64(r.meter.Failures(aiml.KindAuth))},
			emf.Metric{Name: "ProviderCredits", Unit: "Count", Value: int64(r.meter.Failures(aiml.KindCredits))},
		)
	}
	emf.Log(ctx, p.o.Logger, "metrics", p.o.Now(), emf.Line{
		Dims:    []slog.Attr{slog.String("Rung", r.rung), slog.String("Type", ans.Type)},
		Sets:    [][]string{{}, {"Rung"}, {"Type"}},
		Metrics: ms,
	})
}
