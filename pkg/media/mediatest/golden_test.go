package mediatest

import (
	"image"
	"image/color"
	"image/draw"
	"testing"
)

// The comparison must fail on a real difference: a shape moved, a
// different shape, or a different size; and pass on near-identical images.
func TestCompareImagesCatchesDifferences(t *testing.T) {
	box := func(w, h int, r image.Rectangle) *image.RGBA {
		img := Scene(w, h)
		draw.Draw(img, r, image.NewUniform(color.White), image.Point{}, draw.Src)
		return img
	}
	a := box(256, 256, image.Rect(40, 40, 140, 120))
	moved := box(256, 256, image.Rect(70, 60, 170, 140))
	other := box(256, 256, image.Rect(40, 40, 200, 200))
	smaller := box(256, 200, image.Rect(40, 40, 140, 120))
	nudged := toRGBA(a)
	for i := 0; i < 40; i++ { // a few pixels a little off: rounding
		nudged.Pix[4*i*97] ^= 0x10
	}
	for _, c := range []struct {
		name  string
		b     image.Image
		equal bool
	}{
		{"itself", a, true},
		{"rounding", nudged, true},
		{"moved", moved, false},
		{"different", other, false},
		{"size", smaller, false},
	} {
		if got := CompareImages(a, c.b) == ""; got != c.equal {
			t.Errorf("%s: equal=%v, want %v", c.name, got, c.equal)
		}
	}
}
