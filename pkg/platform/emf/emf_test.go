package emf

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"testing"
	"time"
)

func TestLogShape(t *testing.T) {
	at := time.UnixMilli(1795320026133)
	tests := []struct {
		name     string
		dims     []slog.Attr
		props    []slog.Attr
		wantDims [][]any
	}{
		{"one dimension and a property", []slog.Attr{slog.String("Rung", "full")}, []slog.Attr{slog.String("Type", "image")}, [][]any{{"Rung"}}},
		{"no dimension", nil, nil, [][]any{{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			Log(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)), "m", "ns", at, tc.dims,
				[]Metric{{"LatencyMs", "Milliseconds", 12}, {"Errors", "Count", 0}}, tc.props...)
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			aws := line["_aws"].(map[string]any)
			dir := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
			if aws["Timestamp"] != float64(at.UnixMilli()) || dir["Namespace"] != "ns" || !reflect.DeepEqual(dir["Dimensions"], []any{tc.wantDims[0]}) {
				t.Errorf("directive %v", aws)
			}
			wantDefs := []any{map[string]any{"Name": "LatencyMs", "Unit": "Milliseconds"}, map[string]any{"Name": "Errors", "Unit": "Count"}}
			if !reflect.DeepEqual(dir["Metrics"], wantDefs) || line["LatencyMs"] != 12.0 || line["Errors"] != 0.0 {
				t.Errorf("metrics %v in %v", dir["Metrics"], line)
			}
			for _, a := range append(tc.dims, tc.props...) {
				if line[a.Key] != a.Value.String() {
					t.Errorf("%s = %v, want %v", a.Key, line[a.Key], a.Value)
				}
			}
		})
	}
}
