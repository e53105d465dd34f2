package render

import (
	"image"
	"math"
	"strings"
	"unicode"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/draw"
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
	brk    bool // always starts a line: the caption had a line break before it
}

// block is a caption set into lines at a size.
type block struct {
	lines []string
	size  float64
	rtl   bool // paragraph direction: lines read from the right
	// asc and desc are the block's ascent and descent at refSize: the
	// primary face's, or more where the text's glyphs reach further
	// (Arabic and Devanagari stack marks above and below Latin's reach).
	asc, desc float64
}

// height is the block's height in pixels at its size.
func (b block) height() float64 { return blockHeight(len(b.lines), b.size, b.asc, b.desc) }

// ascent is the block's ascent in pixels at its size.
func (b block) ascent() float64 { return b.asc * b.size / refSize }

// extent is what a stretch of text measures, shaped: its advance width
// and how far its glyphs reach above and below the baseline.
type extent struct{ width, ascent, descent float64 }

// extentOf measures rs at the chain's current size. Extents at refSize are
// cached: fitting measures the same words at every line count and on
// every shortening, and the block's reach comes from the same entries.
func (c *chain) extentOf(rs []rune) extent {
	cached := c.size == refSize
	k := widthKey{string(rs), c.rtl}
	if e, ok := c.extents[k]; cached && ok {
		return e
	}
	runs, w := c.shapeLine(rs, c.size)
	e := extent{width: w}
	e.ascent, e.descent = reachOf(runs)
	if cached {
		c.extents[k] = e
	}
	return e
}

// measure returns the advance width of rs at the chain's current size.
func (c *chain) measure(rs []rune) float64 { return c.extentOf(rs).width }

// metrics returns ascent and descent of the primary face in pixels at the
// current size: lines are spaced by it whatever their script, so lines of
// mixed scripts sit on one grid.
func (c *chain) metrics() (ascent, descent float64) {
	f := c.face(fontRoboto)
	ext, _ := f.FontHExtents()
	scale := c.size / float64(f.Upem())
	return float64(ext.Ascender) * scale, -float64(ext.Descender) * scale
}

// reachOf returns how far shaped glyphs reach above and below the
// baseline.
func reachOf(runs []shaped) (ascent, descent float64) {
	for _, r := range runs {
		for _, g := range r.out.Glyphs {
			if g.Height == 0 {
				continue
			}
			top := float64(g.YOffset+g.YBearing) / 64
			ascent = math.Max(ascent, top)
			descent = math.Max(descent, -(top + float64(g.Height)/64))
		}
	}
	return ascent, descent
}

// setSize sets the size in pixels that measure, metrics and raster use.
func (c *chain) setSize(size float64) { c.size = size }

// blockHeight is the height in pixels of n lines at size, given the ascent
// and descent at refSize.
func blockHeight(n int, size, asc, desc float64) float64 {
	return size / refSize * (asc + desc + float64(n-1)*lineAdvance*refSize)
}

// clean composes text (NFC, so a letter and its combining accent become
// the one glyph the font has), drops runes no font draws (and controls),
// and turns any run of white space into one space, or into one line break
// when it holds one (a dialogue's lines stay lines). Text left with
// nothing visible (only joiners or selectors) is empty.
func (c *chain) clean(text string) string {
	var b strings.Builder
	space, newline, visible := false, false, false
	for _, r := range norm.NFC.String(text) {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			newline = newline || space && r == '\n'
			continue
		}
		if !c.kept(r) {
			continue
		}
		if space {
			if newline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
			space, newline = false, false
		}
		b.WriteRune(r)
		visible = visible || !ignorable(r)
	}
	if !visible {
		return ""
	}
	return b.String()
}

// fit sets text into at most maxLines lines inside a boxW×boxH box at the
// largest size ≤ maxSize, trying every line count and keeping the one that
// allows the largest size. ok is false when even the best needs a size
// below minSize.
func (c *chain) fit(text string, boxW, boxH float64, maxLines int, minSize, maxSize float64) (b block, ok bool) {
	c.setSize(refSize)
	text = c.clean(text)
	if strings.Count(text, "\n") >= maxLines {
		text = strings.ReplaceAll(text, "\n", " ") // more lines of its own than the box takes: flowed
	}
	c.rtl = rtlText(text)
	pieces := c.pieces(text, boxW*refSize/minSize)
	if len(pieces) == 0 {
		return block{}, true
	}
	// The block reaches as far as its primary face, or further where its
	// glyphs do (measured with the pieces, so nothing is shaped twice).
	asc, desc := c.metrics()
	for _, p := range pieces {
		e := c.extentOf(p.text)
		asc, desc = math.Max(asc, e.ascent), math.Max(desc, e.descent)
	}
	space, hyphen := c.measure([]rune{' '}), c.measure([]rune{'-'})
	best := block{rtl: c.rtl, asc: asc, desc: desc}
	for n := 1; n <= maxLines && n <= len(pieces); n++ {
		lines, widest := balance(pieces, space, hyphen, n)
		if lines == nil {
			continue // fewer lines than the caption's own
		}
		size := c.sizeFor(widest, n, boxW, boxH, maxSize, asc, desc)
		if size <= best.size { // strictly larger: on a tie fewer lines win
			continue
		}
		// The pieces were measured apart; shaped together a line can kern
		// a little wider at the joins, so the winner is measured whole.
		for _, l := range lines {
			widest = math.Max(widest, c.measure([]rune(l)))
		}
		if size = c.sizeFor(widest, n, boxW, boxH, maxSize, asc, desc); size > best.size {
			best.lines, best.size = lines, size
		}
	}
	return best, best.size >= minSize
}

