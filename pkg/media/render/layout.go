package render

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

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

// Style is how a caption box looks.
type Style string

// The styles. A box's style gives its colours, outline, case, line cap and
// size range; a box may override colour, case and line cap.
const (
	StyleOutline Style = "outline" // white, black outline, upper-case: the classic
	StyleBar     Style = "bar"     // black on a white band; at the top or bottom edge the band extends the canvas
	StyleLabel   Style = "label"   // smaller outlined text placed on an object
	StylePlain   Style = "plain"   // dark text on light ground: charts, tweets, chats
	StyleCard    Style = "card"    // large outlined text centred on a background (the offline card)
)

// style is a Style's look and size range. Sizes are picture height (band:
// width) / maxSizeDiv at most and short side (band: width) / minSizeDiv at
// least, as in memegen's templates.
type style struct {
	maxLines   int
	maxSizeDiv float64
	minSizeDiv float64
	strokeEm   float64 // outline radius in ems; 0 for none
	upper      bool    // upper-case where the script has case
	fill, back color.RGBA
}

var (
	white   = color.RGBA{255, 255, 255, 255}
	black   = color.RGBA{0, 0, 0, 255}
	darkInk = color.RGBA{20, 20, 20, 255}
)

var styles = map[Style]style{
	StyleOutline: {maxLines: 4, maxSizeDiv: 9, minSizeDiv: 26, strokeEm: 0.075, upper: true, fill: white, back: black},
	StyleBar:     {maxLines: 8, maxSizeDiv: 12, minSizeDiv: 34, fill: black, back: white},
	StyleLabel:   {maxLines: 3, maxSizeDiv: 14, minSizeDiv: 34, strokeEm: 0.11, fill: white, back: black},
	StylePlain:   {maxLines: 8, maxSizeDiv: 12, minSizeDiv: 38, fill: darkInk, back: white},
	StyleCard:    {maxLines: 8, maxSizeDiv: 7, minSizeDiv: 30, strokeEm: 0.075, upper: true, fill: white, back: black},
}

// Box is a caption slot: a rectangle as fractions of the picture, a style,
// and options. A bar box touching the top (bottom) edge is set in a white
// band added above (below) the picture, which grows to fit the text.
type Box struct {
	X, Y, W, H float64
	Style      Style
	Align      int        // -1 left, 0 centre, +1 right
	VAlign     int        // -1 top, 0 middle, +1 bottom
	Upper      int        // 0 the style's case, +1 upper-case, -1 as written
	Color      color.RGBA // text colour; zero for the style's
	MaxChars   int        // captions are cut to this many runes; 0 for MaxCaptionRunes
	MaxLines   int        // 0 for the style's
}

// Spec is what to draw on a picture: boxes and their texts, in reading
// order (Texts[i] goes in Boxes[i]; an empty text leaves its box empty).
type Spec struct {
	Boxes []Box
	Texts []string
}

// band is where a box sits: inside the picture, or in a band above or below.
func (b Box) band() int {
	if b.Style != StyleBar {
		return 0
	}
	switch {
	case b.Y <= 0:
		return -1
	case b.Y+b.H >= 1:
		return +1
	}
	return 0
}

// resolved is a box with its style's defaults applied.
type resolved struct {
	Box
	st    style
	upper bool
	lines int
}

func (b Box) resolve() resolved {
	st, ok := styles[b.Style]
	if !ok {
		b.Style, st = StyleOutline, styles[StyleOutline]
	}
	r := resolved{Box: b, st: st, upper: st.upper, lines: st.maxLines}
	if b.Upper != 0 {
		r.upper = b.Upper > 0
	}
	if b.MaxLines > 0 {
		r.lines = b.MaxLines
	}
	if b.Color.A != 0 {
		r.st.fill = b.Color
		if r.st.strokeEm > 0 && luma(b.Color) < 128 {
			r.st.back = white // a dark text needs a light outline
		}
	}
	return r
}

func luma(c color.RGBA) float64 { return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B) }

// legacy layouts: the three caption layouts of scene memes, as specs.
const (
	legacyTop = iota
	legacyBottom
	legacyBoth // top and bottom joined
)

type layout struct {
	name     string
	boxes    []Box
	text     []int  // which caption each box holds
	fallback string // layout to use when the text cannot be set legibly; "" shortens it instead
}

