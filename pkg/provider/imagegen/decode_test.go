package imagegen_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"punchline/pkg/provider/imagegen"
)

// progressiveJPEG builds a valid progressive (SOF2) grey JPEG of w×h with
// one DC scan: every block's DC difference is 0, one bit each, so a 4096²
// picture is about 100 KB, yet Go's decoder keeps a coefficient block per
// 8×8 of each component (what made a 197 KB file cost 511 MB).
func progressiveJPEG(w, h int) []byte {
	var b bytes.Buffer
	seg := func(marker byte, body ...byte) {
		b.Write([]byte{0xFF, marker, byte((len(body) + 2) >> 8), byte(len(body) + 2)})
		b.Write(body)
	}
	b.Write([]byte{0xFF, 0xD8})
	seg(0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)...)                               // one quantisation table
	seg(0xC2, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0) // progressive frame, 4:4:4
	seg(0xC4, append([]byte{0x00, 1}, append(make([]byte, 15), 0)...)...)                         // DC table: one 1-bit code for "0"
	seg(0xDA, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0)                                              // DC-first scan of all three
	blocks := 3 * ((w + 7) / 8) * ((h + 7) / 8)
	b.Write(make([]byte, (blocks+7)/8+1))
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// png16 builds a 16-bit RGB PNG of w×h, all zero, streaming its rows so
// the fixture itself costs little memory.
func png16(w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		_ = binary.Write(&out, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 2 // 16 bits, truecolour
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+w*6)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

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
		{"progressive jpeg 4096² (the 511 MB bomb)", progressiveJPEG(4096, 4096), "progressive jpeg 4096x4096 exceeds", 0},
		{"progressive jpeg 2049x2048", progressiveJPEG(2049, 2048), "progressive jpeg", 0},
		{"progressive jpeg 2048²", progressiveJPEG(2048, 2048), "", 2048},
		{"16-bit png 4096² (the 286 MB bomb)", png16(4096, 4096), "16-bit png 4096x4096 exceeds", 0},
		{"16-bit png 1024²", png16(1024, 1024), "", 1024},
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
		{"progressive-jpeg-4096-refused", progressiveJPEG(4096, 4096)},
		{"progressive-jpeg-2048", progressiveJPEG(2048, 2048)},
		{"png16-4096-refused", png16(4096, 4096)},
		{"png16-2048", png16(2048, 2048)},
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
	f.Add(progressiveJPEG(16, 16))
	f.Add(png16(8, 8))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0xC2, 0, 0})
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := imagegen.DecodeImage(data)
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 || b.Dx()*b.Dy() > imagegen.MaxPixels {
			t.Fatalf("decoded %v", b)
		}
	})
}
