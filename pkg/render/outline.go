package render

import (
	"image"
	"image/color"
)

// Chamfer 3-4 distances: 3 units a pixel straight, 4 diagonally; within
// about 8 % of Euclidean, which is invisible in an outline a few pixels wide.
const (
	straight = 3
	diagonal = 4
	farAway  = 1 << 14
)

// distances returns, per pixel of mask, the chamfer distance (in thirds of
// a pixel) to the nearest inked pixel, capped at limit. Partly covered
// pixels start at a fraction of a pixel, which anti-aliases the outline's
// outer edge. Two raster passes: the cost does not grow with outline width,
// unlike redrawing the text at offsets or a max filter.
func distances(mask *image.Alpha, limit int32, d []int32) []int32 {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	if cap(d) < w*h {
		d = make([]int32, w*h)
	}
	d = d[:w*h]
	for y := 0; y < h; y++ {
		row := mask.Pix[y*mask.Stride:][:w]
		dr := d[y*w:][:w]
		for x, a := range row {
			if a == 0 {
				dr[x] = limit
			} else {
				dr[x] = int32(255-a) * straight / 255
			}
		}
	}
	min := func(a, b int32) int32 {
		if b < a {
			return b
		}
		return a
	}
	// Forward pass: neighbours above and to the left.
	for y := 0; y < h; y++ {
		cur := d[y*w:][:w]
		if y > 0 {
			up := d[(y-1)*w:][:w]
			for x := 0; x < w; x++ {
				v := min(cur[x], up[x]+straight)
				if x > 0 {
					v = min(v, up[x-1]+diagonal)
				}
				if x < w-1 {
					v = min(v, up[x+1]+diagonal)
				}
				cur[x] = v
			}
		}
		for x := 1; x < w; x++ {
			cur[x] = min(cur[x], cur[x-1]+straight)
		}
	}
	// Backward pass: neighbours below and to the right.
	for y := h - 1; y >= 0; y-- {
		cur := d[y*w:][:w]
		if y < h-1 {
			down := d[(y+1)*w:][:w]
			for x := 0; x < w; x++ {
				v := min(cur[x], down[x]+straight)
				if x > 0 {
					v = min(v, down[x-1]+diagonal)
				}
				if x < w-1 {
					v = min(v, down[x+1]+diagonal)
				}
				cur[x] = v
			}
		}
		for x := w - 2; x >= 0; x-- {
			cur[x] = min(cur[x], cur[x+1]+straight)
		}
	}
	return d
}

// paint composites a caption onto dst at offset: first the outline (all
// pixels within radius of ink) in stroke colour, then the ink in fill colour.
// radius 0 draws no outline.
func paint(dst *image.RGBA, at image.Point, mask *image.Alpha, radius float64, fill, stroke color.RGBA) {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	var dist []int32
	r3 := int32(radius * straight)
	if radius > 0 {
		dist = distances(mask, r3+2*straight, nil)
	}
	area := image.Rectangle{Min: at, Max: at.Add(image.Pt(w, h))}.Intersect(dst.Rect)
	for y := area.Min.Y; y < area.Max.Y; y++ {
		my := y - at.Y
		mrow := mask.Pix[my*mask.Stride:][:w]
		drow := dst.Pix[dst.PixOffset(area.Min.X, y):][:4*area.Dx()]
		for i := 0; i < area.Dx(); i++ {
			mx := area.Min.X + i - at.X
			p := drow[4*i : 4*i+4 : 4*i+4]
			if dist != nil {
				// Full strength inside radius, a one-pixel ramp outside it.
				o := (r3 + straight - dist[my*w+mx]) * 255 / straight
				if o > 0 {
					if o > 255 {
						o = 255
					}
					blend(p, stroke, uint32(o))
				}
			}
			if t := mrow[mx]; t > 0 {
				blend(p, fill, uint32(t))
			}
		}
	}
}

// blend mixes c over the RGBA pixel p with coverage a (0..255).
func blend(p []byte, c color.RGBA, a uint32) {
	if a >= 255 {
		p[0], p[1], p[2], p[3] = c.R, c.G, c.B, 255
		return
	}
	na := 255 - a
	p[0] = uint8((uint32(p[0])*na + uint32(c.R)*a + 127) / 255)
	p[1] = uint8((uint32(p[1])*na + uint32(c.G)*a + 127) / 255)
	p[2] = uint8((uint32(p[2])*na + uint32(c.B)*a + 127) / 255)
	p[3] = 255
}
