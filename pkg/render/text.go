package render

import (
	"image"
	"math"
	"strings"
	"unicode"

	"golang.org/x/image/math/fixed"
)

// refSize is the size words are measured at. With hinting off, advances
// scale linearly, so one measurement gives the width at every size and the
// best size for a wrapping can be computed instead of searched.
const refSize = 100.0

// lineAdvance is the baseline-to-baseline distance in ems: tighter than the
// font's default because captions are mostly capitals.
const lineAdvance = 1.08

type word struct {
	text  []rune
	width float64 // at refSize
}

// block is a caption set into lines at a size.
type block struct {
	lines []string
	size  float64
}

// measure returns the advance width of rs at the chain's current size,
// dropping runes no font has.
func (c *chain) measure(rs []rune) float64 {
	var w fixed.Int26_6
	prevFont, prev := -1, rune(-1)
	for _, r := range rs {
		fi := c.fontFor(r)
		if fi < 0 {
			continue
		}
		if fi == prevFont {
			w += c.faces[fi].Kern(prev, r)
		}
		adv, _ := c.faces[fi].GlyphAdvance(r)
		w += adv
		prevFont, prev = fi, r
	}
	return float64(w) / 64
}

// metrics returns ascent and descent of the primary face in pixels at the
// current size.
func (c *chain) metrics() (ascent, descent float64) {
	m := c.faces[0].Metrics()
	return float64(m.Ascent) / 64, float64(m.Descent) / 64
}

// blockHeight is the height in pixels of n lines at size, given the ascent
// and descent at refSize.
func blockHeight(n int, size, asc, desc float64) float64 {
	return size / refSize * (asc + desc + float64(n-1)*lineAdvance*refSize)
}

// fit sets text into at most maxLines lines inside a boxW×boxH box at the
// largest size ≤ maxSize. ok is false when even the best wrapping needs a
// size below minSize.
func (c *chain) fit(text string, boxW, boxH float64, maxLines int, minSize, maxSize float64) (b block, ok bool) {
	if err := c.setSize(refSize); err != nil {
		return block{}, false
	}
	asc, desc := c.metrics()
	words := c.words(text, boxW*refSize/minSize)
	if len(words) == 0 {
		return block{}, true
	}
	space := c.measure([]rune{' '})
	best := block{}
	for n := 1; n <= maxLines && n <= len(words); n++ {
		lines, widest := balance(words, space, n)
		size := math.Min(maxSize, refSize*boxW/widest)
		size = math.Min(size, boxH/blockHeight(n, 1, asc, desc))
		size = math.Floor(size*4) / 4 // quarter pixels: stable across runs
		if size > best.size {         // strictly larger: on a tie fewer lines win
			best = block{lines: lines, size: size}
		}
	}
	return best, best.size >= minSize
}

// words splits text into measured words, breaking any word wider than
// maxWidth (at refSize) into pieces so no line can overflow.
func (c *chain) words(text string, maxWidth float64) []word {
	var out []word
	for _, f := range strings.Fields(text) {
		rs := []rune(f)
		w := c.measure(rs)
		if w <= maxWidth {
			out = append(out, word{rs, w})
			continue
		}
		// Break before the rune that would overflow, keeping at least one.
		start := 0
		for start < len(rs) {
			end := start + 1
			for end < len(rs) && c.measure(rs[start:end+1]) <= maxWidth {
				end++
			}
			out = append(out, word{rs[start:end], c.measure(rs[start:end])})
			start = end
		}
	}
	return out
}

