package render

import (
	"image"
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

func TestDistancesMatchReference(t *testing.T) {
	rng := uint32(99)
	rand := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 17
		rng ^= rng << 5
		return int(rng % uint32(n))
	}
	for trial := 0; trial < 300; trial++ {
		w, h := 1+rand(40), 1+rand(12)
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
