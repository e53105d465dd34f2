package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A folder with a box too small for a letter and a FIFO: lint reports
// both and fails, instead of crashing or hanging; it explains its px
// figures, and the house set passes.
func TestLintReportsInsteadOfCrashing(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "tiny"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "tiny", "template.yaml"), []byte(`id: tiny
kind: drawn
scene: {size: [400, 400], background: "#ffffff", shapes: []}
boxes:
  - {x: 0, y: 0, w: 1, h: 0.004, role: top, style: outline}
about: {en: "A test."}
use_when: "testing"
license: {source: "test", holder: "us", license: "CC0-1.0"}
`), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "trap"), 0o755))
	must(syscall.Mkfifo(filepath.Join(dir, "trap", "template.yaml"), 0o644))
	var out bytes.Buffer
	err := run(context.Background(), []string{"-dir", dir, "-out", filepath.Join(t.TempDir(), "sheet.png")}, &out)
	if err == nil || !strings.Contains(out.String(), "BROKEN tiny: box 1 (top)") || !strings.Contains(out.String(), "LEFT OUT trap/template.yaml: not a regular file") {
		t.Errorf("err %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"-out", filepath.Join(t.TempDir(), "sheet.png")}, &out); err != nil || !strings.Contains(out.String(), "px: the font size of each caption") {
		t.Errorf("house set: %v\n%.300s", err, out.String())
	}
}

// make template-preview: one template with given captions, and a clear
// word when the captions do not match its slots.
func TestPreview(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.png")
	var b bytes.Buffer
	if err := run(context.Background(), []string{"-id", "two-buttons", "-text", "A|B|me", "-out", out}, &b); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if st, err := os.Stat(out); err != nil || st.Size() < 1000 {
		t.Fatalf("no preview written: %v", err)
	}
	err := run(context.Background(), []string{"-id", "two-buttons", "-text", "only one", "-out", out}, &b)
	if err == nil || !strings.Contains(err.Error(), "3 slots (option-a | option-b | chooser)") {
		t.Errorf("%v", err)
	}
	if err := run(context.Background(), []string{"-id", "no-such", "-text", "x", "-out", out}, &b); err == nil {
		t.Error("an unknown id previewed")
	}
}
