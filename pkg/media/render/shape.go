package render

import (
	"math"

	"github.com/go-text/typesetting/bidi"
	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	xbidi "golang.org/x/text/unicode/bidi"
)

// run is a stretch of a line with one font, bidi level and script: the
// unit HarfBuzz shapes.
type run struct {
	start, end int
	font       int
	level      bidi.Level
	script     language.Script
}

// shaped is a shaped run; its glyph metrics are in pixels at size.
type shaped struct {
	out  shaping.Output
	font int
	size float64 // the run's size in pixels (emoji are set smaller than text)
}

// rtlText reports whether text's paragraph direction is right to left:
// its first strong character is Arabic, Hebrew or another RTL script (the
// Unicode bidi rules P2 and P3). Every line of a caption shares it, so an
// Arabic caption's lines all read from the right.
func rtlText(text string) bool {
	for _, r := range text {
		p, _ := xbidi.LookupRune(r)
		switch p.Class() {
		case xbidi.L:
			return false
		case xbidi.R, xbidi.AL:
			return true
		}
	}
	return false
}

// segment splits text into runs: grapheme clusters get fonts, the bidi
// algorithm levels (from the chain's paragraph direction), and Common and
// Inherited runes the script of the text before them (or after, at the
// start).
func (c *chain) segment(text []rune) []run {
	n := len(text)
	c.runs = c.runs[:0]
	if n == 0 {
		return c.runs
	}
	c.faceOf = c.faceOf[:0]
	c.clusters.Init(text)
	prev := -1
	for it := c.clusters.GraphemeIterator(); it.Next(); {
		g := it.Grapheme()
		f := c.fontFor(g.Text, prev)
		for range g.Text {
			c.faceOf = append(c.faceOf, int8(f))
		}
		prev = f
	}
	c.levels = c.levels[:0]
	dir := bidi.LeftToRight
	if c.rtl {
		dir = bidi.RightToLeft
	}
	bruns := c.para.Segment(text, dir)
	for i := range bruns.NumRuns() {
		r := bruns.Run(i)
		for range r.End - r.Start {
			c.levels = append(c.levels, r.Level)
		}
	}
	for len(c.levels) < n { // no runs: an all-neutral line
		c.levels = append(c.levels, 0)
	}
	first := language.Common
	for _, r := range text {
		if s := language.LookupScript(r); s != language.Common && s != language.Inherited {
			first = s
			break
		}
	}
	cur := run{start: 0, font: int(c.faceOf[0]), level: c.levels[0], script: first}
	for i := 1; i <= n; i++ {
		script := cur.script
		if i < n {
			if s := language.LookupScript(text[i]); s != language.Common && s != language.Inherited {
				script = s
			}
		}
		if i == n || int(c.faceOf[i]) != cur.font || c.levels[i] != cur.level || script != cur.script {
			cur.end = i
			c.runs = append(c.runs, cur)
			if i < n {
				cur = run{start: i, font: int(c.faceOf[i]), level: c.levels[i], script: script}
			}
		}
	}
	return c.runs
}

// languages gives HarfBuzz the language for scripts whose shaping has
// language-specific forms; others shape the same either way.
var languages = map[language.Script]language.Language{
	language.Arabic:     language.NewLanguage("ar"),
	language.Hebrew:     language.NewLanguage("he"),
	language.Devanagari: language.NewLanguage("hi"),
	language.Thai:       language.NewLanguage("th"),
	language.Cyrillic:   language.NewLanguage("ru"),
}

// shapeLine shapes text (one line, in logical order) at size pixels and
// returns its runs in visual order, left to right, and its width.
func (c *chain) shapeLine(text []rune, size float64) ([]shaped, float64) {
	runs := c.segment(text)
	out := make([]shaped, len(runs))
	levels := make([]bidi.Level, len(runs))
	var width fixed.Int26_6
	for i, r := range runs {
		dir := di.DirectionLTR
		if r.level%2 == 1 {
			dir = di.DirectionRTL
		}
		// HarfBuzz is run at refSize and the result scaled: go-text rounds
		// the shaping size up to whole pixels, which would make a 24.5 px
		// line 2 % wider than measured.
		ref := refSize
		if r.font == fontEmoji {
			ref *= emojiScale
		}
		o := c.shaper.Shape(shaping.Input{
			Text: text, RunStart: r.start, RunEnd: r.end,
			Direction: dir, Face: c.face(r.font), Size: fixed.Int26_6(ref * 64),
			Script: r.script, Language: languages[r.script],
		})
		if size != refSize {
			scaleGlyphs(&o, size/refSize)
		}
		out[i], levels[i] = shaped{out: o, font: r.font, size: ref * size / refSize}, r.level
		width += o.Advance
	}
	visual := make([]shaped, len(out))
	for i, j := range visualOrder(levels) {
		visual[i] = out[j]
	}
	return visual, float64(width) / 64
}

// scaleGlyphs scales a shaped run's metrics by k.
func scaleGlyphs(o *shaping.Output, k float64) {
	sc := func(v fixed.Int26_6) fixed.Int26_6 { return fixed.Int26_6(math.Round(float64(v) * k)) }
	for i := range o.Glyphs {
		g := &o.Glyphs[i]
		g.XAdvance, g.YAdvance, g.XOffset, g.YOffset = sc(g.XAdvance), sc(g.YAdvance), sc(g.XOffset), sc(g.YOffset)
		g.XBearing, g.YBearing, g.Width, g.Height = sc(g.XBearing), sc(g.YBearing), sc(g.Width), sc(g.Height)
	}
	o.Advance = 0
	for _, g := range o.Glyphs {
		o.Advance += g.XAdvance
	}
}

// visualOrder returns the indices of runs in display order (bidi rule L2):
// from the highest level down to the lowest odd one, every maximal
// sequence of runs at that level or higher is reversed.
func visualOrder(levels []bidi.Level) []int {
	order := make([]int, len(levels))
	var hi, loOdd bidi.Level = 0, 127
	for i, l := range levels {
		order[i] = i
		hi = max(hi, l)
		if l%2 == 1 {
			loOdd = min(loOdd, l)
		}
	}
	for l := hi; l >= loOdd && l > 0; l-- {
		for i := 0; i < len(order); {
			if levels[order[i]] < l {
				i++
				continue
			}
			j := i
			for j < len(order) && levels[order[j]] >= l {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				order[a], order[b] = order[b], order[a]
			}
			i = j
		}
	}
	return order
}
