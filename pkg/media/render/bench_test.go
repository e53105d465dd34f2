package render

import (
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"testing"

	"punchline/pkg/media/mediatest"
)

// benchCaption is the meme BenchmarkRenderMeme renders: two 40-character
// captions, classic layout.
var benchCaption = Caption{
	Top:    "When you finally fix the bug at 3 AM and",
	Bottom: "it turns out it was a typo all along lol",
}

// BenchmarkRenderMeme times one meme the way the pipeline makes it: a
// 1024×1024 photo-like RGBA in, classic captions drawn, JPEG out at the
// quality we ship. With RENDER_BENCH_DIR set it also writes the photo and
// the captions there, so `make bench` can time Pillow on the same meme.
func BenchmarkRenderMeme(b *testing.B) {
	pic := mediatest.Photo(1024, 1024)
	if dir := os.Getenv("RENDER_BENCH_DIR"); dir != "" {
		if err := writeBenchSpec(dir, pic); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		data, _, err := MemeJPEG(pic, benchCaption)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "jpeg-bytes")
}

// writeBenchSpec writes photo.png and meme.json (photo, font, captions,
// quality) for testdata/pillow/meme.py.
func writeBenchSpec(dir string, pic *image.RGBA) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	photoPath := filepath.Join(dir, "photo.png")
	if err := mediatest.WritePNG(photoPath, pic); err != nil {
		return err
	}
	fontPath, err := filepath.Abs("fonts/RobotoCondensed-Bold.ttf")
	if err != nil {
		return err
	}
	spec, err := json.Marshal(map[string]any{
		"photo": photoPath, "font": fontPath,
		"top": benchCaption.Top, "bottom": benchCaption.Bottom, "quality": JPEGQuality,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "meme.json"), spec, 0o644)
}

// BenchmarkCaptionScripts compares a Latin caption with one of the same
// length mixing Arabic and colour emoji (shaping, bidi, bitmap glyphs) on
// the benchmark photo, the caption alone and with the JPEG, so `make bench` can show the ratio
// (budget: ≤ 1.5×).
func BenchmarkCaptionScripts(b *testing.B) {
	pic := mediatest.Photo(1024, 1024)
	for _, c := range []struct {
		name string
		cap  Caption
	}{
		{"latin", Caption{Top: "When the code works on Friday", Bottom: "and nobody knows why at all"}},
		{"arabic-emoji", Caption{Top: "🔥 عندما يعمل الكود يوم الجمعة 😂", Bottom: "ولا أحد يعرف لماذا 👍🏽 أبدا"}},
		{"hindi-thai", Caption{Top: "जब कोड पहली बार में चल जाए", Bottom: "เมื่อโค้ด ทำงานได้ ครั้งแรก"}},
	} {
		b.Run(c.name+"/render", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, _, err := Meme(pic, c.cap)
				if err != nil {
					b.Fatal(err)
				}
				Release(out)
			}
		})
		b.Run(c.name+"/render+jpeg", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := MemeJPEG(pic, c.cap); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
