package render

import (
	"encoding/binary"
	"image"
	"image/color"
	"math/bits"
)

// Chamfer 3-4 distances: 3 units a pixel straight, 4 diagonally; within
// about 8 % of Euclidean, which is invisible in an outline a few pixels wide.
const (
	straight = 3
	diagonal = 4
	// maxLimit keeps every distance plus the largest in-word step (eight
	// straight steps) below 128, which minBytes needs. It allows outlines
	// up to 34 px.
	maxLimit = 127 - 8*straight
)

const (
	lanes = 0x0101010101010101
	highs = 0x8080808080808080
)

// minBytes is the lane-wise minimum of eight bytes, each at most 127: with
// the high bit set in a, a-b cannot borrow across lanes, and its high bit
// says whether a ≥ b.
func minBytes(a, b uint64) uint64 {
	m := ((a | highs) - b) & highs >> 7 * 0xFF
	return b&m | a&^m
}

// relax lowers each distance in cur to its neighbour's in next plus a
// step: straight below/above, diagonal to either side. Eight pixels a word
// in the middle, one at a time at the ends. Every distance is at most
// limit.
func relax(cur, next []uint8, limit uint8) {
	far := uint64(limit) * lanes
	w := len(cur)
	if w == 1 {
		cur[0] = min(cur[0], next[0]+straight)
		return
	}
	cur[0] = min(cur[0], next[0]+straight, next[1]+diagonal)
	x := relaxBlocks(cur, next)
	for ; x+9 <= w; x += 8 {
		n0 := binary.LittleEndian.Uint64(next[x:])
		nl := binary.LittleEndian.Uint64(next[x-1:])
		nr := binary.LittleEndian.Uint64(next[x+1:])
		if n0&nl&nr == far { // all three at limit (none is above it)
			continue // nothing near ink next door: no distance can drop
		}
		c := binary.LittleEndian.Uint64(cur[x:])
		c = minBytes(c, n0+straight*lanes)
		c = minBytes(c, nl+diagonal*lanes)
		c = minBytes(c, nr+diagonal*lanes)
		binary.LittleEndian.PutUint64(cur[x:], c)
	}
	for ; x < w-1; x++ {
		cur[x] = min(cur[x], next[x]+straight, next[x-1]+diagonal, next[x+1]+diagonal)
	}
	cur[w-1] = min(cur[w-1], next[w-1]+straight, next[w-2]+diagonal)
}

// distances returns, per pixel of mask, the chamfer distance (in thirds of
// a pixel) to the nearest inked pixel, capped at limit (≤ maxLimit).
// Partly covered pixels start at a fraction of a pixel, which anti-aliases
// the outline's outer edge. Two raster passes, so the cost does not grow
// with the outline's width (unlike redrawing the text at offsets or a max
// filter); bytes, because only distances up to the outline radius matter,
// and bytes go eight to a word.
func distances(mask *image.Alpha, limit uint8, d []uint8) []uint8 {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	if cap(d) < w*h {
		d = make([]uint8, w*h)
	}
	d = d[:w*h]
	var start [256]uint8 // coverage → starting distance
	for a := range start {
		// Capped too: every distance stays ≤ limit, which relax and the
		// sweeps rely on to skip words far from ink.
		start[a] = min(uint8((255-a)*straight/255), limit)
	}
	start[0] = limit
	for y := 0; y < h; y++ {
		row := mask.Pix[y*mask.Stride:][:w]
		dr := d[y*w:][:w]
		for x, a := range row {
			dr[x] = start[a]
		}
	}
	// Forward pass: neighbours above and to the left.
	for y := 0; y < h; y++ {
		cur := d[y*w:][:w]
		if y > 0 {
			relax(cur, d[(y-1)*w:][:w], limit)
		}
		sweepRight(cur, limit)
	}
	// Backward pass: neighbours below and to the right.
	for y := h - 1; y >= 0; y-- {
		cur := d[y*w:][:w]
		if y < h-1 {
			relax(cur, d[(y+1)*w:][:w], limit)
		}
		sweepLeft(cur, limit)
	}
	return d
}

// sweepK holds the SIMD kernels' byte constants, sixteen lanes each.
var sweepK = struct {
	three, four, six, twelve, twentyFour [16]uint8
	rampUp, rampDown                     [16]uint8 // 3(k+1) and 3(16−k) in lane k
}{
	three: bytes16(straight), four: bytes16(diagonal),
	six: bytes16(2 * straight), twelve: bytes16(4 * straight), twentyFour: bytes16(8 * straight),
	rampUp: func() (r [16]uint8) {
		for k := range r {
			r[k] = uint8(straight * (k + 1))
		}
		return
	}(),
	rampDown: func() (r [16]uint8) {
		for k := range r {
			r[k] = uint8(straight * (16 - k))
		}
		return
	}(),
}

func bytes16(v uint8) (r [16]uint8) {
	for k := range r {
		r[k] = v
	}
	return
}

// ramp3[k] is lane k's distance from the word's left neighbour, in steps.
const ramp3 = straight * 0x0807060504030201

