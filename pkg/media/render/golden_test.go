package render

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/media/offline"
	"punchline/pkg/meme"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/golden")

// goldenCases are the memes a person has looked at: every layout, both
// main scripts, mixed scripts with emoji, the extremes of caption length
// and of aspect ratio, and the white sky that hides white text.
var goldenCases = []struct {
	name string
	pic  image.Image
	cap  Caption
}{
	{"classic-en", mediatest.Scene(512, 512), Caption{Top: "When the code compiles", Bottom: "on the first try"}},
	{"classic-ru", mediatest.Scene(512, 512), Caption{Top: "Когда код скомпилировался", Bottom: "с первого раза"}},
	{"bar-en", mediatest.Scene(512, 384), Caption{Layout: meme.LayoutBar, Top: "Me explaining to my cat why I have to work from home", Bottom: "again"}},
	{"card-ru", offline.Background("card-ru", 512, 512), Caption{Layout: meme.LayoutCard, Top: "Понедельник —", Bottom: "это состояние души"}},
	{"mixed-emoji", mediatest.Scene(512, 512), Caption{Top: "Кот says 你好 😂👍🏽 καλημέρα", Bottom: "Deploy on Friday ✓ ❤️ ★"}},
	{"long-300", mediatest.Scene(512, 512), Caption{Top: longText}},
	{"one-word", mediatest.Scene(512, 512), Caption{Bottom: "nope"}},
	{"portrait-9x16", mediatest.Scene(288, 512), Caption{Top: "Nobody:", Bottom: "Absolutely nobody: me at 3 AM refactoring the build"}},
	{"landscape-16x9", mediatest.Scene(640, 360), Caption{Top: "Product manager: it's a small change", Bottom: "The small change:"}},
	{"white-sky", mediatest.Solid(480, 480, color.RGBA{255, 255, 255, 255}), Caption{Top: "White text", Bottom: "on a white sky"}},
	{"long-word", mediatest.Scene(400, 400), Caption{Top: "Supercalifragilisticexpialidocious", Bottom: "https://example.com/a/very/long/path/without/spaces"}},
}

// TestGolden renders each case and compares it with its committed PNG,
// allowing small differences (rasteriser rounding differs across CPU
// architectures). With -update it rewrites the files instead; look at them
// before committing.
func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := Meme(c.pic, c.cap)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, c.name+".png")
			if *update {
				if err := writePNG(path, got); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := readPNG(path)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/render -run TestGolden -update)", err)
			}
			if diff := compareImages(want, got); diff != "" {
				actual := filepath.Join(os.TempDir(), "punchline-golden", c.name+".png")
				_ = writePNG(actual, got)
				t.Errorf("%s: %s; this run's image is %s", path, diff, actual)
			}
		})
	}
}

// compareImages returns "" when got matches want within tolerance: the same
// size, at most 0.5% of pixels off by more than 64 in a channel (a glyph
// edge moved by a pixel), and a mean channel difference under 1.
func compareImages(want, got image.Image) string {
	if want.Bounds().Size() != got.Bounds().Size() {
		return fmt.Sprintf("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	w, g := toRGBA(want), toRGBA(got)
	var far, total int
	var sum float64
	for i := 0; i < len(w.Pix); i += 4 {
		d := max(absDiff(w.Pix[i], g.Pix[i]), absDiff(w.Pix[i+1], g.Pix[i+1]), absDiff(w.Pix[i+2], g.Pix[i+2]))
		sum += float64(d)
		if d > 64 {
			far++
		}
		total++
	}
	if far*200 > total {
		return fmt.Sprintf("%d of %d pixels differ by more than 64", far, total)
	}
	if mean := sum / float64(total); mean >= 1 {
		return fmt.Sprintf("mean difference %.2f", mean)
	}
	return ""
}

// toRGBA converts img to RGBA at the origin.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

func writePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// The comparison itself must fail on a real difference: a caption moved,
// or a different caption, is caught.
func TestCompareImagesCatchesDifferences(t *testing.T) {
	a, _, _ := Meme(mediatest.Scene(256, 256), Caption{Top: "one", Bottom: "two"})
	b, _, _ := Meme(mediatest.Scene(256, 256), Caption{Top: "one", Bottom: "three"})
	if compareImages(a, a) != "" {
		t.Error("an image differs from itself")
	}
	if compareImages(a, b) == "" {
		t.Error("different captions compare equal")
	}
	c, _, _ := Meme(mediatest.Scene(256, 200), Caption{Top: "one", Bottom: "two"})
	if compareImages(a, c) == "" {
		t.Error("different sizes compare equal")
	}
}
