package render

import (
	"image"
	"math"
)

// tap is one source pixel's weight in an output pixel.
type tap struct {
	at int     // source index (column or row)
	w  float32 // normalised weight
}

// resizer scales premultiplied RGBA pictures with the bilinear (triangle)
// kernel, widened by the scale factor when shrinking so that every source
// pixel counts, as golang.org/x/image/draw's BiLinear does, but reusing its
// buffers: that one allocates a float64 copy of the picture per call,
// about 300 KB for each emoji of a caption.
type resizer struct {
	xs, ys     []tap
	xoff, yoff []int     // taps of output column/row i: [off[i], off[i+1])
	tmp        []float32 // horizontal pass: source rows × output columns × 4
}

// taps fills the taps of n outputs from m inputs into ts and off.
func taps(ts []tap, off []int, n, m int) ([]tap, []int) {
	ts, off = ts[:0], append(off[:0], 0)
	scale := float64(m) / float64(n)
	half, arg := 1.0, 1.0
	if scale > 1 {
		half, arg = scale, 1/scale
	}
	for i := range n {
		center := (float64(i)+0.5)*scale - 0.5
		lo := max(int(math.Floor(center-half)), 0)
		hi := min(int(math.Ceil(center+half)), m)
		start := len(ts)
		total := 0.0
		for k := lo; k < hi; k++ {
			if w := 1 - math.Abs((float64(k)-center)*arg); w > 0 {
				ts = append(ts, tap{k, float32(w)})
				total += w
			}
		}
		for j := start; j < len(ts); j++ {
			ts[j].w = float32(float64(ts[j].w) / total)
		}
		off = append(off, len(ts))
	}
	return ts, off
}

// scale draws src scaled to fill dst (both at their origins' bounds):
// down the columns first, in a loop over whole rows, then along the rows
// of the (already shorter) result.
func (z *resizer) scale(dst, src *image.RGBA) {
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	if dw <= 0 || dh <= 0 || sw <= 0 || sh <= 0 {
		return
	}
	z.xs, z.xoff = taps(z.xs, z.xoff, dw, sw)
	z.ys, z.yoff = taps(z.ys, z.yoff, dh, sh)
	if n := dh * sw * 4; cap(z.tmp) < n {
		z.tmp = make([]float32, n)
	}
	tmp := z.tmp[:dh*sw*4]
	for y := range dh {
		acc := tmp[y*sw*4:][:sw*4]
		clear(acc)
		for _, t := range z.ys[z.yoff[y]:z.yoff[y+1]] {
			row := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+t.at):][:len(acc)]
			for i, v := range row {
				acc[i] += float32(v) * t.w
			}
		}
	}
	for y := range dh {
		acc := tmp[y*sw*4:][:sw*4]
		drow := dst.Pix[dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y+y):][:4*dw]
		for x := range dw {
			var r, g, b, a float32
			for _, t := range z.xs[z.xoff[x]:z.xoff[x+1]] {
				p := acc[4*t.at : 4*t.at+4 : 4*t.at+4]
				r += p[0] * t.w
				g += p[1] * t.w
				b += p[2] * t.w
				a += p[3] * t.w
			}
			p := drow[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = clamp8(r), clamp8(g), clamp8(b), clamp8(a)
		}
	}
}

// clamp8 rounds v to the nearest byte value.
func clamp8(v float32) uint8 { return uint8(min(max(v+0.5, 0), 255)) }
