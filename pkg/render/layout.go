package render

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"

	xdraw "golang.org/x/image/draw"

	"punchline/pkg/meme"
)

// MaxSide caps the output's long side: large enough for a phone screen,
// small enough to fetch fast.
const MaxSide = 1280

// Geometry of the layouts, as fractions of the picture (meme geometry is
// data, as in memegen's templates).
type geometry struct {
	marginX    float64 // side margin of caption boxes
	marginY    float64 // distance of classic boxes from the top/bottom edge
	boxH       float64 // height of each classic caption box
	maxLines   int
	maxSizeDiv float64 // largest size = image height / maxSizeDiv
	minSizeDiv float64 // smallest legible size = short side / minSizeDiv
	strokeEm   float64 // outline radius in ems
}

var (
	classicGeo = geometry{marginX: 0.04, marginY: 0.03, boxH: 0.26, maxLines: 4, maxSizeDiv: 9, minSizeDiv: 26, strokeEm: 0.075}
	barGeo     = geometry{marginX: 0.05, marginY: 0.035, maxLines: 8, maxSizeDiv: 12, minSizeDiv: 34}
	cardGeo    = geometry{marginX: 0.07, marginY: 0.08, maxLines: 8, maxSizeDiv: 7, minSizeDiv: 30, strokeEm: 0.075}
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
)

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
	Glyphs []image.Rectangle // pixel box of every glyph drawn, in output coordinates
}

// Meme draws c onto a copy of pic (long side capped at MaxSide) and
// returns the new picture. pic is not modified.
func Meme(pic image.Image, c Caption) (*image.RGBA, Info, error) {
	ch, err := newChain()
	if err != nil {
		return nil, Info{}, err
	}
	canvas := Prepare(pic, MaxSide)
	top, bottom := strings.TrimSpace(c.Top), strings.TrimSpace(c.Bottom)
	switch c.Layout {
	case meme.LayoutCard:
		return card(ch, canvas, joinCaptions(top, bottom))
	case meme.LayoutBar:
		return bar(ch, canvas, joinCaptions(top, bottom))
	}
	out, info, err := classic(ch, canvas, top, bottom)
	if errors.Is(err, errTooLong) {
		// Text that cannot be set legibly inside the picture goes above it.
		return bar(ch, canvas, joinCaptions(top, bottom))
	}
	return out, info, err
}

var errTooLong = errors.New("caption does not fit at a legible size")

func joinCaptions(top, bottom string) string {
	return strings.TrimSpace(top + " " + bottom)
}

func classic(ch *chain, canvas *image.RGBA, top, bottom string) (*image.RGBA, Info, error) {
	g := classicGeo
	W, H := float64(canvas.Rect.Dx()), float64(canvas.Rect.Dy())
	minSize := math.Max(12, math.Min(W, H)/g.minSizeDiv)
	maxSize := math.Max(minSize, H/g.maxSizeDiv)
	boxW, boxH := W*(1-2*g.marginX), H*g.boxH
	var blocks [2]block
	for i, text := range []string{top, bottom} {
		b, ok := ch.fit(upper(text), boxW, boxH, g.maxLines, minSize, maxSize)
		if !ok {
			return nil, Info{}, errTooLong
		}
		blocks[i] = b
	}
	// Both captions at the same size read as one meme.
	if blocks[0].size > 0 && blocks[1].size > 0 {
		s := math.Min(blocks[0].size, blocks[1].size)
		blocks[0].size, blocks[1].size = s, s
	}
	x0 := int(W * g.marginX)
	topBox := image.Rect(x0, int(H*g.marginY), x0+int(boxW), int(H*g.marginY+boxH))
	botBox := image.Rect(x0, int(H*(1-g.marginY)-boxH), x0+int(boxW), int(H*(1-g.marginY)))
	info := Info{Layout: meme.LayoutClassic}
	for i, box := range []image.Rectangle{topBox, botBox} {
		valign := -1
		if i == 1 {
			valign = 1
		}
		if err := drawCaption(ch, canvas, blocks[i], box, valign, g.strokeEm, white, black, &info); err != nil {
			return nil, Info{}, err
		}
	}
	return canvas, info, nil
}