// sizeFor is the size at which n lines, the widest widest pixels at
// refSize, fill a boxW×boxH box, capped at maxSize and rounded down to
// quarter pixels (stable across runs).
func (c *chain) sizeFor(widest float64, n int, boxW, boxH, maxSize, asc, desc float64) float64 {
	size := math.Min(maxSize, refSize*boxW/widest)
	size = math.Min(size, boxH/blockHeight(n, 1, asc, desc))
	return math.Floor(size*4) / 4
}

// pieces splits text into measured pieces at its Unicode line-break
// opportunities (UAX #14: spaces, after hyphens, between CJK characters
// but not before closing punctuation), and breaks anything still wider
// than maxWidth (at refSize) so no line can overflow at the smallest size.
func (c *chain) pieces(text string, maxWidth float64) []piece {
	var out []piece
	rs := []rune(text)
	c.lines.Init(rs)
	glue, brk := false, false
	var spans [][2]int // the opportunities, collected first: measuring reuses the segmenters
	for it := c.lines.LineIterator(); it.Next(); {
		l := it.Line()
		spans = append(spans, [2]int{l.Offset, l.Offset + len(l.Text)})
	}
	for _, sp := range spans {
		end := sp[1]
		newline := false
		for end > sp[0] && unicode.IsSpace(rs[end-1]) {
			newline = newline || rs[end-1] == '\n'
			end--
		}
		if end == sp[0] {
			glue, brk = false, brk || newline
			continue
		}
		word := rs[sp[0]:end]
		before := len(out)
		out = c.breakWord(out, word, glue, maxWidth)
		if before > 0 && dash(string(word)) && !glue && !brk {
			out[before].keep = true
		}
		if before > 0 && brk {
			out[before].brk, out[before].glue = true, false
		}
		glue = end == sp[1] // no space after it: the next piece follows directly
		brk = newline
	}
	return out
}

// dash reports a word that is only a dash, which typography keeps at the
// end of the line before rather than at the start of the next.
func dash(word string) bool { return word == "—" || word == "–" || word == "-" }

// breakAfter reports separators a line may break after, before a letter,
// without adding a hyphen.
func breakAfter(r rune) bool { return strings.ContainsRune("-–—/_.\\|", r) }

// cased reports letters of scripts with case (Latin, Cyrillic, Greek,
// Armenian): the scripts that hyphenate a broken word.
func cased(r rune) bool { return unicode.IsLetter(r) && unicode.ToUpper(r) != unicode.ToLower(r) }

// breakWord appends word as one piece, or, when it is wider than maxWidth,
// as pieces that each fit, cut between grapheme clusters: after the last
// separator (-, /, _, ...) that fits when there is one past the first
// half, otherwise before the cluster that would overflow, with room for a
// hyphen where the script uses one.
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
		widths := c.prefixWidths(word)
		fit, sep := c.graphemeEnd(word, 0), 0 // runes that fit with a hyphen; end of the last separator that fits
		for n := range len(word) + 1 {
			if n == 0 || widths[n] < 0 { // not a cluster boundary
				continue
			}
			if widths[n]+hyphen <= maxWidth {
				fit = n
			}
			if widths[n] > maxWidth {
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
		hyph = hyph && cut < len(word) && cased(word[cut-1]) && cased(word[cut])
		out = append(out, piece{text: word[:cut], width: c.measure(word[:cut]), glue: glue, hyphen: hyph})
		word, glue = word[cut:], true
	}
	return out
}

// graphemeEnd returns the end of the grapheme cluster of word that starts
// at i.
func (c *chain) graphemeEnd(word []rune, i int) int {
	c.clusters.Init(word[i:])
	it := c.clusters.GraphemeIterator()
	it.Next()
	return i + len(it.Grapheme().Text)
}

