package render

import (
	"image"
	"image/draw"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/meme"
)

// The layers over the base make the same picture as Meme, for every layout.
func TestLayersComposeToMeme(t *testing.T) {
	pic := mediatest.Scene(640, 480)
	for _, c := range []Caption{
		{Top: "When the layers", Bottom: "add up to the meme"},
		{Layout: meme.LayoutBar, Top: "a bar meme", Bottom: "in layers"},
		{Layout: meme.LayoutCard, Top: "card", Bottom: "layers"},
		{Top: LongText, Bottom: LongText}, // classic that falls back to bar
	} {
		want, info, err := Meme(pic, c)
		if err != nil {
			t.Fatal(err)
		}
		base, layers, linfo, err := Layers(pic, c, 1280, 0)
		if err != nil {
			t.Fatal(err)
		}
		if linfo.Layout != info.Layout || len(layers) != len(info.Sizes) {
			t.Fatalf("%s: layout %s with %d layers, Meme drew %s with %d blocks", c.Layout, linfo.Layout, len(layers), info.Layout, len(info.Sizes))
		}
		got := image.NewRGBA(base.Rect)
		draw.Draw(got, got.Rect, base, base.Rect.Min, draw.Src)
		for _, l := range layers {
			draw.Draw(got, l.Img.Rect.Add(l.At), l.Img, image.Point{}, draw.Over)
		}
		if want.Rect.Dy()&^1 != got.Rect.Dy() { // Layers keeps sides even
			t.Fatalf("%s: size %v, Meme %v", c.Layout, got.Rect, want.Rect)
		}
		crop := want.SubImage(got.Rect).(*image.RGBA)
		if d := mediatest.CompareImages(crop, got); d != "" {
			t.Errorf("%s/%s: %s", c.Layout, info.Layout, d)
		}
	}
}

// Layers caps the long side and the area, keeping sides even.
func TestLayersSize(t *testing.T) {
	base, _, _, err := Layers(mediatest.Scene(1501, 1001), Caption{Bottom: "x"}, 1280, 1280*720)
	if err != nil {
		t.Fatal(err)
	}
	w, h := base.Rect.Dx(), base.Rect.Dy()
	if w%2 != 0 || h%2 != 0 || max(w, h) > 1280 || w*h > 1280*720 {
		t.Errorf("base %dx%d", w, h)
	}
}
