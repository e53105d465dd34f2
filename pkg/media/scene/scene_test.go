package scene

import (
	"image/color"
	"strings"
	"testing"
)

func TestParseColor(t *testing.T) {
	for in, want := range map[string]color.RGBA{
		"#fff": {255, 255, 255, 255}, "#102030": {16, 32, 48, 255}, "#10203080": {16, 32, 48, 128},
	} {
		if got, err := ParseColor(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "fff", "#ff", "#gggggg", "red", "#1234567"} {
		if _, err := ParseColor(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Scene{Size: []int{200, 100}, Background: "#fff", Shapes: []Shape{
		{Rect: []float64{0, 0, 1, 0.5}, Fill: "#000", Fill2: "#333"},
		{Emoji: "🔥", At: []float64{0.5, 0.5, 0.2}},
		{Pie: []float64{0.5, 0.5, 0.4}, Slices: []float64{1, 2}, Colors: []string{"#f00", "#0f0"}},
		{Line: []float64{0, 0, 1, 1}, Width: 0.01},
	}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := map[string]Scene{
		"size":       {Size: []int{10, 10}, Background: "#fff"},
		"background": {Size: []int{100, 100}, Background: "white"},
		"two kinds":  {Size: []int{100, 100}, Background: "#fff", Shapes: []Shape{{Rect: []float64{0, 0, 1, 1}, Line: []float64{0, 0, 1, 1}}}},
		"no kind":    {Size: []int{100, 100}, Background: "#fff", Shapes: []Shape{{Fill: "#000"}}},
		"rect arity": {Size: []int{100, 100}, Background: "#fff", Shapes: []Shape{{Rect: []float64{0, 0, 1}}}},
		"line width": {Size: []int{100, 100}, Background: "#fff", Shapes: []Shape{{Line: []float64{0, 0, 1, 1}}}},
		"poly":       {Size: []int{100, 100}, Background: "#fff", Shapes: []Shape{{Poly: []float64{0, 0, 1, 1}}}},
		"pie colors": {Size: []int{100, 100}, Background: "#fff", Shapes: []Shape{{Pie: []float64{0.5, 0.5, 0.4}, Slices: []float64{1, 2}, Colors: []string{"#f00"}}}},
		"emoji":      {Size: []int{100, 100}, Background: "#fff", Shapes: []Shape{{Emoji: "🦄", At: []float64{0.5, 0.5, 0.2}}}},
		"opacity":    {Size: []int{100, 100}, Background: "#fff", Shapes: []Shape{{Rect: []float64{0, 0, 1, 1}, Fill: "#000", Opacity: 2}}},
	}
	for name, s := range tests {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Paint puts shapes and emoji where the scene says.
func TestPaint(t *testing.T) {
	s := Scene{Size: []int{200, 100}, Background: "#ffffff", Shapes: []Shape{
		{Rect: []float64{0, 0, 0.5, 1}, Fill: "#ff0000"},
		{Ellipse: []float64{0.75, 0.5, 0.1, 0.2}, Fill: "#0000ff"},
		{Emoji: "🔥", At: []float64{0.25, 0.5, 0.3}},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	img := s.Paint()
	at := func(x, y int) color.RGBA { return img.RGBAAt(x, y) }
	if c := at(5, 5); c.R != 255 || c.G != 0 {
		t.Errorf("red rect at (5,5): %v", c)
	}
	if c := at(150, 50); c.B != 255 || c.R != 0 {
		t.Errorf("blue ellipse centre: %v", c)
	}
	if c := at(195, 5); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("background: %v", c)
	}
	// The emoji covers its square with colours that are neither the red rect nor white.
	other := 0
	for y := 30; y < 70; y++ {
		for x := 30; x < 70; x++ {
			if c := at(x, y); !(c.R == 255 && c.G == 0 && c.B == 0) {
				other++
			}
		}
	}
	if other < 400 {
		t.Errorf("emoji barely drawn: %d pixels", other)
	}
}

func TestEmojiSet(t *testing.T) {
	all := Emoji()
	if len(all) < 40 {
		t.Fatalf("%d emoji embedded", len(all))
	}
	for _, e := range all {
		if !Has(e) || emojiImage(e) == nil {
			t.Errorf("%q listed but not usable", e)
		}
	}
	if !Has("❤️") || !Has("❤") {
		t.Error("variation selectors must not matter")
	}
	if Has("") || Has("x") {
		t.Error("non-emoji accepted")
	}
	if !strings.Contains(strings.Join(all, ""), "🧑‍🚀") {
		t.Error("ZWJ sequence missing")
	}
}