// prefixWidths returns, for each n, the width of word[:n] when a grapheme
// cluster ends at n, and -1 otherwise: the word is shaped once and its
// glyphs' advances summed by cluster, which is the width of the prefix up
// to the joining forms at the cut.
func (c *chain) prefixWidths(word []rune) []float64 {
	runs, _ := c.shapeLine(word, c.size)
	adv := make([]float64, len(word)+1)
	for _, r := range runs {
		for _, g := range r.out.Glyphs {
			adv[g.ClusterIndex+1] += float64(g.XAdvance) / 64
		}
	}
	out := make([]float64, len(word)+1)
	for i := range out {
		out[i] = -1
	}
	out[0] = 0
	c.clusters.Init(word)
	sum, at := 0.0, 0
	for it := c.clusters.GraphemeIterator(); it.Next(); {
		g := it.Grapheme()
		for i := at; i < g.Offset+len(g.Text); i++ {
			sum += adv[i+1]
		}
		at = g.Offset + len(g.Text)
		out[at] = sum
	}
	return out
}

// balance splits pieces into exactly n lines minimising the widest line
// (linear partition by dynamic programming) and returns the lines and the
// widest width; a piece after a line break always starts a line (nil when
// n is fewer than the caption's own lines).
func balance(pieces []piece, space, hyphen float64, n int) ([]string, float64) {
	m := len(pieces)
	// prefix[i]: width of pieces[:i]; gaps[i]: spaces before pieces[1:i];
	// brks[i]: line breaks before pieces[1:i].
	prefix := make([]float64, m+1)
	gaps := make([]int, m+1)
	brks := make([]int, m+1)
	for i, p := range pieces {
		prefix[i+1] = prefix[i] + p.width
		gaps[i+1], brks[i+1] = gaps[i], brks[i]
		if i > 0 && !p.glue {
			gaps[i+1]++
		}
		if i > 0 && p.brk {
			brks[i+1]++
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
				if w >= cost[k][j] || brks[j]-brks[i+1] > 0 {
					break // wider only, or across a line break
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
	runs   [][]shaped      // each line shaped, runs in visual order
	bounds image.Rectangle // the lines' advance boxes, ascent to descent
}

// place shapes each line of b and aligns it in box to the left (align<0),
// centre (0) or right (>0), and the block to the box's top (valign<0),
// middle (0) or bottom (>0). Alignment is visual: an Arabic caption's
// centred lines are centred like any other.
func (c *chain) place(b block, box image.Rectangle, align, valign int) placed {
	p := placed{block: b}
	if len(b.lines) == 0 {
		return p
	}
	c.setSize(b.size)
	c.rtl = b.rtl
	asc, h := b.ascent(), b.height()
	top := float64(box.Min.Y)
	switch {
	case valign == 0:
		top += (float64(box.Dy()) - h) / 2
	case valign > 0:
		top = float64(box.Max.Y) - h
	}
	minX, maxX := math.Inf(1), math.Inf(-1)
	for i, line := range b.lines {
		runs, w := c.shapeLine([]rune(line), b.size)
		x := float64(box.Min.X) + (float64(box.Dx())-w)/2
		switch {
		case align < 0:
			x = float64(box.Min.X)
		case align > 0:
			x = float64(box.Max.X) - w
		}
		// Ink that overhangs the advance box (a stray combining mark, a
		// swash) is pulled back inside the box where the line allows.
		left, right := inkExtent(runs)
		if over := x + right - float64(box.Max.X); over > 0 {
			x -= over
		}
		if under := float64(box.Min.X) - (x + left); under > 0 {
			x += under
		}
		p.x = append(p.x, x)
		p.y = append(p.y, top+asc+float64(i)*lineAdvance*b.size)
		p.runs = append(p.runs, runs)
		minX, maxX = math.Min(minX, x), math.Max(maxX, x+w)
	}
	p.bounds = image.Rect(int(math.Floor(minX)), int(math.Floor(top)), int(math.Ceil(maxX)), int(math.Ceil(top+h)))
	return p
}

// inkExtent returns the horizontal extent of a shaped line's glyphs
// relative to its pen start.
func inkExtent(runs []shaped) (left, right float64) {
	pen := 0.0
	for _, r := range runs {
		for _, g := range r.out.Glyphs {
			if g.Width != 0 {
				x := pen + float64(g.XOffset+g.XBearing)/64
				left, right = math.Min(left, x), math.Max(right, x+float64(g.Width)/64)
			}
			pen += float64(g.XAdvance) / 64
		}
	}
	return left, math.Max(right, pen)
}

// raster draws the placed lines' outlines into mask (coverage,
// max-combined) and returns the pixel rectangle of every glyph drawn.
// Colour emoji are scaled and queued in c.emojis for pasteEmoji; with
// emojiInk their coverage also goes into mask, so the outline goes round
// them as round the letters.
func (c *chain) raster(mask *image.Alpha, p placed, emojiInk bool) []image.Rectangle {
	c.emojis = c.emojis[:0] // this caption's only
	var boxes []image.Rectangle
	for i, runs := range p.runs {
		pen := p.x[i]
		for _, r := range runs {
			for _, g := range r.out.Glyphs {
				x := pen + float64(g.XOffset)/64
				y := p.y[i] - float64(g.YOffset)/64
				pen += float64(g.XAdvance) / 64
				var box image.Rectangle
				if r.font == fontEmoji {
					box = c.placeEmoji(mask, g, x, y, emojiInk)
				} else {
					box = c.rasterGlyph(mask, r.font, g.GlyphID, x, y, r.size)
				}
				if !box.Empty() {
					boxes = append(boxes, box)
				}
			}
		}
	}
	return boxes
}

// rasterGlyph draws one outline glyph with its origin at (x, y) at size
// pixels into mask and returns its pixel box (empty for a space).
func (c *chain) rasterGlyph(mask *image.Alpha, fi int, gid font.GID, x, y, size float64) image.Rectangle {
	k := glyphKey{fi, gid}
	segs, ok := c.outlines[k]
	if !ok {
		o, _ := c.face(fi).GlyphDataOutline(gid)
		segs = o.Segments
		c.outlines[k] = segs
	}
	if len(segs) == 0 {
		return image.Rectangle{}
	}
	scale := size / float64(c.face(fi).Upem())
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, s := range segs {
		for _, a := range s.ArgsSlice() {
			minX, maxX = math.Min(minX, float64(a.X)), math.Max(maxX, float64(a.X))
			minY, maxY = math.Min(minY, float64(a.Y)), math.Max(maxY, float64(a.Y))
		}
	}
	box := image.Rect(int(math.Floor(x+minX*scale)), int(math.Floor(y-maxY*scale)), int(math.Ceil(x+maxX*scale)), int(math.Ceil(y-minY*scale)))
	if box.Empty() {
		return image.Rectangle{}
	}
	w, h := box.Dx(), box.Dy()
	if cap(c.glyph.Pix) < w*h {
		c.glyph.Pix = make([]uint8, w*h)
	}
	c.glyph = image.Alpha{Pix: c.glyph.Pix[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
	clear(c.glyph.Pix)
	ox, oy := x-float64(box.Min.X), y-float64(box.Min.Y)
	pt := func(a font.SegmentPoint) (float32, float32) {
		return float32(ox + float64(a.X)*scale), float32(oy - float64(a.Y)*scale)
	}
	z := &c.path
	z.Reset(w, h)
	z.DrawOp = draw.Src
	started := false
	for _, s := range segs {
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if started {
				z.ClosePath()
			}
			z.MoveTo(pt(s.Args[0]))
			started = true
		case ot.SegmentOpLineTo:
			z.LineTo(pt(s.Args[0]))
		case ot.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			z.QuadTo(x1, y1, x2, y2)
		case ot.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			z.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
	if started {
		z.ClosePath()
	}
	z.Draw(&c.glyph, c.glyph.Rect, image.Opaque, image.Point{})
	blendMax(mask, box, &c.glyph, image.Point{})
	return box
}

// placeEmoji scales a colour glyph to its box at (x, y), queues it for
// pasteEmoji and, with ink, adds its coverage to mask. It returns the box.
func (c *chain) placeEmoji(mask *image.Alpha, g shaping.Glyph, x, y float64, ink bool) image.Rectangle {
	x0 := x + float64(g.XBearing)/64
	y0 := y - float64(g.YBearing)/64
	box := image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x0+float64(g.Width)/64)), int(math.Round(y0-float64(g.Height)/64)))
	if box.Dx() < 1 || box.Dy() < 1 {
		return image.Rectangle{}
	}
	img := c.emoji(g.GlyphID, box.Dx(), box.Dy())
	if img == nil {
		return image.Rectangle{}
	}
	c.emojis = append(c.emojis, emojiDraw{img: img, rect: box})
	if ink {
		a := image.Alpha{Pix: c.glyphAlpha(img), Stride: box.Dx(), Rect: image.Rect(0, 0, box.Dx(), box.Dy())}
		blendMax(mask, box, &a, image.Point{})
	}
	return box
}

// glyphAlpha returns img's alpha channel in the chain's glyph scratch.
func (c *chain) glyphAlpha(img *image.RGBA) []uint8 {
	n := img.Rect.Dx() * img.Rect.Dy()
	if cap(c.glyph.Pix) < n {
		c.glyph.Pix = make([]uint8, n)
	}
	a := c.glyph.Pix[:n]
	for i := range a {
		a[i] = img.Pix[4*i+3]
	}
	return a
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