// bar puts the text in a white bar above the picture that grows to fit it.
func bar(ch *chain, canvas *image.RGBA, text string) (*image.RGBA, Info, error) {
	g := barGeo
	W := float64(canvas.Rect.Dx())
	minSize := math.Max(12, W/g.minSizeDiv)
	maxSize := math.Max(minSize, W/g.maxSizeDiv)
	boxW := W * (1 - 2*g.marginX)
	b, ok := ch.fit(text, boxW, math.Inf(1), g.maxLines, minSize, maxSize)
	for !ok && len(text) > 1 { // past 8 lines at the smallest size, shorten
		text = meme.Truncate(text, len([]rune(text))*4/5)
		b, ok = ch.fit(text, boxW, math.Inf(1), g.maxLines, minSize, maxSize)
	}
	if err := ch.setSize(refSize); err != nil {
		return nil, Info{}, err
	}
	asc, desc := ch.metrics()
	pad := W * g.marginY
	barH := 0
	if len(b.lines) > 0 {
		barH = int(math.Ceil(blockHeight(len(b.lines), b.size, asc, desc) + 2*pad))
	}
	// The bar adds height; when that breaks the output cap, shrink the
	// picture (everything in the bar scales with width) and lay out again.
	if total := canvas.Rect.Dy() + barH; total > MaxSide && canvas.Rect.Dx() > 64 {
		f := float64(MaxSide) / float64(total) * 0.98
		small := image.NewRGBA(image.Rect(0, 0, int(W*f), int(float64(canvas.Rect.Dy())*f)))
		xdraw.ApproxBiLinear.Scale(small, small.Rect, canvas, canvas.Rect, xdraw.Src, nil)
		return bar(ch, small, text)
	}
	out := image.NewRGBA(image.Rect(0, 0, canvas.Rect.Dx(), barH+canvas.Rect.Dy()))
	draw.Draw(out, image.Rect(0, 0, out.Rect.Dx(), barH), image.NewUniform(white), image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(0, barH, out.Rect.Dx(), out.Rect.Dy()), canvas, canvas.Rect.Min, draw.Src)
	info := Info{Layout: meme.LayoutBar}
	box := image.Rect(int(W*g.marginX), int(pad), int(W*g.marginX+boxW), barH-int(pad))
	if err := drawCaption(ch, out, b, box, 0, 0, black, white, &info); err != nil {
		return nil, Info{}, err
	}
	return out, info, nil
}

// card sets the text in the middle of the picture, outlined.
func card(ch *chain, canvas *image.RGBA, text string) (*image.RGBA, Info, error) {
	g := cardGeo
	W, H := float64(canvas.Rect.Dx()), float64(canvas.Rect.Dy())
	minSize := math.Max(12, math.Min(W, H)/g.minSizeDiv)
	maxSize := math.Max(minSize, H/g.maxSizeDiv)
	box := image.Rect(int(W*g.marginX), int(H*g.marginY), int(W*(1-g.marginX)), int(H*(1-g.marginY)))
	text = upper(text)
	b, ok := ch.fit(text, float64(box.Dx()), float64(box.Dy()), g.maxLines, minSize, maxSize)
	for !ok && len(text) > 1 {
		text = meme.Truncate(text, len([]rune(text))*4/5)
		b, ok = ch.fit(text, float64(box.Dx()), float64(box.Dy()), g.maxLines, minSize, maxSize)
	}
	info := Info{Layout: meme.LayoutCard}
	if err := drawCaption(ch, canvas, b, box, 0, g.strokeEm, white, black, &info); err != nil {
		return nil, Info{}, err
	}
	return canvas, info, nil
}

// drawCaption rasterises b into a mask covering box plus the outline
// margin, then paints it onto dst.
func drawCaption(ch *chain, dst *image.RGBA, b block, box image.Rectangle, valign int, strokeEm float64, fill, stroke color.RGBA, info *Info) error {
	if len(b.lines) == 0 {
		return nil
	}
	radius := 0.0
	if strokeEm > 0 {
		radius = math.Max(1.5, b.size*strokeEm)
	}
	margin := int(math.Ceil(radius)) + 2
	area := box.Inset(-margin).Intersect(dst.Rect)
	mask := image.NewAlpha(area)
	boxes, err := ch.drawBlock(mask, b, box, valign)
	if err != nil {
		return err
	}
	// paint works in mask-local coordinates.
	local := &image.Alpha{Pix: mask.Pix, Stride: mask.Stride, Rect: image.Rect(0, 0, area.Dx(), area.Dy())}
	paint(dst, area.Min, local, radius, fill, stroke)
	info.Sizes = append(info.Sizes, b.size)
	info.Glyphs = append(info.Glyphs, boxes...)
	return nil
}

// Prepare returns an RGBA copy of pic whose long side is at most maxSide.
func Prepare(pic image.Image, maxSide int) *image.RGBA {
	b := pic.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > maxSide {
		w = max(1, w*maxSide/long)
		h = max(1, h*maxSide/long)
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(out, out.Rect, pic, b.Min, draw.Src) // fast paths for RGBA and YCbCr
		return out
	}
	xdraw.ApproxBiLinear.Scale(out, out.Rect, pic, b, xdraw.Src, nil)
	return out
}
