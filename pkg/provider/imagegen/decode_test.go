package imagegen_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/media/picture"
	"punchline/pkg/provider/imagegen"
)

func baselineJPEG(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func png8(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Small files that decode into hundreds of megabytes are refused before
// any pixel memory is allocated; the same formats at sane sizes decode.
func TestDecodeImageBoundsCostlyFormats(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		wantErr string // "" decodes
		side    int
	}{
		{"progressive jpeg 4096² (the 511 MB bomb)", mediatest.ProgressiveJPEG(4096, 4096), "progressive jpeg 4096x4096 exceeds", 0},
		{"progressive jpeg 2049x2048", mediatest.ProgressiveJPEG(2049, 2048), "progressive jpeg", 0},
		{"progressive jpeg 2048²", mediatest.ProgressiveJPEG(2048, 2048), "", 2048},
		{"16-bit png 4096² (the 286 MB bomb)", mediatest.PNG16(4096, 4096), "16-bit png 4096x4096 exceeds", 0},
		{"16-bit png 1024²", mediatest.PNG16(1024, 1024), "", 1024},
		{"baseline jpeg 3000² is not costly", baselineJPEG(t, 3000, 3000), "", 3000},
		{"8-bit png 2500² is not costly", png8(t, 2500, 2500), "", 2500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := imagegen.DecodeImage(tc.data)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("DecodeImage: %v", err)
			case tc.wantErr == "" && img.Bounds().Dx() != tc.side:
				t.Errorf("decoded %v", img.Bounds())
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("err %v, want %q (%d byte file)", err, tc.wantErr, len(tc.data))
			}
		})
	}
}

// BenchmarkDecodeImage reports what a decode allocates (B/op with
// -benchmem: the decoder's memory, nearly all live at its peak) for the
// costly formats at the cap and above it.
func BenchmarkDecodeImage(b *testing.B) {
	cases := []struct {
		name string
		data []byte
	}{
		{"progressive-jpeg-4096-refused", mediatest.ProgressiveJPEG(4096, 4096)},
		{"progressive-jpeg-2048", mediatest.ProgressiveJPEG(2048, 2048)},
		{"png16-4096-refused", mediatest.PNG16(4096, 4096)},
		{"png16-2048", mediatest.PNG16(2048, 2048)},
		{"baseline-jpeg-4096", baselineJPEG(b, 4096, 4096)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				_, _ = imagegen.DecodeImage(c.data)
			}
		})
	}
}

// FuzzDecodeImage: whatever bytes a provider sends, DecodeImage returns an
// image within the caps or an error, and never panics.
func FuzzDecodeImage(f *testing.F) {
	f.Add(mediatest.ProgressiveJPEG(16, 16))
	f.Add(mediatest.PNG16(8, 8))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0xC2, 0, 0})
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := imagegen.DecodeImage(data)
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 || b.Dx()*b.Dy() > picture.MaxPixels {
			t.Fatalf("decoded %v", b)
		}
	})
}
