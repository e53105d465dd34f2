package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"sync"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/meme"
)

// caption is what captionHook saw of one caption.
type caption struct {
	area   image.Rectangle
	mask   []uint8 // area-sized, stride area.Dx()
	dist   []uint8 // nil without an outline
	radius float64
}

// capture renders with the hook installed and returns what it saw.
func capture(t *testing.T, pic image.Image, c Caption) (*image.RGBA, Info, []caption) {
	t.Helper()
	var seen []caption
	captionHook = func(area image.Rectangle, mask *image.Alpha, dist []uint8, radius float64, _, _ color.RGBA) {
		cp := caption{area: area, mask: append([]uint8(nil), mask.Pix[:area.Dx()*area.Dy()]...), radius: radius}
		if dist != nil {
			cp.dist = append([]uint8(nil), dist[:area.Dx()*area.Dy()]...)
		}
		seen = append(seen, cp)
	}
	defer func() { captionHook = nil }()
	out, info, err := Meme(pic, c)
	if err != nil {
		t.Fatalf("%q/%q: %v", c.Top, c.Bottom, err)
	}
	return out, info, seen
}

// luminance is WCAG 2's relative luminance of an sRGB colour.
func luminance(c color.RGBA) float64 {
	return 0.2126*linear[c.R] + 0.7152*linear[c.G] + 0.0722*linear[c.B]
}