// sweepRight lowers each distance to its left neighbour's plus a step, left
// to right. A word at a time: a prefix minimum over the word in three
// doubling steps (vacated lanes filled with limit, which never wins), then
// the carry from the previous word.
func sweepRight(row []uint8, limit uint8) {
	L := uint64(limit)
	x, carry := sweepRightBlocks(row, limit)
	for ; x+8 <= len(row); x += 8 {
		v := binary.LittleEndian.Uint64(row[x:])
		if v == L*lanes && carry == L {
			continue // far from ink and so is the carry: nothing changes
		}
		v = minBytes(v, (v<<8|L)+straight*lanes)
		v = minBytes(v, (v<<16|L*0x0101)+2*straight*lanes)
		v = minBytes(v, (v<<32|L*0x01010101)+4*straight*lanes)
		v = minBytes(v, carry*lanes+ramp3)
		binary.LittleEndian.PutUint64(row[x:], v)
		carry = v >> 56
	}
	for ; x < len(row); x++ {
		row[x] = min(row[x], uint8(carry)+straight)
		carry = uint64(row[x])
	}
}

// sweepLeft is sweepRight mirrored: right to left.
func sweepLeft(row []uint8, limit uint8) {
	L := uint64(limit)
	x, carry := sweepLeftBlocks(row, limit)
	for ; x-8 >= 0; x -= 8 {
		v := binary.LittleEndian.Uint64(row[x-8:])
		if v == L*lanes && carry == L {
			continue
		}
		v = minBytes(v, (v>>8|L<<56)+straight*lanes)
		v = minBytes(v, (v>>16|L*0x0101<<48)+2*straight*lanes)
		v = minBytes(v, (v>>32|L*0x01010101<<32)+4*straight*lanes)
		v = minBytes(v, carry*lanes+bits.ReverseBytes64(ramp3))
		binary.LittleEndian.PutUint64(row[x-8:], v)
		carry = v & 0xFF
	}
	for x--; x >= 0; x-- {
		row[x] = min(row[x], uint8(carry)+straight)
		carry = uint64(row[x])
	}
}

// outlineLimit is how far distances must be known for an outline of
// radius pixels: the radius and the one-pixel anti-aliasing ramp past it.
func outlineLimit(radius float64) uint8 {
	return uint8(min(int(radius*straight), maxLimit-2*straight) + 2*straight)
}

// paint composites a caption onto dst at offset: first the outline (pixels
// within radius of ink, from dist) in stroke colour, then the ink in fill
// colour. A nil dist draws no outline.
func paint(dst *image.RGBA, at image.Point, mask *image.Alpha, dist []uint8, radius float64, fill, stroke color.RGBA) {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	ramp, far := outlineRamp(radius)
	area := image.Rectangle{Min: at, Max: at.Add(image.Pt(w, h))}.Intersect(dst.Rect)
	for y := area.Min.Y; y < area.Max.Y; y++ {
		my := y - at.Y
		mx0 := area.Min.X - at.X
		mrow := mask.Pix[my*mask.Stride+mx0:][:area.Dx()]
		drow := dst.Pix[dst.PixOffset(area.Min.X, y):][:4*area.Dx()]
		var drow8 []uint8
		if dist != nil {
			drow8 = dist[my*w+mx0:][:area.Dx()]
		}
		for i0 := 0; i0 < len(mrow); i0 += 8 {
			i1 := min(i0+8, len(mrow))
			// Most of a caption's box is neither ink nor outline: skip
			// eight such pixels at once (distances are < 128, so the
			// lane-wise ≥ test cannot borrow across lanes).
			if i1-i0 == 8 && binary.LittleEndian.Uint64(mrow[i0:]) == 0 &&
				(drow8 == nil || ((binary.LittleEndian.Uint64(drow8[i0:])|highs)-far*lanes)&highs == highs) {
				continue
			}
			for i := i0; i < i1; i++ { // written out: a call per pixel costs a tenth of a meme
				t := mrow[i]
				p := drow[4*i : 4*i+4 : 4*i+4]
				if t == 255 { // solid ink hides the outline under it
					p[0], p[1], p[2], p[3] = fill.R, fill.G, fill.B, 255
					continue
				}
				if drow8 != nil {
					if o := ramp[drow8[i]]; o > 0 {
						blend(p, stroke, uint32(o))
					}
				}
				if t > 0 {
					blend(p, fill, uint32(t))
				}
			}
		}
	}
}

// outlineRamp is the outline's strength by distance for radius: full
// inside it, a one-pixel ramp outside it, and none from far on.
func outlineRamp(radius float64) (ramp [256]uint8, far uint64) {
	r3 := int(outlineLimit(radius)) - 2*straight
	for d := range ramp {
		ramp[d] = uint8(min(max((r3+straight-d)*255/straight, 0), 255))
	}
	return ramp, uint64(r3 + straight)
}

// paintLayer draws a caption alone into the transparent, premultiplied
// layer (mask-sized): the outline, then the ink over it.
func paintLayer(layer *image.RGBA, mask *image.Alpha, dist []uint8, radius float64, fill, stroke color.RGBA) {
	ramp, _ := outlineRamp(radius)
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	for y := 0; y < h; y++ {
		mrow := mask.Pix[y*mask.Stride:][:w]
		lrow := layer.Pix[y*layer.Stride:][:4*w]
		for x, t := range mrow {
			o := uint32(0)
			if dist != nil {
				o = uint32(ramp[dist[y*w+x]])
			}
			ft := uint32(t)
			if o == 0 && ft == 0 {
				continue
			}
			// stroke with coverage o, then fill with coverage ft over it
			a := ft + o*(255-ft)/255
			mix := func(f, s uint8) uint8 { return uint8((uint32(f)*ft + uint32(s)*o*(255-ft)/255 + 127) / 255) }
			p := lrow[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = mix(fill.R, stroke.R), mix(fill.G, stroke.G), mix(fill.B, stroke.B), uint8(a)
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
