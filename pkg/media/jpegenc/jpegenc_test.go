package jpegenc

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"testing"

	"punchline/pkg/media/mediatest"
)

// psnr compares the RGB of a and b in decibels.
func psnr(t *testing.T, a image.Image, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("size %v, want %v", b.Bounds().Size(), a.Bounds().Size())
	}
	pa, pb := rgba(a), rgba(b)
	var se float64
	for i := range pa.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(pa.Pix[i]) - float64(pb.Pix[i])
		se += d * d
	}
	mse := se / float64(3*len(pa.Pix)/4)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// rgba converts img to RGBA at the origin (draw's fast paths, not At).
func rgba(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	if err := mediatest.CleanJPEG(data); err != nil {
		t.Fatalf("not a clean JPEG: %v", err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Our output decodes to the same picture as the standard library's encoder
// at the same quality: within half a decibel, never much bigger.
func TestMatchesStdlibQuality(t *testing.T) {
	cases := []struct {
		name string
		img  image.Image
	}{
		{"photo 640x480", mediatest.Photo(640, 480)},
		{"photo 1023x767 (partial MCUs)", mediatest.Photo(1023, 767)},
		{"photo 17x33", mediatest.Photo(17, 33)},
		{"photo 64x2000", mediatest.Photo(64, 2000)},
		{"noise 300x200", mediatest.Noise(300, 200, 7)},
		{"white 50x50", mediatest.Solid(50, 50, color.RGBA{255, 255, 255, 255})},
		{"red 40x24", mediatest.Solid(40, 24, color.RGBA{255, 0, 0, 255})},
		{"1x1", mediatest.Solid(1, 1, color.RGBA{10, 200, 30, 255})},
	}
	for _, q := range []int{85, 50, 95} {
		for _, c := range cases {
			ours, err := Append(nil, c.img, Options{Quality: q})
			if err != nil {
				t.Fatal(err)
			}
			var std bytes.Buffer
			if err := jpeg.Encode(&std, c.img, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			pOurs := psnr(t, c.img, decode(t, ours))
			pStd := psnr(t, c.img, decode(t, std.Bytes()))
			if pOurs < pStd-0.5 {
				t.Errorf("q%d %s: PSNR %.2f dB, stdlib %.2f dB", q, c.name, pOurs, pStd)
			}
			if len(ours) > std.Len()*11/10+64 {
				t.Errorf("q%d %s: %d bytes, stdlib %d", q, c.name, len(ours), std.Len())
			}
		}
	}
}

// Strips are joined at restart markers: any number of workers gives the
// same bytes.
func TestWorkersDoNotChangeOutput(t *testing.T) {
	img := mediatest.Photo(517, 389)
	want, err := Append(nil, img, Options{Quality: 85, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{2, 3, 7, 100} {
		got, err := Append(nil, img, Options{Quality: 85, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d workers: output differs from one worker", w)
		}
	}
}

// The extremes of quality and content stay decodable: quality 100 on noise
// gives the largest coefficients and the most 0xFF bytes to stuff.
func TestExtremes(t *testing.T) {
	for _, q := range []int{1, 100} {
		for _, img := range []image.Image{mediatest.Noise(128, 96, 3), mediatest.Solid(33, 9, color.RGBA{0, 0, 0, 255})} {
			data, err := Append(nil, img, Options{Quality: q})
			if err != nil {
				t.Fatal(err)
			}
			var std bytes.Buffer
			if err := jpeg.Encode(&std, img, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			// Noise loses most of its chroma to 4:2:0 in any encoder, so the
			// yardstick is the standard library, not an absolute figure.
			if p, ps := psnr(t, img, decode(t, data)), psnr(t, img, decode(t, std.Bytes())); p < ps-0.5 {
				t.Errorf("q%d: PSNR %.2f dB, stdlib %.2f dB", q, p, ps)
			}
		}
	}
}

// Pictures that are not RGBA, or not at the origin, are converted.
func TestOtherImageTypes(t *testing.T) {
	src := mediatest.Photo(64, 48)
	gray := image.NewGray(image.Rect(10, 20, 74, 68))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			gray.Set(10+x, 20+y, src.At(x, y))
		}
	}
	sub := src.SubImage(image.Rect(8, 8, 40, 40))
	for name, img := range map[string]image.Image{"gray offset": gray, "sub-image": sub} {
		data, err := Append(nil, img, Options{Quality: 90})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p := psnr(t, img, decode(t, data)); p < 30 {
			t.Errorf("%s: PSNR %.1f dB", name, p)
		}
	}
}

func TestRejects(t *testing.T) {
	for name, img := range map[string]image.Image{
		"empty":   image.NewRGBA(image.Rect(0, 0, 0, 10)),
		"too big": &image.RGBA{Rect: image.Rect(0, 0, 70000, 1)},
	} {
		if _, err := Append(nil, img, Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func BenchmarkEncode1024(b *testing.B) {
	img := mediatest.Photo(1024, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(img.Pix)))
	for b.Loop() {
		if _, err := Append(nil, img, Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStdlibEncode1024(b *testing.B) {
	img := mediatest.Photo(1024, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(img.Pix)))
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
	}
}
