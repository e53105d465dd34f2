package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With no key the tool paints on the stand-in, says so, and writes
// templates that record their provenance; no call is refused by its schema.
func TestRunOnTheStandIn(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	env := map[string]string{}
	err := run(context.Background(), []string{"-out", out, "-ids", "distracted,facepalm-clip"}, func(k string) string { return env[k] }, &stdout)
	if err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	for _, want := range []string{"painting on the AIML stand-in", "painted 1 picture templates and 1 clip templates", "0 refused by their schema"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	y, err := os.ReadFile(filepath.Join(out, "distracted-photo", "template.yaml"))
	if err != nil || !strings.Contains(string(y), "painted_from: distracted") || !strings.Contains(string(y), "provenance:") {
		t.Errorf("distracted-photo/template.yaml: %v\n%s", err, y)
	}
	if err := run(context.Background(), nil, func(string) string { return "" }, &stdout); err == nil {
		t.Error("no -out accepted")
	}
}
