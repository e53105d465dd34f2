// Package render draws meme captions onto pictures and encodes the result:
// embedded fonts shaped with HarfBuzz (go-text/typesetting) in bidi order,
// colour emoji, balanced wrapping over Unicode line-break opportunities
// fitted to caption boxes, an outline from one distance transform, and a
// clean JPEG.
package render

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/bidi"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/segmenter"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/vector"
)

// The fonts (licences and sources in fonts/). Each grapheme cluster goes
// to the first font in candidates' order that has all of it, except that
// emoji clusters go to the colour font, and spaces, digits and punctuation
// stay in the font of the text around them.
const (
	fontRoboto     = iota // Roboto Condensed Bold (Apache-2.0): the heavy condensed meme face; Latin, Cyrillic, Greek
	fontArabic            // Noto Sans Arabic Bold (OFL): Arabic, Persian, Urdu
	fontHebrew            // Noto Sans Hebrew Bold (OFL)
	fontDevanagari        // Noto Sans Devanagari Bold (OFL): Hindi, Marathi, Nepali
	fontThai              // Noto Sans Thai Bold (OFL)
	fontDejaVu            // DejaVu Sans Bold (Bitstream Vera): symbols, arrows, Armenian, Georgian
	fontCJK               // Droid Sans Fallback (Apache-2.0): Chinese, Japanese, Korean
	fontEmoji             // Noto Color Emoji (OFL): colour bitmaps, one glyph per emoji sequence
	numFonts
)

var (
	//go:embed fonts/RobotoCondensed-Bold.ttf
	robotoCondensedBold []byte
	//go:embed fonts/NotoSansArabic-Bold.ttf
	notoSansArabicBold []byte
	//go:embed fonts/NotoSansHebrew-Bold.ttf
	notoSansHebrewBold []byte
	//go:embed fonts/NotoSansDevanagari-Bold.ttf
	notoSansDevanagariBold []byte
	//go:embed fonts/NotoSansThai-Bold.ttf
	notoSansThaiBold []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuSansBold []byte
	//go:embed fonts/DroidSansFallback.ttf
	droidSansFallback []byte
	//go:embed fonts/NotoColorEmoji.ttf
	notoColorEmoji []byte
)

// fontFile is one embedded font, parsed on first use: a Latin caption
// never pays for the 11 MB emoji font, and process start pays for none.
type fontFile struct {
	name string
	data []byte
	once sync.Once
	font *font.Font
	err  error
}

func (f *fontFile) load() (*font.Font, error) {
	f.once.Do(func() {
		face, err := font.ParseTTF(bytes.NewReader(f.data))
		if err != nil {
			f.err = fmt.Errorf("parse embedded font %s: %w", f.name, err)
			return
		}
		f.font = face.Font
	})
	return f.font, f.err
}

var fontFiles = [numFonts]*fontFile{
	fontRoboto:     {name: "RobotoCondensed-Bold", data: robotoCondensedBold},
	fontArabic:     {name: "NotoSansArabic-Bold", data: notoSansArabicBold},
	fontHebrew:     {name: "NotoSansHebrew-Bold", data: notoSansHebrewBold},
	fontDevanagari: {name: "NotoSansDevanagari-Bold", data: notoSansDevanagariBold},
	fontThai:       {name: "NotoSansThai-Bold", data: notoSansThaiBold},
	fontDejaVu:     {name: "DejaVuSans-Bold", data: dejaVuSansBold},
	fontCJK:        {name: "DroidSansFallback", data: droidSansFallback},
	fontEmoji:      {name: "NotoColorEmoji", data: notoColorEmoji},
}

// emojiScale sizes colour emoji to the text: the font's bitmaps are 1.17
// em tall, which towers over capitals; at 0.82 an emoji is a little taller
// than a capital and sits on the baseline like one.
const emojiScale = 0.82

