package render

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"sync"

	xdraw "golang.org/x/image/draw"

	"punchline/pkg/meme"
)

// MaxSide caps the output's long side: large enough for a phone screen,
// small enough to fetch fast.
const MaxSide = 1280

// MaxCaptionRunes bounds each caption: past it a meme is an essay, and
// wrapping cost grows with the square of the length.
const MaxCaptionRunes = 300

// minLegible is the smallest caption size in pixels on any picture.
const minLegible = 12

// Which caption a box holds.
const (
	textTop = iota
	textBottom
	textBoth // top and bottom joined
)

// box is a caption box as fractions of the picture (for a bar layout, of
// the bar's width; the bar grows to the text's height).
type box struct {
	text           int
	x0, y0, x1, y1 float64
	valign         int // -1 top, 0 middle, +1 bottom of the box
}

// layout is a meme's geometry and style as data, as in memegen's templates.
type layout struct {
	name       string
	boxes      []box
	bar        bool    // boxes sit in a band added above the picture
	maxLines   int     // per box
	maxSizeDiv float64 // largest size = picture height (bar: width) / maxSizeDiv
	minSizeDiv float64 // smallest legible size = short side (bar: width) / minSizeDiv
	strokeEm   float64 // outline radius in ems; 0 for none
	upper      bool    // upper-case where the script has case
	sameSize   bool    // set all boxes at the smallest fitted size
	fill, back color.RGBA
	fallback   string // layout to use when the text cannot be set legibly; "" shortens it instead
}

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
)

var layouts = map[string]*layout{
	meme.LayoutClassic: {
		name: meme.LayoutClassic,
		boxes: []box{
			{text: textTop, x0: 0.04, y0: 0.03, x1: 0.96, y1: 0.29, valign: -1},
			{text: textBottom, x0: 0.04, y0: 0.71, x1: 0.96, y1: 0.97, valign: +1},
		},
		maxLines: 4, maxSizeDiv: 9, minSizeDiv: 26, strokeEm: 0.075, upper: true, sameSize: true,
		fill: white, back: black, fallback: meme.LayoutBar,
	},
	meme.LayoutBar: {
		name:  meme.LayoutBar,
		boxes: []box{{text: textBoth, x0: 0.05, x1: 0.95, valign: 0}},
		bar:   true, maxLines: 8, maxSizeDiv: 12, minSizeDiv: 34,
		fill: black, back: white,
	},
	meme.LayoutCard: {
		name:     meme.LayoutCard,
		boxes:    []box{{text: textBoth, x0: 0.07, y0: 0.08, x1: 0.93, y1: 0.92, valign: 0}},
		maxLines: 8, maxSizeDiv: 7, minSizeDiv: 30, strokeEm: 0.075, upper: true,
		fill: white, back: black,
	},
}

// barPad is the bar's padding above and below the text, as a fraction of
// the picture's width.
const barPad = 0.035

// Caption is what to write and how.
type Caption struct {
	Layout string // meme.LayoutClassic (default), LayoutBar or LayoutCard
	Top    string
	Bottom string
}

// Info describes what was drawn, for logs and property tests.
type Info struct {
	Layout string            // the layout actually used (classic may fall back to bar)
	Sizes  []float64         // font size of each caption block, in pixels
	Lines  [][]string        // the lines of each caption block
	Glyphs []image.Rectangle // pixel box of every glyph drawn, in output coordinates
}

var errTooLong = errors.New("caption does not fit at a legible size")

// Meme draws c onto a copy of pic (long side capped at MaxSide) and
// returns the new picture; pic is not modified. The picture may come from
// a pool: pass it to Release when done with it.
func Meme(pic image.Image, c Caption) (*image.RGBA, Info, error) {
	ch, err := getChain()
	if err != nil {
		return nil, Info{}, err
	}
	defer putChain(ch)
	out, info, err := ch.meme(ch.prepare(pic, MaxSide, 0, false), c)
	ch.release(out)
	return out, info, err
}

