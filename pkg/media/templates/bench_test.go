package templates

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/media/render"
)

// busiest is the house template with the most boxes: the costliest to set.
func busiest(b *testing.B) *Template {
	ts, _ := Load(House(), SourceHouse)
	best := ts[0]
	for _, t := range ts {
		if len(t.Boxes) > len(best.Boxes) {
			best = t
		}
	}
	return best
}

// BenchmarkRenderTemplate times the busiest house template the way the
// pipeline makes it: the painted picture (cached, as in production) in,
// every box set with the longest English captions it takes, JPEG out. With
// RENDER_BENCH_DIR set it also writes the picture and the boxes there, so
// `make bench` can time Pillow doing memegen's algorithm on the same meme.
func BenchmarkRenderTemplate(b *testing.B) {
	t := busiest(b)
	pic, err := t.Picture()
	if err != nil {
		b.Fatal(err)
	}
	caps := t.Longest("en", 80)
	spec := t.Spec(caps, "en")
	if dir := os.Getenv("RENDER_BENCH_DIR"); dir != "" {
		if err := writeTemplateSpec(dir, t, spec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		out, _, err := render.Draw(pic, spec)
		if err != nil {
			b.Fatal(err)
		}
		data, err := render.EncodeJPEG(out)
		render.Release(out)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(len(t.Boxes)), "boxes")
	b.ReportMetric(float64(size), "jpeg-bytes")
}

// writeTemplateSpec writes template.png and template.json for
// render/testdata/pillow/meme.py: the picture, the font, and each box with
// its text and the size range our styles give it.
func writeTemplateSpec(dir string, t *Template, spec render.Spec) error {
	pic, err := t.Picture()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	photo := filepath.Join(dir, "template.png")
	if err := mediatest.WritePNG(photo, pic); err != nil {
		return err
	}
	font, err := filepath.Abs("../render/fonts/RobotoCondensed-Bold.ttf")
	if err != nil {
		return err
	}
	W, H := float64(pic.Bounds().Dx()), float64(pic.Bounds().Dy())
	var boxes []map[string]any
	for i, bx := range spec.Boxes {
		minSize, maxSize := render.SizeRange(bx, W, H)
		boxes = append(boxes, map[string]any{
			"x": bx.X, "y": bx.Y, "w": bx.W, "h": bx.H, "text": spec.Texts[i],
			"upper": render.Upper(bx), "stroke": render.Stroked(bx),
			"min_size": minSize, "max_size": maxSize,
		})
	}
	data, err := json.Marshal(map[string]any{"photo": photo, "font": font, "boxes": boxes, "quality": render.JPEGQuality})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "template.json"), data, 0o644)
}