// chain is one render's fonts and scratch memory: faces (go-text faces
// cache per face and are not safe for concurrent use), the shaper, the
// segmenters, caches and buffers reused between renders. Renders take one
// from the pool.
type chain struct {
	faces    [numFonts]*font.Face
	shaper   shaping.HarfbuzzShaper
	lines    segmenter.Segmenter // line-break opportunities of the text being set
	clusters segmenter.Segmenter // grapheme clusters of the text being shaped
	para     bidi.Paragraph
	size     float64
	rtl      bool // the paragraph direction of the caption being set

	which    map[rune]int8               // first text font with the rune, -1 for none
	extents  map[widthKey]extent         // piece extents at refSize
	outlines map[glyphKey][]font.Segment // glyph outlines in font units
	runs     []run                       // scratch for segmentation
	levels   []bidi.Level                // scratch: bidi level per rune
	faceOf   []int8                      // scratch: font per rune
	glyph    image.Alpha                 // scratch: one glyph's coverage
	path     vector.Rasterizer           // rasterises outlines
	emojis   []emojiDraw                 // colour glyphs of the caption being drawn
	scaled   map[emojiKey]*image.RGBA    // emoji bitmaps at the sizes this render used
	resize   resizer                     // scales emoji bitmaps
	mask     []uint8                     // caption coverage
	dist     []uint8                     // outline distances
	canvases []*image.RGBA               // pictures this render took from the pixel pool
	layers   *[]Layer                    // non-nil: captions go here instead of onto the picture
}

type widthKey struct {
	text string
	rtl  bool
}

type glyphKey struct {
	font int
	gid  font.GID
}

var chains sync.Pool

// getChain returns a chain; it fails only if the primary font cannot be
// parsed (the others are parsed when first needed).
func getChain() (*chain, error) {
	if c, ok := chains.Get().(*chain); ok {
		return c, nil
	}
	c := &chain{which: map[rune]int8{}, extents: map[widthKey]extent{}, outlines: map[glyphKey][]font.Segment{}, scaled: map[emojiKey]*image.RGBA{}}
	if c.face(fontRoboto) == nil {
		_, err := fontFiles[fontRoboto].load()
		return nil, err
	}
	return c, nil
}

func putChain(c *chain) {
	// Floods of distinct runes, words or glyphs should not pin memory.
	if len(c.which) > 4096 {
		c.which = map[rune]int8{}
	}
	if len(c.extents) > 4096 {
		c.extents = map[widthKey]extent{}
	}
	if len(c.outlines) > 2048 {
		c.outlines = map[glyphKey][]font.Segment{}
	}
	// A pooled chain keeps no picture of the last render alive.
	clear(c.scaled)
	clear(c.emojis)
	c.emojis = c.emojis[:0]
	chains.Put(c)
}

// face returns font i's face for this chain, or nil if the font cannot be
// parsed (a test makes sure every embedded font parses).
func (c *chain) face(i int) *font.Face {
	if c.faces[i] == nil {
		f, err := fontFiles[i].load()
		if err != nil {
			return nil
		}
		c.faces[i] = font.NewFace(f)
	}
	return c.faces[i]
}

// has reports whether font i maps r to a glyph.
func (c *chain) has(i int, r rune) bool {
	f := c.face(i)
	if f == nil {
		return false
	}
	g, ok := f.NominalGlyph(r)
	return ok && g != 0 // some fonts map noncharacters to .notdef
}

// scriptFonts are the fonts made for one script: its letters go there
// first, and no other text makes us parse them.
var scriptFonts = map[language.Script]int{
	language.Arabic: fontArabic, language.Hebrew: fontHebrew, language.Devanagari: fontDevanagari, language.Thai: fontThai,
	language.Han: fontCJK, language.Hiragana: fontCJK, language.Katakana: fontCJK, language.Hangul: fontCJK, language.Bopomofo: fontCJK,
}

// generalOrder is the order for everything else: the meme face, symbols,
// CJK punctuation, emoji, and last the script fonts (a few symbols, the
// dotted circle).
var generalOrder = [...]int{fontRoboto, fontDejaVu, fontCJK, fontEmoji, fontArabic, fontHebrew, fontDevanagari, fontThai}

// candidates returns the fonts to try for r, in order of preference, so
// that a font is parsed only when text needs it: a Latin caption parses
// one font, an emoji caption two.
func candidates(r rune, buf *[numFonts + 2]int) []int {
	out := buf[:0]
	if i, ok := scriptFonts[language.LookupScript(r)]; ok {
		out = append(out, i)
	}
	if emojiPresentation(r) {
		out = append(out, fontEmoji)
	}
	return append(out, generalOrder[:]...)
}

