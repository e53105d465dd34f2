package pipeline

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"punchline/pkg/meme"
)

// Namespace of the CloudWatch metrics.
const Namespace = "punchline"

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
	StageStore  Stage = "store"
	StageRecord Stage = "record"
)

var stages = []Stage{StageReplay, StagePlan, StageJudge, StageImage, StageRender, StageEncode, StageVideo, StageStore, StageRecord}

// Metric is the stage's CloudWatch metric name: plan → PlanMs.
func (s Stage) Metric() string { return strings.ToUpper(string(s[:1])) + string(s[1:]) + "Ms" }

// metrics writes one CloudWatch Embedded Metric Format line for the
// request: CloudWatch Logs turns it into metrics by rung (full,
// offline-bg, text, replay, duplicate) without an API call in the request
// path. The line also carries result_id (reqlog adds it), for drilling down.
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
	type metric struct {
		name, unit string
		value      int64
	}
	ms := []metric{{"LatencyMs", "Milliseconds", time.Since(r.arrived).Milliseconds()}}
	for _, s := range stages {
		ms = append(ms, metric{s.Metric(), "Milliseconds", r.stageMS[s]})
	}
	ms = append(ms,
		metric{"HedgeFired", "Count", b(r.hedged)},
		metric{"ProviderErrors", "Count", int64(r.provErrs)},
		metric{"SpeculativeUsed", "Count", b(r.spec)},
		metric{"PromptConflict", "Count", b(r.conflict)},
		metric{"Bytes", "Bytes", r.rec.Bytes},
	)
	defs := make([]map[string]string, 0, len(ms))
	attrs := []any{
		slog.Any("_aws", map[string]any{
			"Timestamp": p.o.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  Namespace,
				"Dimensions": [][]string{{"Rung"}},
				"Metrics":    &defs,
			}},
		}),
		slog.String("Rung", r.rung),
		slog.String("Type", ans.Type),
	}
	for _, m := range ms {
		defs = append(defs, map[string]string{"Name": m.name, "Unit": m.unit})
		attrs = append(attrs, slog.Int64(m.name, m.value))
	}
	p.o.Logger.InfoContext(ctx, "metrics", attrs...)
}
