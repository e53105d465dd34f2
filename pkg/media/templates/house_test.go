package templates

import (
	"flag"
	"fmt"
	"image"
	imgcolor "image/color"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	xdraw "golang.org/x/image/draw"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/media/render"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/golden")

func houseSet(t testing.TB) []*Template {
	t.Helper()
	ts, problems := Load(House(), SourceHouse)
	if len(problems) > 0 {
		t.Fatalf("house set: %v", problems)
	}
	return ts
}

// The house set: at least 24 formats, each described and exemplified in
// English and Russian, each with its licence recorded in LICENSES.md.
func TestHouseSet(t *testing.T) {
	ts := houseSet(t)
	if len(ts) < 24 {
		t.Fatalf("%d house templates, want at least 24", len(ts))
	}
	licenses, err := fs.ReadFile(house, "house/LICENSES.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range ts {
		n := map[string]int{}
		for _, ex := range tp.Examples {
			n[ex.Lang]++
		}
		if n["en"] < 2 || n["ru"] < 2 {
			t.Errorf("%s: %d English and %d Russian examples, want 2 of each", tp.ID, n["en"], n["ru"])
		}
		if tp.About["ru"] == "" {
			t.Errorf("%s: no Russian description", tp.ID)
		}
		if !tp.Active() {
			t.Errorf("%s: the house set ships active templates", tp.ID)
		}
		if !strings.Contains(string(licenses), "`"+tp.ID+"`") {
			t.Errorf("%s: not in LICENSES.md", tp.ID)
		}
		if tp.Kind == KindDrawn {
			for _, sh := range tp.Scene.Shapes {
				if sh.Emoji != "" && !strings.Contains(string(licenses), sh.Emoji) {
					t.Errorf("%s: emoji %s not listed in LICENSES.md", tp.ID, sh.Emoji)
				}
			}
		}
	}
}

// longest is the caption sets the goldens and properties use: each slot
// filled to its limit, and the worked examples.
func captionSets(tp *Template) []struct {
	lang, name string
	caps       []string
} {
	sets := []struct {
		lang, name string
		caps       []string
	}{
		{"en", "long-en", tp.Longest("en", 80)},
		{"ru", "long-ru", tp.Longest("ru", 80)},
	}
	for _, lang := range []string{"ar", "he", "hi", "th", "emoji"} {
		sets = append(sets, struct {
			lang, name string
			caps       []string
		}{lang, "long-" + lang, tp.Longest(lang, 80)})
	}
	for i, ex := range tp.Examples {
		sets = append(sets, struct {
			lang, name string
			caps       []string
		}{ex.Lang, fmt.Sprintf("example-%d", i+1), ex.Captions})
	}
	return sets
}

// Goldens: every house template with the longest English and Russian
// captions it accepts, as a 320-pixel thumbnail (enough to see a caption
// move or change). go test ./pkg/media/templates -run TestGoldenHouse -update,
// then look at testdata/golden.
func TestGoldenHouse(t *testing.T) {
	t.Parallel()
	for _, tp := range houseSet(t) {
		for _, lang := range []string{"en", "ru"} {
			t.Run(tp.ID+"-"+lang, func(t *testing.T) {
				out, _, err := tp.Render(tp.Longest(lang, 80), lang)
				if err != nil {
					t.Fatal(err)
				}
				defer render.Release(out)
				mediatest.Golden(t, filepath.Join("testdata", "golden", tp.ID+"-"+lang+".png"), thumb(out, 320), *update)
			})
		}
	}
}

func thumb(img image.Image, w int) *image.RGBA {
	b := img.Bounds()
	h := b.Dy() * w / b.Dx()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(out, out.Rect, img, b, xdraw.Src, nil)
	return out
}

// Properties over every house template and every caption set: each caption
// is set inside its box, at a legible size, and reads against what is
// around it (the darkest and lightest pixels under it differ by at least
// 4.5:1, WCAG's ratio for text).
func TestHouseProperties(t *testing.T) {
	t.Parallel()
	for _, tp := range houseSet(t) {
		for _, set := range captionSets(tp) {
			name := tp.ID + "/" + set.name
			out, info, err := tp.Render(set.caps, set.lang)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			W, H := out.Bounds().Dx(), out.Bounds().Dy()
			slack := W / 50 // glyphs may overhang their box by a side bearing
			for i, area := range info.Areas {
				rect := info.Rects[i]
				if !area.In(rect.Inset(-slack)) || !area.In(out.Bounds()) {
					t.Errorf("%s: caption %d (%v) outside its box %v", name, i, area, rect)
				}
				minSize := math.Max(12, float64(min(W, H))/40)
				if info.Styles[i] == render.StyleBar {
					minSize = math.Max(12, float64(W)/34)
				}
				if info.Sizes[i] < minSize-0.01 {
					t.Errorf("%s: caption %d at %.1fpx, below %.1f", name, i, info.Sizes[i], minSize)
				}
				if r := spread(out, area); r < 4.5 {
					t.Errorf("%s: caption %d contrast %.2f:1 within %v, want ≥ 4.5:1", name, i, r, area)
				}
			}
			render.Release(out)
		}
	}
}

