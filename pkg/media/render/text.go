package render

import (
	"image"
	"math"
	"strings"
	"unicode"

	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// refSize is the size words are measured at. With hinting off, advances
// scale linearly, so one measurement gives the width at every size and the
// best size for a wrapping can be computed instead of searched.
const refSize = 100.0

// lineAdvance is the baseline-to-baseline distance in ems: tighter than the
// font's default because captions are mostly capitals.
const lineAdvance = 1.08

// piece is the unit of line breaking: a word, or part of one. A glued
// piece follows the previous one without a space (CJK characters, the
// pieces of a broken word); a line that ends after a hyphenated piece, in
// the middle of its word, gets a hyphen.
type piece struct {
	text   []rune
	width  float64 // at refSize
	glue   bool
	hyphen bool
	keep   bool // never starts a line: a dash stays with the word before it
}

// block is a caption set into lines at a size.
type block struct {
	lines []string
	size  float64
}

// measure returns the advance width of rs at the chain's current size,
// skipping runes no font has.
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

// clean composes text (NFC, so a letter and its combining accent become
// the one glyph the font has), drops runes no font draws, and turns any
// run of white space into one space.
func (c *chain) clean(text string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFC.String(text) {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if c.fontFor(r) < 0 {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fit sets text into at most maxLines lines inside a boxW×boxH box at the
// largest size ≤ maxSize, trying every line count and keeping the one that
// allows the largest size. ok is false when even the best needs a size
// below minSize.
func (c *chain) fit(text string, boxW, boxH float64, maxLines int, minSize, maxSize float64) (b block, ok bool) {
	if err := c.setSize(refSize); err != nil {
		return block{}, false
	}
	asc, desc := c.metrics()
	pieces := c.pieces(c.clean(text), boxW*refSize/minSize)
	if len(pieces) == 0 {
		return block{}, true
	}
	space, hyphen := c.measure([]rune{' '}), c.measure([]rune{'-'})
	best := block{}
	for n := 1; n <= maxLines && n <= len(pieces); n++ {
		lines, widest := balance(pieces, space, hyphen, n)
		size := math.Min(maxSize, refSize*boxW/widest)
		size = math.Min(size, boxH/blockHeight(n, 1, asc, desc))
		size = math.Floor(size*4) / 4 // quarter pixels: stable across runs
		if size > best.size {         // strictly larger: on a tie fewer lines win
			best = block{lines: lines, size: size}
		}
	}
	return best, best.size >= minSize
}

// cjk reports scripts written without spaces, where a line may break
// between any two characters.
func cjk(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF) // CJK punctuation, full-width forms
}

// noLineStart reports punctuation that must stay with the character before
// it rather than begin a line (a small kinsoku rule).
func noLineStart(r rune) bool {
	return strings.ContainsRune("、。，．・：；？！）」』】〕〉》ー…,.!?:;)]}%", r)
}

// pieces splits text into measured pieces: one per space-separated word,
// one per CJK character, one per part of a word joined by a separator
// (state-of-the-art, paths, URLs), and anything still wider than maxWidth
// (at refSize) broken so no line can overflow at the smallest size.
func (c *chain) pieces(text string, maxWidth float64) []piece {
	var out []piece
	for _, field := range strings.Fields(text) {
		rs := []rune(field)
		glue := false
		for start := 0; start < len(rs); {
			end := start + 1
			if !cjk(rs[start]) { // up to CJK, or just past a separator a line may break after
				for end < len(rs) && !cjk(rs[end]) && !(breakAfter(rs[end-1]) && unicode.IsLetter(rs[end])) {
					end++
				}
			}
			for end < len(rs) && noLineStart(rs[end]) {
				end++
			}
			out = c.breakWord(out, rs[start:end], glue, maxWidth)
			glue, start = true, end
		}
		if len(out) > 1 && dash(field) {
			out[len(out)-1].keep = true
		}
	}
	return out
}

// dash reports a word that is only a dash, which typography keeps at the
// end of the line before rather than at the start of the next.
func dash(word string) bool { return word == "—" || word == "–" || word == "-" }

// breakAfter reports separators a line may break after, before a letter,
// without adding a hyphen.
func breakAfter(r rune) bool { return strings.ContainsRune("-–—/_.\\|", r) }

// breakWord appends word as one piece, or, when it is wider than maxWidth,
// as pieces that each fit: after the last separator (-, /, _, ...) that
// fits when there is one past the first half, otherwise before the rune
// that would overflow, with room for a hyphen.
func (c *chain) breakWord(out []piece, word []rune, glue bool, maxWidth float64) []piece {
	w := c.measure(word)
	if w <= maxWidth {
		return append(out, piece{text: word, width: w, glue: glue})
	}
	hyphen := c.measure([]rune{'-'})
	for len(word) > 0 {
		if w := c.measure(word); w <= maxWidth {
			return append(out, piece{text: word, width: w, glue: glue})
		}
		fit, sep := 1, 0 // runes that fit with a hyphen; end of the last separator that fits
		for n := 1; n <= len(word); n++ {
			w := c.measure(word[:n])
			if w+hyphen <= maxWidth {
				fit = n
			}
			if w > maxWidth {
				break
			}
			if breakAfter(word[n-1]) {
				sep = n
			}
		}
		cut, hyph := fit, true
		if sep*2 >= fit && sep > 0 {
			cut, hyph = sep, false
		}
		hyph = hyph && unicode.IsLetter(word[cut-1]) && cut < len(word) && unicode.IsLetter(word[cut])
		out = append(out, piece{text: word[:cut], width: c.measure(word[:cut]), glue: glue, hyphen: hyph})
		word, glue = word[cut:], true
	}
	return out
}

// balance splits pieces into exactly n lines minimising the widest line
// (linear partition by dynamic programming) and returns the lines and the
// widest width.
func balance(pieces []piece, space, hyphen float64, n int) ([]string, float64) {
	m := len(pieces)
	// prefix[i]: width of pieces[:i]; gaps[i]: spaces before pieces[1:i].
	prefix := make([]float64, m+1)
	gaps := make([]int, m+1)
	for i, p := range pieces {
		prefix[i+1] = prefix[i] + p.width
		gaps[i+1] = gaps[i]
		if i > 0 && !p.glue {
			gaps[i+1]++
		}
	}
	width := func(i, j int) float64 { // a line of pieces[i:j]
		w := prefix[j] - prefix[i]
		if j-i > 1 {
			w += float64(gaps[j]-gaps[i+1]) * space
		}
		if pieces[j-1].hyphen && j < m && pieces[j].glue {
			w += hyphen
		}
		return w
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
			// Longer last lines only get wider: stop once the line alone
			// is no better than the best found.
			for i := j - 1; i >= k-1; i-- {
				w := width(i, j)
				if w >= cost[k][j] {
					break
				}
				if i > 0 && pieces[i].keep {
					continue
				}
				if c := math.Max(cost[k-1][i], w); c < cost[k][j] {
					cost[k][j], cut[k][j] = c, i
				}
			}
		}
	}
	if math.IsInf(cost[n][m], 1) {
		return nil, cost[n][m] // no way to make n lines (pieces that never start one)
	}
	lines := make([]string, n)
	for k, j := n, m; k > 0; k-- {
		i := cut[k][j]
		var b strings.Builder
		for t, p := range pieces[i:j] {
			if t > 0 && !p.glue {
				b.WriteByte(' ')
			}
			b.WriteString(string(p.text))
		}
		if pieces[j-1].hyphen && j < m && pieces[j].glue {
			b.WriteByte('-')
		}
		lines[k-1] = b.String()
		j = i
	}
	return lines, cost[n][m]
}

// placed is a block positioned in its box.
type placed struct {
	block
	x, y   []float64       // pen start (left end of the baseline) of each line
	bounds image.Rectangle // the lines' advance boxes, ascent to descent
}

// place aligns each line of b in box to the left (align<0), centre (0) or
// right (>0), and the block to the box's top (valign<0), middle (0) or
// bottom (>0).
func (c *chain) place(b block, box image.Rectangle, align, valign int) (placed, error) {
	p := placed{block: b}
	if len(b.lines) == 0 {
		return p, nil
	}
	if err := c.setSize(b.size); err != nil {
		return p, err
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
	minX, maxX := math.Inf(1), math.Inf(-1)
	for i, line := range b.lines {
		w := c.measure([]rune(line))
		x := float64(box.Min.X) + (float64(box.Dx())-w)/2
		switch {
		case align < 0:
			x = float64(box.Min.X)
		case align > 0:
			x = float64(box.Max.X) - w
		}
		p.x = append(p.x, x)
		p.y = append(p.y, top+asc+float64(i)*lineAdvance*b.size)
		minX, maxX = math.Min(minX, x), math.Max(maxX, x+w)
	}
	p.bounds = image.Rect(int(math.Floor(minX)), int(math.Floor(top)), int(math.Ceil(maxX)), int(math.Ceil(top+h)))
	return p, nil
}

// raster draws the placed lines into mask (coverage, max-combined) and
// returns the pixel rectangle of every glyph drawn. The chain must be at
// p's size, as place leaves it.
func (c *chain) raster(mask *image.Alpha, p placed) []image.Rectangle {
	var boxes []image.Rectangle
	for i, line := range p.lines {
		dot := fixed.Point26_6{X: fixed.Int26_6(p.x[i] * 64), Y: fixed.Int26_6(p.y[i] * 64)}
		prevFont, prev := -1, rune(-1)
		for _, r := range line {
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
	return boxes
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
				d[x] = max(d[x], v)
			}
			continue
		}
		for x := range d {
			_, _, _, a := m.At(mp.X+x, mp.Y+y).RGBA()
			d[x] = max(d[x], uint8(a>>8))
		}
	}
}

// upper upper-cases text where the script has case (Latin, Cyrillic,
// Greek, Armenian); other scripts pass through unchanged. Greek capitals
// drop the tonos, as Greek all-caps text does.
func upper(s string) string { return greekCaps.Replace(strings.ToUpper(s)) }

var greekCaps = strings.NewReplacer("Ά", "Α", "Έ", "Ε", "Ή", "Η", "Ί", "Ι", "Ό", "Ο", "Ύ", "Υ", "Ώ", "Ω", "ΐ", "Ϊ", "ΰ", "Ϋ")
