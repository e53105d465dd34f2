// Package emf writes CloudWatch Embedded Metric Format log lines: CloudWatch
// Logs turns them into metrics, so no metrics API call is made on a hot
// path and a metric can be drilled down to the line that made it.
package emf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// Namespace is where all of punchline's metrics go, predict's and the
// stats pass's alike.
const Namespace = "punchline"

// Metric is one value of a line.
type Metric struct {
	Name, Unit string // Unit: Count, Milliseconds, Bytes, …
	Value      int64
	// Float, when non-zero, is the value instead of Value: a metric that
	// is not whole, such as CostUsd.
	Float float64
}

// Line is one EMF line: dimension values, the dimension sets the metrics
// are aggregated by, the metrics, and properties logged beside them for
// drilling down.
type Line struct {
	Dims    []slog.Attr // string values, each named in a set
	Sets    [][]string  // nil: one dimensionless set
	Metrics []Metric
	Props   []slog.Attr
}

// Log writes line to log at Info with msg, in Namespace, at now.
func Log(ctx context.Context, log *slog.Logger, msg string, now time.Time, line Line) {
	defs := make([]map[string]string, 0, len(line.Metrics))
	for _, m := range line.Metrics {
		defs = append(defs, map[string]string{"Name": m.Name, "Unit": m.Unit})
	}
	sets := line.Sets
	if sets == nil {
		sets = [][]string{{}}
	}
	directive := map[string]any{"Namespace": Namespace, "Dimensions": sets, "Metrics": defs}
	attrs := []any{slog.Any("_aws", map[string]any{"Timestamp": now.UnixMilli(), "CloudWatchMetrics": []any{directive}})}
	for _, d := range line.Dims {
		attrs = append(attrs, d)
	}
	for _, p := range line.Props {
		attrs = append(attrs, p)
	}
	for _, m := range line.Metrics {
		if m.Float != 0 && !math.IsNaN(m.Float) && !math.IsInf(m.Float, 0) {
			attrs = append(attrs, slog.Float64(m.Name, m.Float))
			continue
		}
		attrs = append(attrs, slog.Int64(m.Name, m.Value))
	}
	log.InfoContext(ctx, msg, attrs...)
}

// units are the units the specification allows.
var units = map[string]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true,
	"Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true,
	"Megabits": true, "Gigabits": true, "Terabits": true, "Percent": true, "Count": true,
	"Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true,
	"Terabytes/Second": true, "Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true,
	"Gigabits/Second": true, "Terabits/Second": true, "Count/Second": true, "None": true,
}

// Validate checks one log line against the Embedded Metric Format
// specification: an _aws member with a millisecond Timestamp and
// CloudWatchMetrics directives, each with a Namespace, dimension sets of at
// most 30 names that each name a top-level string member, and at most 100
// metric definitions with known units that each name a top-level number
// (or an array of at most 100 numbers). CloudWatch drops a line that breaks
// any of these without a word, so tests hold every line kind to it.
func Validate(line []byte) error {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	raw, ok := root["_aws"]
	if !ok {
		return errors.New("no _aws member")
	}
	var meta struct {
		Timestamp         *json.Number
		CloudWatchMetrics []struct {
			Namespace  *string
			Dimensions *[][]string
			Metrics    []struct {
				Name              string
				Unit              *string
				StorageResolution *int
			}
		}
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return fmt.Errorf("_aws: %w", err)
	}
	if meta.Timestamp == nil {
		return errors.New("_aws.Timestamp missing")
	}
	if ts, err := meta.Timestamp.Int64(); err != nil || ts <= 0 {
		return fmt.Errorf("_aws.Timestamp %s is not epoch milliseconds", *meta.Timestamp)
	}
	if len(meta.CloudWatchMetrics) == 0 {
		return errors.New("_aws.CloudWatchMetrics is empty")
	}
	for i, d := range meta.CloudWatchMetrics {
		if d.Namespace == nil || len(*d.Namespace) == 0 || len(*d.Namespace) > 255 {
			return fmt.Errorf("directive %d: Namespace missing or not 1-255 characters", i)
		}
		if d.Dimensions == nil {
			return fmt.Errorf("directive %d: Dimensions missing", i)
		}
		for _, set := range *d.Dimensions {
			if len(set) > 30 {
				return fmt.Errorf("directive %d: a dimension set of %d names (30 at most)", i, len(set))
			}
			for _, name := range set {
				var v string
				if err := json.Unmarshal(root[name], &v); err != nil {
					return fmt.Errorf("directive %d: dimension %q is not a top-level string member", i, name)
				}
				if v == "" {
					return fmt.Errorf("directive %d: dimension %q is empty", i, name)
				}
			}
		}
		if len(d.Metrics) == 0 || len(d.Metrics) > 100 {
			return fmt.Errorf("directive %d: %d metrics (1 to 100)", i, len(d.Metrics))
		}
		seen := map[string]bool{}
		for _, m := range d.Metrics {
			if m.Name == "" || len(m.Name) > 1024 || seen[m.Name] {
				return fmt.Errorf("directive %d: metric name %q empty, too long or repeated", i, m.Name)
			}
			seen[m.Name] = true
			if m.Unit != nil && !units[*m.Unit] {
				return fmt.Errorf("metric %s: unit %q is not one the specification allows", m.Name, *m.Unit)
			}
			if m.StorageResolution != nil && *m.StorageResolution != 1 && *m.StorageResolution != 60 {
				return fmt.Errorf("metric %s: StorageResolution %d", m.Name, *m.StorageResolution)
			}
			if err := numeric(root[m.Name]); err != nil {
				return fmt.Errorf("metric %s: %w", m.Name, err)
			}
		}
	}
	return nil
}

// numeric checks a metric's member: a finite number or an array of at most
// 100 of them.
func numeric(raw json.RawMessage) error {
	if raw == nil {
		return errors.New("no top-level member with its value")
	}
	var one float64
	if err := json.Unmarshal(raw, &one); err == nil {
		if math.IsInf(one, 0) || math.IsNaN(one) {
			return errors.New("not finite")
		}
		return nil
	}
	var many []float64
	if err := json.Unmarshal(raw, &many); err != nil {
		return errors.New("value is neither a number nor an array of numbers")
	}
	if len(many) > 100 {
		return fmt.Errorf("%d values (100 at most)", len(many))
	}
	return nil
}