var layouts = map[string]*layout{
	meme.LayoutClassic: {
		name: meme.LayoutClassic,
		boxes: []Box{
			{X: 0.04, Y: 0.03, W: 0.92, H: 0.26, Style: StyleOutline, VAlign: -1},
			{X: 0.04, Y: 0.71, W: 0.92, H: 0.26, Style: StyleOutline, VAlign: +1},
		},
		text:     []int{legacyTop, legacyBottom},
		fallback: meme.LayoutBar,
	},
	meme.LayoutBar: {
		name:  meme.LayoutBar,
		boxes: []Box{{X: 0.015, Y: 0, W: 0.97, H: 0, Style: StyleBar}},
		text:  []int{legacyBoth},
	},
	meme.LayoutCard: {
		name:  meme.LayoutCard,
		boxes: []Box{{X: 0.07, Y: 0.08, W: 0.86, H: 0.84, Style: StyleCard}},
		text:  []int{legacyBoth},
	},
}

// spec is the layout's boxes with c's captions in them.
func (l *layout) spec(c Caption) Spec {
	top, bottom := strings.TrimSpace(c.Top), strings.TrimSpace(c.Bottom)
	texts := [3]string{legacyTop: top, legacyBottom: bottom, legacyBoth: strings.TrimSpace(meme.Truncate(top, MaxCaptionRunes) + " " + meme.Truncate(bottom, MaxCaptionRunes))}
	s := Spec{Boxes: l.boxes}
	for _, t := range l.text {
		s.Texts = append(s.Texts, texts[t])
	}
	return s
}

// barPad is the band's padding around its text, as a fraction of the
// picture's width.
const barPad = 0.035

// Caption is what to write on a scene picture and how.
type Caption struct {
	Layout string // meme.LayoutClassic (default), LayoutBar or LayoutCard
	Top    string
	Bottom string
}

// Info describes what was drawn, for logs and property tests.
type Info struct {
	Layout string            // the layout actually used (classic may fall back to bar); "" for a Spec
	Sizes  []float64         // font size of each caption block drawn, in pixels
	Lines  [][]string        // the lines of each caption block
	Styles []Style           // the style of each caption block
	Boxes  []int             // the box of each caption block
	Rects  []image.Rectangle // the rectangle each caption block was set in
	Areas  []image.Rectangle // the pixels each caption block's glyphs cover
	Glyphs []image.Rectangle // pixel box of every glyph drawn, colour emoji included, in output coordinates
	Emoji  []image.Rectangle // pixel box of every colour emoji drawn
}

var errTooLong = errors.New("caption does not fit at a legible size")

// Meme draws c onto a copy of pic (long side capped at MaxSide) and
// returns the new picture; pic is not modified. The picture may come from
// a pool: pass it to Release when done with it.
func Meme(pic image.Image, c Caption) (*image.RGBA, Info, error) {
	return render(pic, func(ch *chain, canvas *image.RGBA) (*image.RGBA, Info, error) { return ch.meme(canvas, c) })
}

// Draw sets s on a copy of pic (long side capped at MaxSide), as Meme does
// for a Caption: each box with its own style, fit and wrap; text that
// cannot be set legibly in its box is shortened.
func Draw(pic image.Image, s Spec) (*image.RGBA, Info, error) {
	return render(pic, func(ch *chain, canvas *image.RGBA) (*image.RGBA, Info, error) { return ch.apply(canvas, s, true) })
}