// linear is the sRGB transfer function undone, per channel value.
var linear = func() (t [256]float64) {
	for v := range t {
		s := float64(v) / 255
		if s <= 0.04045 {
			t[v] = s / 12.92
		} else {
			t[v] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return t
}()

func contrast(a, b float64) float64 { return (max(a, b) + 0.05) / (min(a, b) + 0.05) }

// worstContrast measures, in the rendered picture, the darkest solid-ink
// pixel against the lightest pixel of the caption's surround: the outline
// within its radius in whole pixels, or for an outline-less caption (the
// bar) every uninked pixel around the text. A missing or too-thin outline
// lets the picture show through and fails.
func worstContrast(out *image.RGBA, cp caption) (ratio float64, inkN, ringN int) {
	w := cp.area.Dx()
	inkMin, ringMax := math.Inf(1), math.Inf(-1)
	for i, m := range cp.mask {
		x, y := cp.area.Min.X+i%w, cp.area.Min.Y+i/w
		l := luminance(out.RGBAAt(x, y))
		switch {
		case m == 255:
			inkMin, inkN = min(inkMin, l), inkN+1
		case m != 0:
			// anti-aliased edge: neither ink nor surround
		case cp.dist == nil:
			ringMax, ringN = max(ringMax, l), ringN+1
		case int(cp.dist[i]) <= straight*int(cp.radius): // whole pixels inside the radius
			ringMax, ringN = max(ringMax, l), ringN+1
		}
	}
	return contrast(inkMin, ringMax), inkN, ringN
}

// Properties over picture sizes 256..2048, aspect ratios from 1:7 to 4:1,
// every layout, both scripts and caption lengths from one word to 300
// characters, on pictures chosen to hide captions (white sky, black, grey,
// yellow, noise):
//   - every glyph lies inside the output, and the output respects MaxSide;
//   - every caption is at least the legible minimum size, and at most 4
//     lines (classic) or 8 (bar, card);
//   - the top and bottom captions do not overlap;
//   - caption against outline or bar has a luminance contrast ≥ 4.5:1;
//   - the outline radius is proportional to the font size.
func TestLayoutProperties(t *testing.T) {
	captions := []Caption{
		{Bottom: "one"},
		{Top: "When the code works", Bottom: "and you don't know why"},
		{Top: "Когда написал тесты", Bottom: "а они зелёные с первого раза"},
		{Bottom: "Суперкалифрагилистикэкспиалидоциусный_без_пробелов_вообще_никаких"},
		{Top: "我写代码的时候从来不写测试因为测试太慢了", Bottom: "そして本番で壊れた"},
		{Top: LongText},
		{Layout: meme.LayoutBar, Top: "modern caption meme", Bottom: "with a bar"},
		{Layout: meme.LayoutBar, Top: LongText, Bottom: LongText},
		{Layout: meme.LayoutCard, Top: "text only", Bottom: "card"},
		{Layout: meme.LayoutCard, Top: LongText + " " + LongText},
	}
	pictures := []struct {
		name string
		img  image.Image
	}{
		{"photo 1024²", mediatest.Photo(1024, 1024)},
		{"photo 256²", mediatest.Photo(256, 256)},
		{"photo 9:16", mediatest.Photo(576, 1024)},
		{"photo 16:9", mediatest.Photo(1024, 576)},
		{"photo 2048x512", mediatest.Photo(2048, 512)},
		{"photo 300x2048", mediatest.Photo(300, 2048)},
		{"white", mediatest.Solid(700, 500, color.RGBA{255, 255, 255, 255})},
		{"black", mediatest.Solid(500, 700, color.RGBA{0, 0, 0, 255})},
		{"grey", mediatest.Solid(600, 600, color.RGBA{128, 128, 128, 255})},
		{"yellow", mediatest.Solid(640, 480, color.RGBA{255, 230, 0, 255})},
		{"noise", mediatest.Noise(512, 512, 5)},
	}
	for _, p := range pictures {
		for _, c := range captions {
			name := fmt.Sprintf("%s/%s/%.16s", p.name, c.Layout, c.Top+"|"+c.Bottom)
			out, info, seen := capture(t, p.img, c)
			b := out.Bounds()
			if max(b.Dx(), b.Dy()) > MaxSide {
				t.Errorf("%s: output %v exceeds MaxSide", name, b)
			}
			for _, g := range info.Glyphs {
				if !g.In(b) {
					t.Errorf("%s: glyph %v outside %v", name, g, b)
					break
				}
			}
			W, H := float64(b.Dx()), float64(b.Dy())
			if info.Layout == meme.LayoutBar {
				H -= float64(b.Dy() - min(b.Dy(), canvasHeight(p.img, b.Dx())))
			}
			for i, s := range info.Sizes {
				st := Box{Style: info.Styles[i]}.resolve()
				minSize, _ := st.sizes(W, H)
				if s < minLegible || s < minSize-0.01 {
					t.Errorf("%s: caption %d at %.2fpx, below the minimum %.2f", name, i, s, minSize)
				}
				if n := len(info.Lines[i]); n > st.lines {
					t.Errorf("%s: caption %d has %d lines", name, i, n)
				}
			}
			if len(seen) == 2 && overlap(info, seen) {
				t.Errorf("%s: top and bottom captions overlap", name)
			}
			for i, cp := range seen {
				ratio, inkN, ringN := worstContrast(out, cp)
				if inkN == 0 || ringN == 0 {
					t.Errorf("%s: caption %d has %d ink and %d surround pixels", name, i, inkN, ringN)
					continue
				}
				if ratio < 4.5 {
					t.Errorf("%s: caption %d contrast %.2f:1, want ≥ 4.5:1", name, i, ratio)
				}
				if em := styles[info.Styles[i]].strokeEm; em > 0 {
					if want := math.Max(1.5, info.Sizes[i]*em); math.Abs(cp.radius-want) > 1e-9 {
						t.Errorf("%s: outline radius %.2f at size %.2f, want %.2f", name, cp.radius, info.Sizes[i], want)
					}
				}
			}
		}
	}
}

// canvasHeight is the picture's height once scaled to width w, as the bar
// layout stacks it under the bar.
func canvasHeight(pic image.Image, w int) int {
	b := pic.Bounds()
	return b.Dy() * w / b.Dx()
}

// overlap reports whether the glyphs of the first caption intersect those
// of the second.
func overlap(info Info, seen []caption) bool {
	first := strings.Join(info.Lines[0], "")
	n := 0
	for _, r := range first {
		if r != ' ' {
			n++
		}
	}
	n = min(n, len(info.Glyphs))
	for _, a := range info.Glyphs[:n] {
		for _, b := range info.Glyphs[n:] {
			if a.Overlaps(b) {
				return true
			}
		}
	}
	return false
}

// The fallback chain: each script from the font meant for it; what no
// font has, and what only a colour-emoji shaper would use, is dropped.
func TestFallbackChain(t *testing.T) {
	ch, err := getChain()
	if err != nil {
		t.Fatal(err)
	}
	defer putChain(ch)
	for _, c := range []struct {
		r    rune
		font int
	}{
		{'A', 0}, {'Ж', 0}, {'ё', 0}, {'Ω', 0}, {'λ', 0}, // Roboto Condensed: Latin, Cyrillic, Greek
		{'★', 1}, {'♥', 1}, {'✓', 1}, {'→', 1}, {'😂', 1}, {'א', 1}, // DejaVu: symbols, emoticons, Hebrew
		{'你', 2}, {'好', 2}, {'の', 2}, {'カ', 2}, {'한', 2}, // Droid Sans Fallback: CJK
		{'\U000F0000', -1}, {'\u200d', -1}, {'\ufe0f', -1}, {'\U0001F3FD', -1}, {'\x07', -1},
	} {
		if got := ch.fontFor(c.r); got != c.font {
			t.Errorf("%q (U+%04X): font %d, want %d", c.r, c.r, got, c.font)
		}
	}
}

// Dropped runes leave no box, no gap and no error, even when they are the
// whole caption.
func TestDroppedRunes(t *testing.T) {
	pic := mediatest.Scene(400, 400)
	for _, c := range []struct {
		text   string
		glyphs int
		line   string
	}{
		{"👍🏽", 0, ""},
		{"\U000F0000\u200d\ufe0f", 0, ""},
		{"ok 👨‍👩‍👧 go", 4, "OK 👨👩👧 GO"},
		{"a \U000F0000 b", 2, "A B"},
		{"И\u0306 ёж", 3, "Й ЁЖ"}, // a combining breve composes into Й
	} {
		_, info, err := Meme(pic, Caption{Bottom: c.text})
		if err != nil {
			t.Fatalf("%q: %v", c.text, err)
		}
		want := c.glyphs
		if strings.ContainsRune(c.line, '👨') {
			ch, _ := getChain()
			if ch.fontFor('👨') < 0 { // the family emoji is drawn only if some font has its parts
				want, c.line = 4, "OK GO"
			} else {
				want = 4 + 3
			}
			putChain(ch)
		}
		if len(info.Glyphs) != want {
			t.Errorf("%q: %d glyphs, want %d", c.text, len(info.Glyphs), want)
		}
		got := ""
		if len(info.Lines) > 0 {
			got = strings.Join(info.Lines[0], "/")
		}
		if got != c.line {
			t.Errorf("%q: lines %q, want %q", c.text, got, c.line)
		}
	}
}

// Wrapping: CJK breaks between characters, long words break at separators
// or with a hyphen, and no line is wider than its box.
func TestWrapping(t *testing.T) {
	ch, err := getChain()
	if err != nil {
		t.Fatal(err)
	}
	defer putChain(ch)
	cases := []struct {
		text      string
		boxW      float64
		maxLines  int
		wantLines int
		check     func([]string) string
	}{
		{"我写代码的时候从来不写测试因为测试太慢了", 300, 2, 2, func(ls []string) string {
			if len([]rune(ls[0])) != 10 {
				return "twenty characters in two lines should split evenly"
			}
			return ""
		}},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ", 300, 8, 0, func(ls []string) string {
			for _, l := range ls[:len(ls)-1] {
				if !strings.HasSuffix(l, "-") {
					return "a word broken mid-letters should end its line with a hyphen"
				}
			}
			return ""
		}},
		{"https://example.com/a/very/long/path/that/keeps/going/and/going", 300, 8, 0, func(ls []string) string {
			for _, l := range ls {
				if strings.HasSuffix(l, "-") {
					return "a URL should break at its slashes, not with hyphens"
				}
			}
			return ""
		}},
	}
	for _, c := range cases {
		b, ok := ch.fit(c.text, c.boxW, 1000, c.maxLines, 24, 60)
		if !ok {
			t.Errorf("%q: did not fit", c.text)
			continue
		}
		if c.wantLines > 0 && len(b.lines) != c.wantLines {
			t.Errorf("%q: %d lines %q, want %d", c.text, len(b.lines), b.lines, c.wantLines)
		}
		if err := ch.setSize(b.size); err != nil {
			t.Fatal(err)
		}
		for _, l := range b.lines {
			if w := ch.measure([]rune(l)); w > c.boxW+0.5 {
				t.Errorf("%q: line %q is %.1fpx wide in a %.0fpx box", c.text, l, w, c.boxW)
			}
		}
		if c.check != nil {
			if msg := c.check(b.lines); msg != "" {
				t.Errorf("%q: %s: %q", c.text, msg, b.lines)
			}
		}
	}
}