// Layer is one caption drawn on its own: premultiplied RGBA, transparent
// around the text, to be placed at At over the base picture.
type Layer struct {
	Img *image.RGBA
	At  image.Point
}

// Layers lays out c on a copy of pic like Meme, but returns the picture
// without its captions (with the bar, for the bar layout) and each caption
// block as a separate layer, in reading order, so that video can bring them
// in one by one. Compositing the layers over the base gives Meme's picture.
// maxSide caps the long side and maxPixels the area (0: no cap), keeping
// both sides even, as H.264 4:2:0 needs.
func Layers(pic image.Image, c Caption, maxSide, maxPixels int) (*image.RGBA, []Layer, Info, error) {
	ch, err := getChain()
	if err != nil {
		return nil, nil, Info{}, err
	}
	defer putChain(ch)
	sized := ch.prepare(pic, maxSide, maxPixels, true)
	var layers []Layer
	ch.layers = &layers
	defer func() { ch.layers = nil }()
	base, info, err := ch.meme(sized, c)
	if err != nil {
		ch.release(nil)
		return nil, nil, Info{}, err
	}
	if base.Rect.Dx()%2 != 0 || base.Rect.Dy()%2 != 0 { // the bar can add an odd height
		base = base.SubImage(image.Rect(0, 0, base.Rect.Dx()&^1, base.Rect.Dy()&^1)).(*image.RGBA)
	}
	ch.canvases = ch.canvases[:0] // base and layers belong to the caller now
	return base, layers, info, nil
}

// MemeJPEG is Meme followed by EncodeJPEG, with the picture returned to
// the pool.
func MemeJPEG(pic image.Image, c Caption) ([]byte, Info, error) {
	out, info, err := Meme(pic, c)
	if err != nil {
		return nil, info, err
	}
	defer Release(out)
	data, err := EncodeJPEG(out)
	return data, info, err
}

// pixels pools picture buffers: a 1024² meme needs 4 MB, and fresh memory
// costs page faults and GC work on every request.
var pixels sync.Pool // *[]uint8

// Release returns a picture made by Meme to the pool. It must not be used
// afterwards.
func Release(img *image.RGBA) {
	if img == nil || img.Rect.Min != (image.Point{}) || img.Stride != 4*img.Rect.Dx() || len(img.Pix) != img.Stride*img.Rect.Dy() {
		return // not one of ours
	}
	p := img.Pix[:0]
	pixels.Put(&p)
}

// canvas returns a w×h picture with undefined contents: every caller
// overwrites every pixel.
func (c *chain) canvas(w, h int) *image.RGBA {
	n := 4 * w * h
	var pix []uint8
	if p, ok := pixels.Get().(*[]uint8); ok && cap(*p) >= n {
		pix = (*p)[:n]
	} else {
		pix = make([]uint8, n)
	}
	img := &image.RGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	c.canvases = append(c.canvases, img)
	return img
}

// release returns the render's intermediate pictures, all but keep, to
// the pool.
func (c *chain) release(keep *image.RGBA) {
	for _, img := range c.canvases {
		if img != keep {
			Release(img)
		}
	}
	c.canvases = c.canvases[:0]
}

// meme sets cap on canvas, a picture already sized by prepare.
func (c *chain) meme(canvas *image.RGBA, cap Caption) (*image.RGBA, Info, error) {
	l, ok := layouts[cap.Layout]
	if !ok {
		l = layouts[meme.LayoutClassic]
	}
	texts := [3]string{textTop: meme.Truncate(strings.TrimSpace(cap.Top), MaxCaptionRunes), textBottom: meme.Truncate(strings.TrimSpace(cap.Bottom), MaxCaptionRunes)}
	texts[textBoth] = strings.TrimSpace(texts[textTop] + " " + texts[textBottom])
	for {
		out, info, err := c.apply(l, canvas, texts)
		if errors.Is(err, errTooLong) && l.fallback != "" {
			// Text that cannot be set legibly inside the picture goes above it.
			l = layouts[l.fallback]
			continue
		}
		return out, info, err
	}
}

