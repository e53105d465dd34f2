package mediatest

import (
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Golden compares got with the PNG at path, allowing small differences
// (rasteriser rounding differs across CPU architectures). With update it
// rewrites the file instead: look at it before committing. On a mismatch
// it writes this run's image to the temporary folder and says where.
func Golden(t testing.TB, path string, got image.Image, update bool) {
	t.Helper()
	if update {
		if err := WritePNG(path, got); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := ReadPNG(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update, then look at the file)", err)
	}
	if diff := CompareImages(want, got); diff != "" {
		actual := filepath.Join(os.TempDir(), "punchline-golden", filepath.Base(filepath.Dir(path)), filepath.Base(path))
		_ = WritePNG(actual, got)
		t.Errorf("%s: %s; this run's image is %s", path, diff, actual)
	}
}

// CompareImages returns "" when got matches want within tolerance: the same
// size, at most 0.5% of pixels off by more than 64 in a channel (a glyph
// edge moved by a pixel), and a mean channel difference under 1.
func CompareImages(want, got image.Image) string {
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

// WritePNG writes img to path, best compression, creating the folder.
func WritePNG(path string, img image.Image) error {
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

// ReadPNG decodes the PNG at path.
func ReadPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}
