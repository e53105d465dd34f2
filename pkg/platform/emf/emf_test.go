package emf

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLogShape(t *testing.T) {
	at := time.UnixMilli(1795320026133)
	tests := []struct {
		name     string
		line     Line
		wantSets []any
	}{
		{"sets by rung and type, and none", Line{
			Dims: []slog.Attr{slog.String("Rung", "full"), slog.String("Type", "image")},
			Sets: [][]string{{}, {"Rung"}, {"Type"}}, Props: []slog.Attr{slog.String("strategy", "scene")},
		}, []any{[]any{}, []any{"Rung"}, []any{"Type"}}},
		{"no dimension", Line{}, []any{[]any{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.line.Metrics = []Metric{{Name: "LatencyMs", Unit: "Milliseconds", Value: 12}, {Name: "Errors", Unit: "Count"}, {Name: "CostUsd", Unit: "None", Float: 0.0034}}
			Log(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)), "m", at, tc.line)
			if err := Validate(buf.Bytes()); err != nil {
				t.Fatalf("%v in %s", err, buf.Bytes())
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			aws := line["_aws"].(map[string]any)
			dir := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
			if aws["Timestamp"] != float64(at.UnixMilli()) || dir["Namespace"] != Namespace || !reflect.DeepEqual(dir["Dimensions"], tc.wantSets) {
				t.Errorf("directive %v", aws)
			}
			wantDefs := []any{map[string]any{"Name": "LatencyMs", "Unit": "Milliseconds"}, map[string]any{"Name": "Errors", "Unit": "Count"},
				map[string]any{"Name": "CostUsd", "Unit": "None"}}
			if !reflect.DeepEqual(dir["Metrics"], wantDefs) || line["LatencyMs"] != 12.0 || line["Errors"] != 0.0 || line["CostUsd"] != 0.0034 {
				t.Errorf("metrics %v in %v", dir["Metrics"], line)
			}
			for _, a := range append(tc.line.Dims, tc.line.Props...) {
				if line[a.Key] != a.Value.String() {
					t.Errorf("%s = %v, want %v", a.Key, line[a.Key], a.Value)
				}
			}
		})
	}
}

// The validator catches each way a line can break the specification (and
// so be dropped by CloudWatch without a word).
func TestValidateCatchesBreaks(t *testing.T) {
	good := `{"_aws":{"Timestamp":1795320026133,"CloudWatchMetrics":[{"Namespace":"punchline","Dimensions":[[],["Rung"]],"Metrics":[{"Name":"LatencyMs","Unit":"Milliseconds"}]}]},"Rung":"full","LatencyMs":12}`
	if err := Validate([]byte(good)); err != nil {
		t.Fatalf("good line: %v", err)
	}
	for name, bad := range map[string]string{
		"not JSON":            `not json`,
		"no _aws":             `{"LatencyMs":1}`,
		"no timestamp":        strings.Replace(good, `"Timestamp":1795320026133,`, ``, 1),
		"seconds timestamp":   strings.Replace(good, `1795320026133`, `"soon"`, 1),
		"no directives":       `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]}}`,
		"no namespace":        strings.Replace(good, `"Namespace":"punchline",`, ``, 1),
		"no dimensions":       strings.Replace(good, `"Dimensions":[[],["Rung"]],`, ``, 1),
		"dimension not there": strings.Replace(good, `"Rung":"full",`, ``, 1),
		"dimension a number":  strings.Replace(good, `"Rung":"full"`, `"Rung":3`, 1),
		"metric not there":    strings.Replace(good, `,"LatencyMs":12`, ``, 1),
		"metric a string":     strings.Replace(good, `"LatencyMs":12`, `"LatencyMs":"12"`, 1),
		"unknown unit":        strings.Replace(good, `"Unit":"Milliseconds"`, `"Unit":"ms"`, 1),
		"no metrics":          strings.Replace(good, `"Metrics":[{"Name":"LatencyMs","Unit":"Milliseconds"}]`, `"Metrics":[]`, 1),
		"31 dimensions":       strings.Replace(good, `["Rung"]`, `["Rung"`+strings.Repeat(`,"Rung"`, 30)+`]`, 1),
	} {
		if err := Validate([]byte(bad)); err == nil {
			t.Errorf("%s: not caught", name)
		}
	}
}