// sizes returns the smallest legible and the largest font size for l on a
// w×h picture.
func (l *layout) sizes(w, h float64) (minSize, maxSize float64) {
	if l.bar {
		minSize = math.Max(minLegible, w/l.minSizeDiv)
		return minSize, math.Max(minSize, w/l.maxSizeDiv)
	}
	minSize = math.Max(minLegible, math.Min(w, h)/l.minSizeDiv)
	return minSize, math.Max(minSize, h/l.maxSizeDiv)
}

// apply sets texts in l's boxes on canvas. A layout without a fallback
// shortens text that does not fit rather than failing.
func (c *chain) apply(l *layout, canvas *image.RGBA, texts [3]string) (*image.RGBA, Info, error) {
	W, H := float64(canvas.Rect.Dx()), float64(canvas.Rect.Dy())
	minSize, maxSize := l.sizes(W, H)
	blocks := make([]block, len(l.boxes))
	rects := make([]image.Rectangle, len(l.boxes))
	for i, bx := range l.boxes {
		text := texts[bx.text]
		if l.upper {
			text = upper(text)
		}
		boxW, boxH := W*(bx.x1-bx.x0), H*(bx.y1-bx.y0)
		if l.bar {
			boxH = math.Inf(1) // the bar grows to fit
		}
		b, ok := c.fit(text, boxW, boxH, l.maxLines, minSize, maxSize)
		for !ok && l.fallback == "" && len(text) > 1 {
			text = meme.Truncate(text, len([]rune(text))*4/5)
			b, ok = c.fit(text, boxW, boxH, l.maxLines, minSize, maxSize)
		}
		if !ok {
			return nil, Info{}, errTooLong
		}
		blocks[i] = b
		rects[i] = image.Rect(int(W*bx.x0), int(H*bx.y0), int(W*bx.x1), int(H*bx.y1))
	}
	if l.sameSize { // captions at one size read as one meme
		s := math.Inf(1)
		for _, b := range blocks {
			if len(b.lines) > 0 {
				s = math.Min(s, b.size)
			}
		}
		for i := range blocks {
			blocks[i].size = math.Min(blocks[i].size, s)
		}
	}
	out := canvas
	if l.bar {
		var err error
		if out, rects, err = c.addBar(l, canvas, blocks); err != nil {
			return nil, Info{}, err
		}
		if out.Rect.Dx() != canvas.Rect.Dx() { // shrunk to keep the cap: lay out again
			return c.apply(l, out, texts)
		}
	}
	info := Info{Layout: l.name}
	for i, bx := range l.boxes {
		if err := c.drawCaption(out, blocks[i], rects[i], bx.valign, l, &info); err != nil {
			return nil, Info{}, err
		}
	}
	return out, info, nil
}

// addBar makes the picture with the bar above it and returns the caption
// rectangles in it. When the bar would push the height past MaxSide it
// instead returns the picture shrunk so that it will fit, for apply to lay
// out again (everything in the bar scales with the width).
func (c *chain) addBar(l *layout, canvas *image.RGBA, blocks []block) (*image.RGBA, []image.Rectangle, error) {
	if err := c.setSize(refSize); err != nil {
		return nil, nil, err
	}
	asc, desc := c.metrics()
	W, H := canvas.Rect.Dx(), canvas.Rect.Dy()
	pad := float64(W) * barPad
	heights := make([]int, len(blocks))
	barH := 0
	for i, b := range blocks {
		if len(b.lines) > 0 {
			heights[i] = int(math.Ceil(blockHeight(len(b.lines), b.size, asc, desc) + 2*pad))
			barH += heights[i]
		}
	}
	if total := H + barH; total > MaxSide && W > 64 {
		f := float64(MaxSide) / float64(total) * 0.98
		small := c.canvas(max(1, int(float64(W)*f)), max(1, int(float64(H)*f)))
		xdraw.ApproxBiLinear.Scale(small, small.Rect, canvas, canvas.Rect, xdraw.Src, nil)
		return small, nil, nil
	}
	out := c.canvas(W, barH+H)
	draw.Draw(out, image.Rect(0, 0, W, barH), image.NewUniform(l.back), image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(0, barH, W, barH+H), canvas, canvas.Rect.Min, draw.Src)
	rects := make([]image.Rectangle, len(blocks))
	y := 0
	for i, bx := range l.boxes {
		rects[i] = image.Rect(int(float64(W)*bx.x0), y+int(pad), int(float64(W)*bx.x1), y+heights[i]-int(pad))
		y += heights[i]
	}
	return out, rects, nil
}

