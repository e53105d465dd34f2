// Package picture decodes pictures from outside (a provider's answer, a
// team template) within memory bounds: the declared size is checked before
// any pixel memory is allocated, and the formats whose decoders need many
// bytes a pixel are held to a smaller size.
package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // providers and templates come in any of these
	_ "image/jpeg"
	_ "image/png"

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// Limits on a picture's declared size.
const (
	MaxPixels = 4096 * 4096
	// MaxCostlyPixels caps the formats whose decoding costs many bytes a
	// pixel: a progressive JPEG keeps every coefficient of every component
	// (a 197 KB 4096² file took 511 MB), a 16-bit PNG 8 bytes a pixel.
	MaxCostlyPixels = 2048 * 2048
	MaxSide         = 8192
)

// Check reads data's declared size and refuses what Decode would refuse,
// without decoding a pixel.
func Check(data []byte) (image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return cfg, format, fmt.Errorf("not an image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return cfg, format, fmt.Errorf("%s image %dx%d exceeds %d pixels", format, cfg.Width, cfg.Height, MaxPixels)
	}
	if kind := costly(format, cfg, data); kind != "" && cfg.Width*cfg.Height > MaxCostlyPixels {
		return cfg, format, fmt.Errorf("%s %dx%d exceeds %d pixels", kind, cfg.Width, cfg.Height, MaxCostlyPixels)
	}
	return cfg, format, nil
}

// Decode decodes a picture after Check.
func Decode(data []byte) (image.Image, error) {
	_, format, err := Check(data)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", format, err)
	}
	return img, nil
}

// Fit returns img scaled down so that its long side is at most side, as an
// RGBA picture: img itself when it is one and already fits, else a copy.
func Fit(img image.Image, side int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > side {
		w, h = max(1, w*side/long), max(1, h*side/long)
	}
	if rgba, ok := img.(*image.RGBA); ok && w == b.Dx() && h == b.Dy() && b.Min == (image.Point{}) {
		return rgba // already what is asked for (a painted scene): no copy
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		xdraw.Draw(out, out.Rect, img, b.Min, xdraw.Src)
		return out
	}
	xdraw.ApproxBiLinear.Scale(out, out.Rect, img, b, xdraw.Src, nil)
	return out
}

// Cover scales img to cover r of dst, centred, cropping what is over: a
// picture painted for a panel fills its panel whatever its own shape.
func Cover(dst *image.RGBA, r image.Rectangle, img image.Image) {
	b := img.Bounds()
	if r.Empty() || b.Empty() {
		return
	}
	f := max(float64(r.Dx())/float64(b.Dx()), float64(r.Dy())/float64(b.Dy()))
	sw, sh := max(1, int(float64(r.Dx())/f)), max(1, int(float64(r.Dy())/f))
	src := image.Rect(b.Min.X+(b.Dx()-sw)/2, b.Min.Y+(b.Dy()-sh)/2, 0, 0)
	src.Max = src.Min.Add(image.Pt(sw, sh))
	xdraw.CatmullRom.Scale(dst, r, img, src, xdraw.Src, nil)
}

// costly names a format whose decoding needs far more memory per pixel
// than its output ("" for the others).
func costly(format string, cfg image.Config, data []byte) string {
	switch {
	case format == "png" && (cfg.ColorModel == color.RGBA64Model || cfg.ColorModel == color.NRGBA64Model || cfg.ColorModel == color.Gray16Model):
		return "16-bit png"
	case format == "jpeg" && Progressive(data):
		return "progressive jpeg"
	}
	return ""
}

// Progressive reports whether the JPEG's frame header is progressive
// (SOF2, or the arithmetic-coded SOF10), walking the marker segments up to
// the first frame or scan. Malformed data is not progressive: the decoder
// will refuse it anyway.
func Progressive(b []byte) bool {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return false
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return false
		}
		m := b[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7): // markers without a length
			i += 2
			continue
		case m == 0xC2 || m == 0xCA:
			return true
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC, m == 0xDA, m == 0xD9:
			return false // another frame type, or a scan or the end before any frame
		}
		i += 2 + (int(b[i+2])<<8 | int(b[i+3]))
	}
	return false
}