// textFont returns the preferred font with a glyph for r, or -1 when none
// has it.
func (c *chain) textFont(r rune) int {
	if i, ok := c.which[r]; ok {
		return int(i)
	}
	idx := -1
	var buf [numFonts + 2]int
	for _, i := range candidates(r, &buf) {
		if c.has(i, r) {
			idx = i
			break
		}
	}
	c.which[r] = int8(idx)
	return idx
}

// ignorable reports the invisible characters a shaper needs and no font
// draws: joiners (emoji sequences, Persian and Indic orthography),
// variation selectors (text or emoji presentation), bidi marks and
// isolates, and the tags of subdivision flags.
func ignorable(r rune) bool {
	switch {
	case r == 0x200C || r == 0x200D, // ZWNJ, ZWJ
		r == 0x200E || r == 0x200F || r == 0x061C,              // LRM, RLM, ALM
		r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, // embeddings, overrides, isolates
		r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF, // variation selectors
		r >= 0xE0020 && r <= 0xE007F: // tags
		return true
	}
	return false
}

// kept reports whether a rune survives clean: it is drawn by some font, or
// it is an invisible character that shaping or bidi needs. Controls, other
// format characters and runes no font has are dropped rather than drawn as
// boxes.
func (c *chain) kept(r rune) bool {
	if ignorable(r) {
		return true
	}
	if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) { // soft hyphen, BOM, word joiner: fonts map some, none should draw them
		return false
	}
	return c.textFont(r) >= 0
}

// skinTone reports the emoji modifiers Fitzpatrick 1-2 to 6.
func skinTone(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF }

// emojiCluster reports whether a grapheme cluster is drawn as a colour
// emoji: its base is in the emoji font and it asks for emoji presentation
// (VS16, a keycap, a skin tone, a ZWJ sequence, tags) or has it by
// default. VS15 asks for text presentation.
func (c *chain) emojiCluster(cl []rune) bool {
	if !c.has(fontEmoji, cl[0]) {
		return false
	}
	for _, r := range cl[1:] {
		switch {
		case r == 0xFE0E:
			return false
		case r == 0xFE0F, r == 0x20E3, r == 0x200D, skinTone(r), r >= 0xE0020 && r <= 0xE007F:
			return true
		}
	}
	return emojiPresentation(cl[0])
}

// emojiPresentation reports characters shown as emoji without a variation
// selector (Unicode's Emoji_Presentation): nearly everything from U+1F000
// up, and a short list below it. Others in the emoji font (digits, ©, ☺,
// ♥) are text unless VS16 follows.
func emojiPresentation(r rune) bool {
	if r >= 0x1F000 {
		return !(r >= 0x1F170 && r <= 0x1F171 || r == 0x1F17E || r == 0x1F17F) // 🅰 🅱 🅾 🅿 default to text
	}
	for _, rg := range bmpEmoji {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// bmpEmoji are the Emoji_Presentation ranges below U+1F000 (Unicode
// emoji-data.txt, 15.0).
var bmpEmoji = [][2]rune{
	{0x231A, 0x231B}, {0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE},
	{0x2614, 0x2615}, {0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE}, {0x26D4, 0x26D4},
	{0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5}, {0x26FA, 0x26FA}, {0x26FD, 0x26FD},
	{0x2705, 0x2705}, {0x270A, 0x270B}, {0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E},
	{0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
}

// strongScript reports runes with a script of their own; spaces, digits,
// punctuation and combining marks belong to the text around them.
func strongScript(r rune) bool {
	s := language.LookupScript(r)
	return s != language.Common && s != language.Inherited
}

// hasAll reports whether font i has every visible rune of a cluster.
func (c *chain) hasAll(i int, cl []rune) bool {
	for _, r := range cl {
		if !ignorable(r) && !c.has(i, r) {
			return false
		}
	}
	return true
}

// fontFor picks the font of one grapheme cluster, given the font of the
// cluster before it (-1 at the start).
func (c *chain) fontFor(cl []rune, prev int) int {
	if c.emojiCluster(cl) {
		return fontEmoji
	}
	if prev >= 0 && prev != fontEmoji && !strongScript(cl[0]) && c.hasAll(prev, cl) {
		return prev
	}
	var buf [numFonts + 2]int
	for _, i := range candidates(cl[0], &buf) {
		if i != fontEmoji && c.hasAll(i, cl) {
			return i
		}
	}
	if i := c.textFont(cl[0]); i >= 0 { // a mark its base's font lacks: the base decides
		return i
	}
	return max(prev, fontRoboto) // a lone invisible character
}