// captionHook, when set (by tests), sees every caption's coverage mask,
// outline distances and colours just before they are painted.
var captionHook func(area image.Rectangle, mask *image.Alpha, dist []uint8, radius float64, fill, back color.RGBA)

// drawCaption rasterises b into a mask covering the text plus the outline
// margin (not the whole box: the outline pass costs per mask pixel), then
// paints it onto dst.
func (c *chain) drawCaption(dst *image.RGBA, b block, rect image.Rectangle, valign int, l *layout, info *Info) error {
	if len(b.lines) == 0 {
		return nil
	}
	p, err := c.place(b, rect, valign)
	if err != nil {
		return err
	}
	radius := 0.0
	if l.strokeEm > 0 {
		radius = math.Max(1.5, b.size*l.strokeEm)
	}
	// Glyphs may overhang their advance box a little (accents, side bearings).
	margin := int(math.Ceil(radius+b.size*0.15)) + 2
	area := p.bounds.Inset(-margin).Intersect(dst.Rect)
	n := area.Dx() * area.Dy()
	if cap(c.mask) < n {
		c.mask = make([]uint8, n)
	}
	c.mask = c.mask[:n]
	clear(c.mask)
	mask := &image.Alpha{Pix: c.mask, Stride: area.Dx(), Rect: area}
	boxes := c.raster(mask, p)
	// The outline and paint work in mask-local coordinates.
	local := &image.Alpha{Pix: mask.Pix, Stride: mask.Stride, Rect: image.Rect(0, 0, area.Dx(), area.Dy())}
	var dist []uint8
	if radius > 0 {
		c.dist = distances(local, outlineLimit(radius), c.dist)
		dist = c.dist
	}
	if captionHook != nil {
		captionHook(area, local, dist, radius, l.fill, l.back)
	}
	if c.layers != nil {
		layer := image.NewRGBA(image.Rect(0, 0, area.Dx(), area.Dy()))
		paintLayer(layer, local, dist, radius, l.fill, l.back)
		*c.layers = append(*c.layers, Layer{Img: layer, At: area.Min})
	} else {
		paint(dst, area.Min, local, dist, radius, l.fill, l.back)
	}
	info.Sizes = append(info.Sizes, b.size)
	info.Lines = append(info.Lines, b.lines)
	info.Glyphs = append(info.Glyphs, boxes...)
	return nil
}

// prepare returns an RGBA copy of pic whose long side is at most maxSide
// and, when maxPixels > 0, whose area is at most maxPixels; even makes both
// sides even, as H.264 4:2:0 needs.
func (c *chain) prepare(pic image.Image, maxSide, maxPixels int, even bool) *image.RGBA {
	b := pic.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > maxSide {
		w = max(1, w*maxSide/long)
		h = max(1, h*maxSide/long)
	}
	if maxPixels > 0 && w*h > maxPixels {
		f := math.Sqrt(float64(maxPixels) / float64(w*h))
		w, h = max(1, int(float64(w)*f)), max(1, int(float64(h)*f))
	}
	if even {
		w, h = max(2, w&^1), max(2, h&^1)
	}
	out := c.canvas(w, h)
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(out, out.Rect, pic, b.Min, draw.Src) // fast paths for RGBA and YCbCr
		return out
	}
	xdraw.ApproxBiLinear.Scale(out, out.Rect, pic, b, xdraw.Src, nil)
	return out
}
