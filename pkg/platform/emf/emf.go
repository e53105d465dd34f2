// Package emf writes CloudWatch Embedded Metric Format log lines: CloudWatch
// Logs turns them into metrics, so no metrics API call is made on a hot
// path and a metric can be drilled down to the line that made it.
package emf

import (
	"context"
	"log/slog"
	"time"
)

// Namespace is where all of punchline's metrics go, predict's and the
// stats pass's alike.
const Namespace = "punchline"

// Metric is one value of a line.
type Metric struct {
	Name, Unit string // Unit: Count, Milliseconds, Bytes, …
	Value      int64
}

// Log writes one EMF line to log at Info with msg: the metrics in
// namespace, by the dimensions in dims (each with its value), at now;
// props are logged beside them, for drilling down, without being
// dimensions.
func Log(ctx context.Context, log *slog.Logger, msg, namespace string, now time.Time, dims []slog.Attr, metrics []Metric, props ...slog.Attr) {
	names := make([]string, len(dims))
	for i, d := range dims {
		names[i] = d.Key
	}
	defs := make([]map[string]string, 0, len(metrics))
	for _, m := range metrics {
		defs = append(defs, map[string]string{"Name": m.Name, "Unit": m.Unit})
	}
	directive := map[string]any{"Namespace": namespace, "Metrics": defs}
	if len(names) > 0 {
		directive["Dimensions"] = [][]string{names}
	} else {
		directive["Dimensions"] = [][]string{{}}
	}
	attrs := []any{slog.Any("_aws", map[string]any{"Timestamp": now.UnixMilli(), "CloudWatchMetrics": []any{directive}})}
	for _, d := range append(dims, props...) {
		attrs = append(attrs, d)
	}
	for _, m := range metrics {
		attrs = append(attrs, slog.Int64(m.Name, m.Value))
	}
	log.InfoContext(ctx, msg, attrs...)
}