// Renders share pooled fonts, faces and buffers: concurrent renders must
// neither race (go test -race) nor mix their pictures.
func TestConcurrentRenders(t *testing.T) {
	pic := mediatest.Scene(320, 320)
	want, _, err := Meme(pic, Caption{Top: "same", Bottom: "meme"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 4 {
				if (i+j)%2 == 0 { // interleave other work through the pools
					data, _, err := MemeJPEG(pic, Caption{Layout: meme.LayoutBar, Top: "other"})
					if err != nil || len(data) == 0 {
						errs <- fmt.Sprint("MemeJPEG: ", err)
					}
					continue
				}
				got, _, err := Meme(pic, Caption{Top: "same", Bottom: "meme"})
				if err != nil {
					errs <- err.Error()
					continue
				}
				if d := mediatest.CompareImages(want, got); d != "" {
					errs <- d
				}
				Release(got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// Release takes back only whole pictures made by Meme.
func TestReleaseIgnoresForeignPictures(t *testing.T) {
	big := image.NewRGBA(image.Rect(0, 0, 10, 10))
	Release(big.SubImage(image.Rect(2, 2, 5, 5)).(*image.RGBA))
	Release(nil)
	Release(&image.RGBA{Rect: image.Rect(0, 0, 4, 4)})
}

// FuzzCaption feeds the typesetter arbitrary captions (they come from the
// prompt and the LLM): no panic, no error, every glyph inside the picture,
// never below the legible minimum.
func FuzzCaption(f *testing.F) {
	for _, s := range []string{"", "one", LongText, "Кот\u0306 你好 😂👍🏽", "a\u200d\ufe0f\x00b", "https://x.y/z_z-z", strings.Repeat("W", 400), "\xff\xfe"} {
		f.Add(s, "bottom", uint8(0))
	}
	pic := mediatest.Scene(240, 180)
	names := []string{meme.LayoutClassic, meme.LayoutBar, meme.LayoutCard, "unknown"}
	f.Fuzz(func(t *testing.T, top, bottom string, layout uint8) {
		if len(top)+len(bottom) > 4000 { // the planner caps captions far below this
			return
		}
		out, info, err := Meme(pic, Caption{Layout: names[int(layout)%len(names)], Top: top, Bottom: bottom})
		if err != nil {
			t.Fatal(err)
		}
		defer Release(out)
		for _, g := range info.Glyphs {
			if !g.In(out.Bounds()) {
				t.Fatalf("glyph %v outside %v", g, out.Bounds())
			}
		}
		for _, s := range info.Sizes {
			if s < minLegible {
				t.Fatalf("size %.2f", s)
			}
		}
	})
}
