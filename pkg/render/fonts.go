// Package render draws meme captions onto pictures and encodes the result:
// embedded fonts with a per-rune fallback chain, balanced wrapping fitted to
// caption boxes, an outline from one distance transform, and a clean JPEG.
package render

import (
	_ "embed"
	"fmt"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// The chain, in order of preference. Roboto Condensed Bold (Apache-2.0) is
// the heavy condensed meme face and covers Latin, Cyrillic and Greek;
// DejaVu Sans Bold (Bitstream Vera licence) fills in symbols and other
// scripts. Licences are in fonts/.
var (
	//go:embed fonts/RobotoCondensed-Bold.ttf
	robotoCondensedBold []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuSansBold []byte
)

var (
	chainOnce  sync.Once
	chainFonts []*sfnt.Font
	chainErr   error
)

// fonts parses the embedded chain once; *sfnt.Font is safe for concurrent
// use, faces are not, so each render makes its own faces.
func fonts() ([]*sfnt.Font, error) {
	chainOnce.Do(func() {
		for _, data := range [][]byte{robotoCondensedBold, dejaVuSansBold} {
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

// chain is one render's view of the fonts: per-font buffers and faces at
// the current size. Not safe for concurrent use.
type chain struct {
	fonts []*sfnt.Font
	buf   sfnt.Buffer
	faces []font.Face
	size  float64
	which map[rune]int8 // font index per rune, -1 when no font has it
}

func newChain() (*chain, error) {
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	return &chain{fonts: fs, faces: make([]font.Face, len(fs)), which: map[rune]int8{}}, nil
}

// fontFor returns the index of the first font with a glyph for r, or -1:
// a rune no font has is dropped rather than drawn as a box.
func (c *chain) fontFor(r rune) int {
	if i, ok := c.which[r]; ok {
		return int(i)
	}
	idx := -1
	for i, f := range c.fonts {
		if g, err := f.GlyphIndex(&c.buf, r); err == nil && g != 0 {
			idx = i
			break
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
