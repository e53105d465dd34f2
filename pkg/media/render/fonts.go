// Package render draws meme captions onto pictures and encodes the result:
// embedded fonts with a per-rune fallback chain, balanced wrapping fitted to
// caption boxes, an outline from one distance transform, and a clean JPEG.
package render

import (
	_ "embed"
	"fmt"
	"image"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// The chain, in order of preference (licences in fonts/):
//   - Roboto Condensed Bold (Apache-2.0): the heavy condensed meme face;
//     Latin, Cyrillic, Greek.
//   - DejaVu Sans Bold (Bitstream Vera): symbols, arrows, dingbats, the
//     older monochrome emoji (☺ ♥ ★ ✓), Armenian, Georgian, Hebrew.
//   - Droid Sans Fallback (Apache-2.0): Chinese, Japanese, Korean.
var (
	//go:embed fonts/RobotoCondensed-Bold.ttf
	robotoCondensedBold []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuSansBold []byte
	//go:embed fonts/DroidSansFallback.ttf
	droidSansFallback []byte
)

var (
	chainOnce  sync.Once
	chainFonts []*sfnt.Font
	chainErr   error
)

// fonts parses the embedded chain once; *sfnt.Font is safe for concurrent
// use, faces are not, so each render has its own faces.
func fonts() ([]*sfnt.Font, error) {
	chainOnce.Do(func() {
		for _, data := range [][]byte{robotoCondensedBold, dejaVuSansBold, droidSansFallback} {
			f, err := opentype.Parse(data)
			if err != nil {
				chainErr = fmt.Errorf("parse embedded font: %w", err)
				return
			}
			chainFonts = append(chainFonts, f)
		}
	})
	return chainFonts, chainErr
}

// chain is one render's fonts and scratch memory: faces at the current
// size, the rune → font cache, and buffers reused between renders. Not safe
// for concurrent use; renders take one from the pool.
type chain struct {
	fonts []*sfnt.Font
	buf   sfnt.Buffer
	faces []font.Face
	size  float64
	which map[rune]int8 // font index per rune, -1 when the rune is dropped

	mask, dist []uint8       // caption coverage and outline distances
	canvases   []*image.RGBA // pictures this render took from the pixel pool
	layers     *[]Layer      // non-nil: captions go here instead of onto the picture
}

var chains sync.Pool

func getChain() (*chain, error) {
	if c, ok := chains.Get().(*chain); ok {
		return c, nil
	}
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	return &chain{fonts: fs, faces: make([]font.Face, len(fs)), which: map[rune]int8{}}, nil
}

func putChain(c *chain) {
	if len(c.which) > 4096 { // a flood of distinct runes should not pin memory
		c.which = map[rune]int8{}
	}
	chains.Put(c)
}

// dropped reports runes that are never drawn: controls, format characters
// (zero-width joiners, bidi marks), variation selectors and emoji skin-tone
// modifiers, which only make sense to a colour-emoji shaper we do not have.
func dropped(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r) || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// fontFor returns the index of the first font with a glyph for r, or -1:
// a rune no font has is dropped rather than drawn as a box.
func (c *chain) fontFor(r rune) int {
	if i, ok := c.which[r]; ok {
		return int(i)
	}
	idx := -1
	if !dropped(r) {
		for i, f := range c.fonts {
			if g, err := f.GlyphIndex(&c.buf, r); err == nil && g != 0 {
				idx = i
				break
			}
		}
	}
	c.which[r] = int8(idx)
	return idx
}

// setSize (re)creates the faces for size pixels.
func (c *chain) setSize(size float64) error {
	if size == c.size && c.faces[0] != nil {
		return nil
	}
	for i, f := range c.fonts {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return fmt.Errorf("face at %.1fpx: %w", size, err)
		}
		c.faces[i] = face
	}
	c.size = size
	return nil
}