// spread is the contrast ratio between the 5th and 95th percentile
// luminance of the pixels in r: text and the ground it is set on. The
// pixels are counted into a histogram of 8-bit relative luminance.
func spread(img *image.RGBA, r image.Rectangle) float64 {
	r = r.Intersect(img.Rect)
	var hist [256]int
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):][:4*r.Dx()]
		for x := 0; x < len(row); x += 4 {
			hist[lumTable[row[x]]+lumTable2[row[x+1]]+lumTable3[row[x+2]]]++
			n++
		}
	}
	if n == 0 {
		return 0
	}
	pct := func(p int) float64 {
		want, seen := n*p/100, 0
		for v, c := range hist {
			if seen += c; seen > want {
				return float64(v) / 255
			}
		}
		return 1
	}
	return (pct(95) + 0.05) / (pct(5) + 0.05)
}

// lumTable… are each channel's share of relative luminance in 1/255ths,
// so that their sum indexes the histogram.
var lumTable, lumTable2, lumTable3 = func() (a, b, c [256]uint8) {
	for i := range 256 {
		a[i] = uint8(math.Round(255 * relLum(uint8(i), 0, 0)))
		b[i] = uint8(math.Round(255 * relLum(0, uint8(i), 0)))
		c[i] = uint8(math.Round(255 * relLum(0, 0, uint8(i))))
	}
	return
}()

func relLum(r, g, b uint8) float64 {
	ch := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
}

// The contrast measure itself: grey text on grey ground fails, black on
// white passes.
func TestSpreadCatchesLowContrast(t *testing.T) {
	grey := image.NewRGBA(image.Rect(0, 0, 100, 40))
	for i := range grey.Pix {
		grey.Pix[i] = 128
	}
	out, info, err := render.Draw(grey, render.Spec{Boxes: []render.Box{{X: 0, Y: 0, W: 1, H: 1, Style: render.StylePlain, Color: imgcolor.RGBA{100, 100, 100, 255}}}, Texts: []string{"low contrast"}})
	if err != nil || len(info.Areas) != 1 {
		t.Fatal(err)
	}
	if r := spread(out, info.Areas[0]); r >= 4.5 {
		t.Errorf("grey on grey measured %.2f:1", r)
	}
	white := image.NewRGBA(image.Rect(0, 0, 100, 40))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	out, info, _ = render.Draw(white, render.Spec{Boxes: []render.Box{{X: 0, Y: 0, W: 1, H: 1, Style: render.StylePlain}}, Texts: []string{"high contrast"}})
	if r := spread(out, info.Areas[0]); r < 4.5 {
		t.Errorf("black on white measured %.2f:1", r)
	}
}

// The lint tool's default folder is the house set; the goldens directory
// holds exactly one pair per house template (no stale files).
func TestGoldenFilesMatchHouse(t *testing.T) {
	want := map[string]bool{}
	for _, tp := range houseSet(t) {
		want[tp.ID+"-en.png"], want[tp.ID+"-ru.png"] = true, true
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	if err != nil {
		if *update {
			return
		}
		t.Fatal(err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("stale golden %s", e.Name())
		}
	}
}

// Labels stay legible on busy pictures (noise, a photo, flat white and
// black): their outline gives the text its own ground.
func TestLabelsOnBusyPictures(t *testing.T) {
	boxes := []render.Box{
		{X: 0.05, Y: 0.1, W: 0.4, H: 0.15, Style: render.StyleLabel},
		{X: 0.55, Y: 0.5, W: 0.4, H: 0.2, Style: render.StyleLabel},
		{X: 0.1, Y: 0.78, W: 0.8, H: 0.2, Style: render.StylePlain},
	}
	for name, pic := range map[string]image.Image{
		"noise": mediatest.Noise(800, 600, 3), "photo": mediatest.Photo(800, 600),
		"white": mediatest.Solid(800, 600, imgcolor.RGBA{255, 255, 255, 255}), "black": mediatest.Solid(800, 600, imgcolor.RGBA{0, 0, 0, 255}),
	} {
		out, info, err := render.Draw(pic, render.Spec{Boxes: boxes, Texts: []string{"the boss", "my weekend plans", "plain text on any ground"}})
		if err != nil {
			t.Fatal(err)
		}
		for i, area := range info.Areas {
			if r := spread(out, area); r < 4.5 {
				t.Errorf("%s: caption %d (%s) contrast %.2f:1", name, i, info.Styles[i], r)
			}
		}
	}
}