// balance splits words into exactly n lines minimising the widest line
// (linear partition by dynamic programming) and returns the lines and the
// widest width.
func balance(words []word, space float64, n int) ([]string, float64) {
	m := len(words)
	// prefix[i] = width of words[:i] with one space between words.
	prefix := make([]float64, m+1)
	for i, w := range words {
		prefix[i+1] = prefix[i] + w.width
	}
	width := func(i, j int) float64 { // words[i:j]
		return prefix[j] - prefix[i] + float64(j-i-1)*space
	}
	inf := math.Inf(1)
	cost := make([][]float64, n+1)
	cut := make([][]int, n+1)
	for k := range cost {
		cost[k] = make([]float64, m+1)
		cut[k] = make([]int, m+1)
		for j := range cost[k] {
			cost[k][j] = inf
		}
	}
	cost[0][0] = 0
	for k := 1; k <= n; k++ {
		for j := k; j <= m; j++ {
			for i := k - 1; i < j; i++ {
				if c := math.Max(cost[k-1][i], width(i, j)); c < cost[k][j] {
					cost[k][j], cut[k][j] = c, i
				}
			}
		}
	}
	lines := make([]string, n)
	for k, j := n, m; k > 0; k-- {
		i := cut[k][j]
		parts := make([]string, 0, j-i)
		for _, w := range words[i:j] {
			parts = append(parts, string(w.text))
		}
		lines[k-1] = strings.Join(parts, " ")
		j = i
	}
	return lines, cost[n][m]
}

// drawBlock rasterises b into mask, each line centred in box, the block
// aligned to the box's top (valign<0), middle (0) or bottom (>0).
// It returns the pixel rectangles of the glyphs it drew.
func (c *chain) drawBlock(mask *image.Alpha, b block, box image.Rectangle, valign int) ([]image.Rectangle, error) {
	if len(b.lines) == 0 {
		return nil, nil
	}
	if err := c.setSize(b.size); err != nil {
		return nil, err
	}
	asc, desc := c.metrics()
	h := asc + desc + float64(len(b.lines)-1)*lineAdvance*b.size
	top := float64(box.Min.Y)
	switch {
	case valign == 0:
		top += (float64(box.Dy()) - h) / 2
	case valign > 0:
		top = float64(box.Max.Y) - h
	}
	var boxes []image.Rectangle
	for i, line := range b.lines {
		rs := []rune(line)
		x := float64(box.Min.X) + (float64(box.Dx())-c.measure(rs))/2
		y := top + asc + float64(i)*lineAdvance*b.size
		dot := fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(y * 64)}
		prevFont, prev := -1, rune(-1)
		for _, r := range rs {
			fi := c.fontFor(r)
			if fi < 0 {
				continue
			}
			face := c.faces[fi]
			if fi == prevFont {
				dot.X += face.Kern(prev, r)
			}
			dr, m, mp, adv, ok := face.Glyph(dot, r)
			if ok && !dr.Empty() && !unicode.IsSpace(r) { // a space's empty outline can round to a 1px box
				blendMax(mask, dr, m, mp)
				boxes = append(boxes, dr)
			}
			dot.X += adv
			prevFont, prev = fi, r
		}
	}
	return boxes, nil
}

// blendMax ORs a glyph mask into dst (max of coverages), clipped to dst.
func blendMax(dst *image.Alpha, dr image.Rectangle, m image.Image, mp image.Point) {
	src, ok := m.(*image.Alpha)
	clip := dr.Intersect(dst.Rect)
	if clip.Empty() {
		return
	}
	mp = mp.Add(clip.Min.Sub(dr.Min))
	for y := 0; y < clip.Dy(); y++ {
		d := dst.Pix[dst.PixOffset(clip.Min.X, clip.Min.Y+y):][:clip.Dx()]
		if ok {
			s := src.Pix[src.PixOffset(mp.X, mp.Y+y):][:clip.Dx()]
			for x, v := range s {
				if v > d[x] {
					d[x] = v
				}
			}
			continue
		}
		for x := range d {
			_, _, _, a := m.At(mp.X+x, mp.Y+y).RGBA()
			if v := uint8(a >> 8); v > d[x] {
				d[x] = v
			}
		}
	}
}

// upper upper-cases text where the script has case (Latin, Cyrillic, Greek).
func upper(s string) string { return strings.ToUpper(s) }
