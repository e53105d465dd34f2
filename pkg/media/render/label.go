package render

import (
	"image"
	"image/color"
	"math"
	"strings"
)

// Label draws one line of text in c with the left end of its baseline at
// (x, y), with the caption fonts and their fallback chain, and returns its
// width. Charts and other plain text use it; memes use Meme.
func Label(dst *image.RGBA, text string, x, y, size float64, c color.RGBA) (float64, error) {
	ch, err := getChain()
	if err != nil {
		return 0, err
	}
	defer putChain(ch)
	ch.setSize(size)
	text = strings.ReplaceAll(ch.clean(text), "\n", " ") // a label is one line
	ch.rtl = rtlText(text)
	runs, w := ch.shapeLine([]rune(text), size)
	asc, desc := ch.metrics()
	a, d := reachOf(runs)
	asc, desc = max(asc, a), max(desc, d)
	left, right := inkExtent(runs)
	p := placed{block: block{lines: []string{text}, size: size}, x: []float64{x}, y: []float64{y}, runs: [][]shaped{runs}}
	area := image.Rect(int(math.Floor(x+left))-2, int(math.Floor(y-asc))-2, int(math.Ceil(x+right))+2, int(math.Ceil(y+desc))+2).Intersect(dst.Rect)
	if area.Empty() {
		return w, nil
	}
	mask := image.NewAlpha(area)
	ch.raster(mask, p, false)
	local := &image.Alpha{Pix: mask.Pix, Stride: mask.Stride, Rect: image.Rect(0, 0, area.Dx(), area.Dy())}
	paint(dst, area.Min, local, nil, 0, c, c)
	ch.pasteEmoji(dst, image.Point{})
	return w, nil
}
