package render

import (
	"image"
	"testing"

	xdraw "golang.org/x/image/draw"
	"punchline/pkg/media/mediatest"
)

// The resizer gives what x/image/draw's BiLinear kernel gives (it differs
// in float32 against float64 and in rounding: at most one level), shrinking
// as emoji are and growing, on a photo and on hard edges.
func TestResizeMatchesBiLinear(t *testing.T) {
	edges := image.NewRGBA(image.Rect(0, 0, 136, 128))
	for i := range edges.Pix {
		if (i/4)%7 < 3 {
			edges.Pix[i] = 255
		}
	}
	var z resizer
	for _, src := range []*image.RGBA{mediatest.Photo(136, 128), edges} {
		for _, size := range []image.Point{{70, 66}, {17, 16}, {1, 1}, {136, 128}, {200, 150}, {40, 128}} {
			got := image.NewRGBA(image.Rectangle{Max: size})
			want := image.NewRGBA(image.Rectangle{Max: size})
			z.scale(got, src)
			xdraw.BiLinear.Scale(want, want.Rect, src, src.Rect, xdraw.Src, nil)
			worst := 0
			for i := range got.Pix {
				d := int(got.Pix[i]) - int(want.Pix[i])
				worst = max(worst, d, -d)
			}
			if worst > 1 {
				t.Errorf("%v from %v: differs by up to %d levels", size, src.Rect.Size(), worst)
			}
		}
	}
}