func render(pic image.Image, set func(*chain, *image.RGBA) (*image.RGBA, Info, error)) (*image.RGBA, Info, error) {
	ch, err := getChain()
	if err != nil {
		return nil, Info{}, err
	}
	defer putChain(ch)
	out, info, err := set(ch, ch.prepare(pic, MaxSide, 0, false))
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
// without its captions (with the band, for the bar layout) and each caption
// block as a separate layer, in reading order, so that video can bring them
// in one by one. Compositing the layers over the base gives Meme's picture.
// maxSide caps the long side and maxPixels the area (0: no cap), keeping
// both sides even, as H.264 4:2:0 needs.
func Layers(pic image.Image, c Caption, maxSide, maxPixels int) (*image.RGBA, []Layer, Info, error) {
	return layers(pic, maxSide, maxPixels, func(ch *chain, canvas *image.RGBA) (*image.RGBA, Info, error) { return ch.meme(canvas, c) })
}

// SpecLayers is Layers for a Spec.
func SpecLayers(pic image.Image, s Spec, maxSide, maxPixels int) (*image.RGBA, []Layer, Info, error) {
	return layers(pic, maxSide, maxPixels, func(ch *chain, canvas *image.RGBA) (*image.RGBA, Info, error) { return ch.apply(canvas, s, true) })
}

func layers(pic image.Image, maxSide, maxPixels int, set func(*chain, *image.RGBA) (*image.RGBA, Info, error)) (*image.RGBA, []Layer, Info, error) {
	ch, err := getChain()
	if err != nil {
		return nil, nil, Info{}, err
	}
	defer putChain(ch)
	sized := ch.prepare(pic, maxSide, maxPixels, true)
	var ls []Layer
	ch.layers = &ls
	defer func() { ch.layers = nil }()
	base, info, err := set(ch, sized)
	if err != nil {
		ch.release(nil)
		return nil, nil, Info{}, err
	}
	if base.Rect.Dx()%2 != 0 || base.Rect.Dy()%2 != 0 { // a band can add an odd height
		base = base.SubImage(image.Rect(0, 0, base.Rect.Dx()&^1, base.Rect.Dy()&^1)).(*image.RGBA)
	}
	ch.canvases = ch.canvases[:0] // base and layers belong to the caller now
	return base, ls, info, nil
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
	for {
		out, info, err := c.apply(canvas, l.spec(cap), l.fallback == "")
		if errors.Is(err, errTooLong) && l.fallback != "" {
			// Text that cannot be set legibly inside the picture goes above it.
			l = layouts[l.fallback]
			continue
		}
		info.Layout = l.name
		return out, info, err
	}
}

// sizes returns the smallest legible and the largest font size for box b
// on a w×h picture (without bands).
func (b resolved) sizes(w, h float64) (minSize, maxSize float64) {
	if b.Style == StyleBar {
		minSize = math.Max(minLegible, w/b.st.minSizeDiv)
		return minSize, math.Max(minSize, w/b.st.maxSizeDiv)
	}
	minSize = math.Max(minLegible, math.Min(w, h)/b.st.minSizeDiv)
	return minSize, math.Max(minSize, h/b.st.maxSizeDiv)
}

// apply sets s on canvas. With shorten, text that does not fit legibly is
// cut until it does; without, apply fails with errTooLong.
func (c *chain) apply(canvas *image.RGBA, s Spec, shorten bool) (*image.RGBA, Info, error) {
	W, H := float64(canvas.Rect.Dx()), float64(canvas.Rect.Dy())
	boxes := make([]resolved, len(s.Boxes))
	blocks := make([]block, len(s.Boxes))
	rects := make([]image.Rectangle, len(s.Boxes))
	for i, bx := range s.Boxes {
		r := bx.resolve()
		boxes[i] = r
		text := ""
		if i < len(s.Texts) {
			limit := MaxCaptionRunes
			if r.MaxChars > 0 {
				limit = min(limit, r.MaxChars)
			}
			text = meme.Truncate(strings.TrimSpace(s.Texts[i]), limit)
		}
		if r.upper {
			text = upper(text)
		}
		minSize, maxSize := r.sizes(W, H)
		boxW, boxH := W*r.W, H*r.H
		if r.band() != 0 {
			boxW, boxH = W*(r.W-2*barPad), math.Inf(1) // the band grows to fit
		}
		b, ok := c.fit(text, boxW, boxH, r.lines, minSize, maxSize)
		for n := utf8.RuneCountInString(text); !ok && shorten && n > 1; n = utf8.RuneCountInString(text) {
			// Each cut keeps at most 4/5 of the runes, so this ends; a box
			// too small for one letter ends in errTooLong, never a panic.
			text = meme.Truncate(text, min(n-1, n*4/5))
			b, ok = c.fit(text, boxW, boxH, r.lines, minSize, maxSize)
		}
		if !ok {
			return nil, Info{}, errTooLong
		}
		blocks[i] = b
		rects[i] = image.Rect(int(W*r.X), int(H*r.Y), int(W*(r.X+r.W)), int(H*(r.Y+r.H)))
	}
	// Captions in boxes of one style and shape (top and bottom, two
	// buttons, the rows of a chart) are set at one size: they read as one
	// meme.
	type kind struct {
		style Style
		w, h  float64
	}
	smallest := map[kind]float64{}
	for i, b := range blocks {
		k := kind{boxes[i].Style, boxes[i].W, boxes[i].H}
		if len(b.lines) > 0 {
			if s, ok := smallest[k]; !ok || b.size < s {
				smallest[k] = b.size
			}
		}
	}
	for i := range blocks {
		if s, ok := smallest[kind{boxes[i].Style, boxes[i].W, boxes[i].H}]; ok {
			blocks[i].size = math.Min(blocks[i].size, s)
		}
	}
	out := canvas
	for _, b := range boxes {
		if b.band() != 0 {
			var err error
			if out, rects, err = c.addBands(canvas, boxes, blocks, rects); err != nil {
				return nil, Info{}, err
			}
			if out.Rect.Dx() != canvas.Rect.Dx() { // shrunk to keep the cap: lay out again
				return c.apply(out, s, shorten)
			}
			break
		}
	}
	info := Info{}
	for i, b := range boxes {
		if len(blocks[i].lines) == 0 {
			continue
		}
		if b.Style == StyleBar && b.band() == 0 {
			draw.Draw(out, rects[i], image.NewUniform(b.st.back), image.Point{}, draw.Src)
		}
		if b.Style == StylePlain && meanLuma(out, rects[i]) < 110 {
			b.st.fill = white // plain text on a dark picture: light text reads
		}
		if err := c.drawCaption(out, blocks[i], rects[i], b, &info); err != nil {
			return nil, Info{}, err
		}
		info.Boxes = append(info.Boxes, i)
	}
	return out, info, nil
}

// meanLuma is the average luma of r in img, sampled on a sparse grid.
func meanLuma(img *image.RGBA, r image.Rectangle) float64 {
	r = r.Intersect(img.Rect)
	if r.Empty() {
		return 255
	}
	step := max(1, min(r.Dx(), r.Dy())/16)
	sum, n := 0.0, 0
	for y := r.Min.Y; y < r.Max.Y; y += step {
		for x := r.Min.X; x < r.Max.X; x += step {
			p := img.Pix[img.PixOffset(x, y):]
			sum += luma(color.RGBA{p[0], p[1], p[2], 255})
			n++
		}
	}
	return sum / float64(n)
}

// addBands makes the picture with the bands its band boxes need: those at
// the top stacked above it, those at the bottom below, each as tall as its
// text plus padding. It returns the caption rectangles in the new picture.
// When the bands would push the height past MaxSide it instead returns the
// picture shrunk so that it will fit, for apply to lay out again
// (everything in a band scales with the width).
func (c *chain) addBands(canvas *image.RGBA, boxes []resolved, blocks []block, rects []image.Rectangle) (*image.RGBA, []image.Rectangle, error) {
	W, H := canvas.Rect.Dx(), canvas.Rect.Dy()
	pad := float64(W) * barPad
	heights := make([]int, len(blocks))
	above, below := 0, 0
	for i, b := range blocks {
		if boxes[i].band() != 0 && len(b.lines) > 0 {
			heights[i] = int(math.Ceil(b.height() + 2*pad))
			if boxes[i].band() < 0 {
				above += heights[i]
			} else {
				below += heights[i]
			}
		}
	}
	if total := H + above + below; total > MaxSide && W > 64 {
		f := float64(MaxSide) / float64(total) * 0.98
		small := c.canvas(max(1, int(float64(W)*f)), max(1, int(float64(H)*f)))
		xdraw.ApproxBiLinear.Scale(small, small.Rect, canvas, canvas.Rect, xdraw.Src, nil)
		return small, nil, nil
	}
	if above == 0 && below == 0 {
		return canvas, rects, nil
	}
	out := c.canvas(W, above+H+below)
	draw.Draw(out, image.Rect(0, above, W, above+H), canvas, canvas.Rect.Min, draw.Src)
	moved := make([]image.Rectangle, len(rects))
	top, bottom := 0, above+H
	for i, r := range rects {
		b := boxes[i]
		x0, x1 := int(float64(W)*b.X+pad), int(float64(W)*(b.X+b.W)-pad)
		switch {
		case b.band() < 0:
			draw.Draw(out, image.Rect(0, top, W, top+heights[i]), image.NewUniform(b.st.back), image.Point{}, draw.Src)
			moved[i] = image.Rect(x0, top+int(pad), x1, top+heights[i]-int(pad))
			top += heights[i]
		case b.band() > 0:
			draw.Draw(out, image.Rect(0, bottom, W, bottom+heights[i]), image.NewUniform(b.st.back), image.Point{}, draw.Src)
			moved[i] = image.Rect(x0, bottom+int(pad), x1, bottom+heights[i]-int(pad))
			bottom += heights[i]
		default:
			moved[i] = r.Add(image.Pt(0, above))
		}
	}
	return out, moved, nil
}

// captionHook, when set (by tests), sees every caption's coverage mask,
// outline distances and colours just before they are painted.
var captionHook func(area image.Rectangle, mask *image.Alpha, dist []uint8, radius float64, fill, back color.RGBA)

// drawCaption rasterises b into a mask covering the text plus the outline
// margin (not the whole box: the outline pass costs per mask pixel), then
// paints it onto dst.
func (c *chain) drawCaption(dst *image.RGBA, b block, rect image.Rectangle, bx resolved, info *Info) error {
	if len(b.lines) == 0 {
		return nil
	}
	p := c.place(b, rect, bx.Align, bx.VAlign)
	st := bx.st
	radius := 0.0
	if st.strokeEm > 0 {
		radius = math.Max(1.5, b.size*st.strokeEm)
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
	boxes := c.raster(mask, p, radius > 0)
	// The outline and paint work in mask-local coordinates.
	local := &image.Alpha{Pix: mask.Pix, Stride: mask.Stride, Rect: image.Rect(0, 0, area.Dx(), area.Dy())}
	var dist []uint8
	if radius > 0 {
		c.dist = distances(local, outlineLimit(radius), c.dist)
		dist = c.dist
	}
	if captionHook != nil {
		captionHook(area, local, dist, radius, st.fill, st.back)
	}
	if c.layers != nil {
		layer := image.NewRGBA(image.Rect(0, 0, area.Dx(), area.Dy()))
		paintLayer(layer, local, dist, radius, st.fill, st.back)
		c.pasteEmoji(layer, area.Min)
		*c.layers = append(*c.layers, Layer{Img: layer, At: area.Min})
	} else {
		paint(dst, area.Min, local, dist, radius, st.fill, st.back)
		c.pasteEmoji(dst, image.Point{})
	}
	for _, e := range c.emojis {
		info.Emoji = append(info.Emoji, e.rect)
	}
	info.Sizes = append(info.Sizes, b.size)
	info.Lines = append(info.Lines, b.lines)
	info.Styles = append(info.Styles, bx.Style)
	info.Rects = append(info.Rects, rect)
	var covered image.Rectangle
	for _, g := range boxes {
		covered = covered.Union(g)
	}
	info.Areas = append(info.Areas, covered)
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

// RenderSize is the size a w×h picture is drawn at (its long side capped
// at MaxSide), which box checks use.
func RenderSize(w, h int) (int, int) {
	if long := max(w, h); long > MaxSide {
		return max(1, w*MaxSide/long), max(1, h*MaxSide/long)
	}
	return w, h
}

// Holds reports whether box b on a w×h picture has room for one letter at
// the smallest legible size (a bar band grows to fit its text, so only its
// width counts); templates are checked with it when they load.
func Holds(b Box, w, h float64) error {
	r := b.resolve()
	minSize, _ := r.sizes(w, h)
	bw, bh := w*r.W, h*r.H
	if r.band() != 0 {
		bw, bh = w*(r.W-2*barPad), math.Inf(1)
	}
	if bw < minSize || bh < minSize {
		return fmt.Errorf("%.0f×%.0f px is too small for one letter at the smallest legible size (%.0f px)", bw, math.Min(bh, h), minSize)
	}
	return nil
}

// SizeRange is the smallest legible and the largest font size box b may
// be set at on a w×h picture (for benchmarks and tools that mirror ours).
func SizeRange(b Box, w, h float64) (minSize, maxSize float64) { return b.resolve().sizes(w, h) }

// Upper reports whether b's text is set in upper case.
func Upper(b Box) bool { return b.resolve().upper }

// Stroked reports whether b's text gets an outline.
func Stroked(b Box) bool { return b.resolve().st.strokeEm > 0 }
