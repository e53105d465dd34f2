package render

import (
	"bytes"
	"image"
	"image/color"
	"testing"
)

// chamferReference is the textbook two-pass 3-4 chamfer transform, one
// pixel at a time; distances must agree with it exactly.
func chamferReference(mask *image.Alpha, limit int) []int {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	d := make([]int, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if a := int(mask.Pix[y*mask.Stride+x]); a == 0 {
				d[y*w+x] = limit
			} else {
				d[y*w+x] = (255 - a) * straight / 255
			}
		}
	}
	at := func(x, y int) int {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 1 << 20
		}
		return d[y*w+x]
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d[y*w+x] = min(d[y*w+x], at(x, y-1)+straight, at(x-1, y-1)+diagonal, at(x+1, y-1)+diagonal, at(x-1, y)+straight)
		}
	}
	for y := h - 1; y >= 0; y-- {
		for x := w - 1; x >= 0; x-- {
			d[y*w+x] = min(d[y*w+x], at(x, y+1)+straight, at(x-1, y+1)+diagonal, at(x+1, y+1)+diagonal, at(x+1, y)+straight)
		}
	}
	return d
}

// xorshift returns a small deterministic generator of ints in [0, n).
func xorshift(seed uint32) func(n int) int {
	return func(n int) int {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		return int(seed % uint32(n))
	}
}

func TestDistancesMatchReference(t *testing.T) {
	rand := xorshift(99)
	// Wide, sparse masks too: words far from ink are skipped, and the
	// skipping must not change a distance.
	for trial := 0; trial < 1000; trial++ {
		w, h := 1+rand(40), 1+rand(12)
		if trial%2 == 1 {
			w, h = 1+rand(120), 1+rand(30)
		}
		mask := image.NewAlpha(image.Rect(0, 0, w, h))
		for i := rand(6); i > 0; i-- { // a few ink pixels, some partly covered
			mask.Pix[rand(len(mask.Pix))] = uint8(1 + rand(255))
		}
		limit := 1 + rand(maxLimit)
		if trial%3 == 0 {
			limit = maxLimit
		}
		want := chamferReference(mask, limit)
		got := distances(mask, uint8(limit), nil)
		for i := range want {
			if exp := min(want[i], limit); int(got[i]) != exp {
				t.Fatalf("%dx%d limit %d: pixel (%d,%d) = %d, want %d", w, h, limit, i%w, i/w, got[i], exp)
			}
		}
	}
}

// paint skips eight pixels at a time where there is neither ink nor
// outline; the picture must be what painting every pixel gives.
func TestPaintSkipsOnlyEmptyPixels(t *testing.T) {
	rand := xorshift(7)
	fill, stroke := color.RGBA{250, 240, 10, 255}, color.RGBA{5, 10, 20, 255}
	for trial := 0; trial < 300; trial++ {
		w, h := 1+rand(90), 1+rand(20)
		mask := image.NewAlpha(image.Rect(0, 0, w, h))
		for i := rand(12); i > 0; i-- {
			mask.Pix[rand(len(mask.Pix))] = uint8(1 + rand(255))
		}
		radius := 1.5 + float64(rand(8))
		var dist []uint8
		if trial%4 != 0 {
			dist = distances(mask, outlineLimit(radius), nil)
		}
		bg := image.NewRGBA(image.Rect(0, 0, w+9, h+5))
		for i := range bg.Pix {
			bg.Pix[i] = uint8(rand(256))
		}
		at := image.Pt(rand(10)-3, rand(6)-2)
		got := image.NewRGBA(bg.Rect)
		copy(got.Pix, bg.Pix)
		paint(got, at, mask, dist, radius, fill, stroke)
		want := image.NewRGBA(bg.Rect)
		copy(want.Pix, bg.Pix)
		paintEveryPixel(want, at, mask, dist, radius, fill, stroke)
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Fatalf("trial %d (%dx%d at %v, radius %.1f): painted pixels differ", trial, w, h, at, radius)
		}
	}
}

// paintEveryPixel is paint without the skipping.
func paintEveryPixel(dst *image.RGBA, at image.Point, mask *image.Alpha, dist []uint8, radius float64, fill, stroke color.RGBA) {
	ramp, _ := outlineRamp(radius)
	w := mask.Rect.Dx()
	for my := 0; my < mask.Rect.Dy(); my++ {
		for mx := 0; mx < w; mx++ {
			x, y := at.X+mx, at.Y+my
			if !image.Pt(x, y).In(dst.Rect) {
				continue
			}
			p := dst.Pix[dst.PixOffset(x, y):][:4:4]
			t := mask.Pix[my*mask.Stride+mx]
			if t == 255 {
				p[0], p[1], p[2], p[3] = fill.R, fill.G, fill.B, 255
				continue
			}
			if dist != nil {
				if o := ramp[dist[my*w+mx]]; o > 0 {
					blend(p, stroke, uint32(o))
				}
			}
			if t > 0 {
				blend(p, fill, uint32(t))
			}
		}
	}
}

// FuzzDistances checks the distance passes (SIMD blocks and the Go ends)
// against the textbook transform on arbitrary masks and limits.
func FuzzDistances(f *testing.F) {
	f.Add([]byte{0, 0, 255, 0, 128}, uint8(40), uint8(103))
	f.Add(make([]byte, 70), uint8(35), uint8(6))
	f.Fuzz(func(t *testing.T, pix []byte, width, limit uint8) {
		w := 1 + int(width)%120
		if len(pix) < w {
			return
		}
		h := min(len(pix)/w, 40)
		lim := 1 + int(limit)%maxLimit
		mask := &image.Alpha{Pix: pix[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
		want := chamferReference(mask, lim)
		got := distances(mask, uint8(lim), nil)
		for i := range want {
			if exp := min(want[i], lim); int(got[i]) != exp {
				t.Fatalf("%dx%d limit %d: pixel (%d,%d) = %d, want %d", w, h, lim, i%w, i/w, got[i], exp)
			}
		}
	})
}
