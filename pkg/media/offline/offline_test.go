package offline

import (
	"strings"
	"testing"
)

func TestPlanFor(t *testing.T) {
	tests := []struct {
		prompt, top, bottom, lang string
	}{
		{"кот и понедельник", "", "кот и понедельник", "ru"},
		{"When the deploy works, nobody asks why", "When the deploy works,", "nobody asks why", "en"},
		{"one two three four five six", "one two three", "four five six", "en"},
		{"A: hi\nB: hello\nA: why is prod down on friday evening", "why is prod down", "on friday evening", "en"},
	}
	for _, tt := range tests {
		p := PlanFor(tt.prompt)
		if p.Top != tt.top || p.Bottom != tt.bottom || p.Lang != tt.lang || p.Format != "image" || p.Text == "" {
			t.Errorf("PlanFor(%q) = %+v", tt.prompt, p)
		}
	}
	long := PlanFor(strings.Repeat("слово ", 500))
	if n := len([]rune(long.Top + " " + long.Bottom)); n > maxCaption+1 {
		t.Errorf("caption of %d runes from a long prompt", n)
	}
}

func TestBackgroundIsDeterministicAndDark(t *testing.T) {
	a, b, c := Background("x", 64, 64), Background("x", 64, 64), Background("y", 64, 64)
	if string(a.Pix) != string(b.Pix) {
		t.Errorf("same seed, different pictures")
	}
	if string(a.Pix) == string(c.Pix) {
		t.Errorf("different seeds, same picture")
	}
	for i := 0; i < len(a.Pix); i += 4 {
		if a.Pix[i] > 200 && a.Pix[i+1] > 200 && a.Pix[i+2] > 200 {
			t.Fatalf("near-white pixel: white captions would not read")
		}
	}
}
