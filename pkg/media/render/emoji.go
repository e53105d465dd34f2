package render

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"sync"

	"github.com/go-text/typesetting/font"
)

// emojiDraw is a colour glyph placed in a caption: its pixels, already
// scaled, premultiplied, and where they go.
type emojiDraw struct {
	img  *image.RGBA
	rect image.Rectangle
}

type emojiKey struct {
	gid  font.GID
	w, h int
}

// emojiBitmaps caches decoded emoji bitmaps (136×128, 70 KB each) across
// renders: captions repeat the same few emoji. Bounded, because a caption
// of 300 distinct emoji should not pin 20 MB.
var emojiBitmaps = struct {
	sync.Mutex
	m map[font.GID]*image.RGBA
}{m: map[font.GID]*image.RGBA{}}

const maxEmojiBitmaps = 64

// emojiBitmap returns glyph gid of the emoji font decoded, or nil if it is
// not a PNG bitmap that decodes.
func (c *chain) emojiBitmap(gid font.GID) *image.RGBA {
	emojiBitmaps.Lock()
	img, ok := emojiBitmaps.m[gid]
	emojiBitmaps.Unlock()
	if ok {
		return img
	}
	f := c.face(fontEmoji)
	if f == nil {
		return nil
	}
	bm, ok := f.GlyphDataBitmap(gid)
	if !ok || bm.Format != font.PNG {
		return nil
	}
	src, err := png.Decode(bytes.NewReader(bm.Data))
	if err != nil {
		return nil
	}
	img = image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Rect, src, src.Bounds().Min, draw.Src)
	emojiBitmaps.Lock()
	if len(emojiBitmaps.m) >= maxEmojiBitmaps {
		for k := range emojiBitmaps.m { // drop one at random
			delete(emojiBitmaps.m, k)
			break
		}
	}
	emojiBitmaps.m[gid] = img
	emojiBitmaps.Unlock()
	return img
}

// emoji returns glyph gid scaled to w×h, cached for the render (the same
// emoji at the same size is scaled once).
func (c *chain) emoji(gid font.GID, w, h int) *image.RGBA {
	k := emojiKey{gid, w, h}
	if img, ok := c.scaled[k]; ok {
		return img
	}
	src := c.emojiBitmap(gid)
	if src == nil {
		return nil
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// The bilinear kernel widened when shrinking: a 128 px bitmap brought
	// down to caption size keeps its edges without aliasing.
	c.resize.scale(img, src)
	c.scaled[k] = img
	return img
}

// pasteEmoji composites the caption's colour glyphs onto dst, whose pixel
// (0,0) is at origin in caption coordinates.
func (c *chain) pasteEmoji(dst *image.RGBA, origin image.Point) {
	for _, e := range c.emojis {
		r := e.rect.Sub(origin)
		draw.Draw(dst, r, e.img, image.Point{}, draw.Over)
	}
}
