package pipeline

import (
	"context"
	"log/slog"
	"time"

	"punchline/pkg/meme"
)

// Namespace of the CloudWatch metrics.
const Namespace = "punchline"

// metricNames are the per-request values; each is a top-level field of the
// log line, as Embedded Metric Format requires.
var metricNames = []struct{ name, unit string }{
	{"LatencyMs", "Milliseconds"},
	{"PlanMs", "Milliseconds"},
	{"ImageMs", "Milliseconds"},
	{"RenderMs", "Milliseconds"},
	{"EncodeMs", "Milliseconds"},
	{"StoreMs", "Milliseconds"},
	{"RecordMs", "Milliseconds"},
	{"HedgeFired", "Count"},
	{"ProviderErrors", "Count"},
	{"SpeculativeUsed", "Count"},
	{"Bytes", "Bytes"},
}

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
	values := map[string]int64{
		"LatencyMs":       time.Since(r.arrived).Milliseconds(),
		"PlanMs":          r.stageMS["plan"],
		"ImageMs":         r.stageMS["image"],
		"RenderMs":        r.stageMS["render"],
		"EncodeMs":        r.stageMS["encode"],
		"StoreMs":         r.stageMS["store"],
		"RecordMs":        r.stageMS["record"],
		"HedgeFired":      b(r.hedged),
		"ProviderErrors":  int64(r.provErrs),
		"SpeculativeUsed": b(r.spec),
		"Bytes":           r.rec.Bytes,
	}
	defs := make([]map[string]string, 0, len(metricNames))
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
	for _, m := range metricNames {
		defs = append(defs, map[string]string{"Name": m.name, "Unit": m.unit})
		attrs = append(attrs, slog.Int64(m.name, values[m.name]))
	}
	p.o.Logger.InfoContext(ctx, "metrics", attrs...)
}
