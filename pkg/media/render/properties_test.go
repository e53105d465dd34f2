package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

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
func worstContrast(out *image.RGBA, cp caption, emoji []image.Rectangle) (ratio float64, inkN, ringN int) {
	w := cp.area.Dx()
	inkMin, ringMax := math.Inf(1), math.Inf(-1)
pixels:
	for i, m := range cp.mask {
		x, y := cp.area.Min.X+i%w, cp.area.Min.Y+i/w
		for _, e := range emoji { // colour emoji are pictures, not ink; their outline still counts
			if (image.Point{x, y}).In(e) {
				continue pixels
			}
		}
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
// every layout, Latin, Cyrillic, CJK, Arabic, Hebrew, Devanagari, Thai and
// colour emoji, and caption lengths from one word to 300
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
		{Top: "عندما يعمل الكود من أول مرة", Bottom: "ولا أحد يعرف لماذا 🤷"},
		{Top: "כשהקוד עובד בפעם הראשונה", Bottom: "ואף אחד לא יודע למה"},
		{Top: "ثم Deploy يوم الجمعة 2024", Bottom: "عندما يعمل الكود في 3 ثوانٍ"},
		{Top: "जब कोड पहली बार में चल जाए", Bottom: "क्षमा करें, श्रीमान"},
		{Top: "เมื่อโค้ด ทำงานได้ ครั้งแรก", Bottom: "แต่ไม่รู้ว่าทำไม"},
		{Top: "🔥👍 когда пятница 😂", Bottom: "👨\u200d👩\u200d👧 семья 🇺🇦 1\ufe0f\u20e3 👍🏿"},
		{Layout: meme.LayoutBar, Top: "مرحبا بالعالم عندما يعمل الكود 🎉", Bottom: "שלום 👋"},
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
				ratio, inkN, ringN := worstContrast(out, cp, info.Emoji)
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

// overlap reports whether the glyphs of the first caption block come
// near those of the second: their covered areas intersect.
func overlap(info Info, _ []caption) bool {
	return len(info.Areas) == 2 && info.Areas[0].Overlaps(info.Areas[1])
}

// Each grapheme cluster goes to the font meant for its script; emoji
// clusters (presentation by default, VS16, keycaps, skin tones, ZWJ
// sequences, flags) to the colour font, VS15 and text-default symbols to a
// text font.
func TestFontChoice(t *testing.T) {
	ch, err := getChain()
	if err != nil {
		t.Fatal(err)
	}
	defer putChain(ch)
	for _, c := range []struct {
		text string
		font int
	}{
		{"A", fontRoboto}, {"Ж", fontRoboto}, {"ё", fontRoboto}, {"Ω", fontRoboto}, {"λ", fontRoboto}, {"1", fontRoboto},
		{"ب", fontArabic}, {"پ", fontArabic}, {"ۀ", fontArabic},
		{"א", fontHebrew}, {"שׁ", fontHebrew},
		{"क्ष", fontDevanagari}, {"श्री", fontDevanagari},
		{"ก", fontThai}, {"ที่", fontThai},
		{"★", fontDejaVu}, {"✓", fontDejaVu}, {"→", fontDejaVu}, {"Ա", fontDejaVu}, {"ა", fontDejaVu}, {"❤", fontDejaVu}, {"♥︎", fontDejaVu},
		{"你", fontCJK}, {"の", fontCJK}, {"カ", fontCJK}, {"한", fontCJK},
		{"😂", fontEmoji}, {"🔥", fontEmoji}, {"👍🏽", fontEmoji}, {"❤️", fontEmoji}, {"⭐", fontEmoji},
		{"1️⃣", fontEmoji}, {"#️⃣", fontEmoji}, {"🇺🇦", fontEmoji},
		{"👨‍👩‍👧", fontEmoji}, {"👩🏽‍💻", fontEmoji}, {"🏴󠁧󠁢󠁳󠁣󠁴󠁿", fontEmoji},
	} {
		if got := ch.fontFor([]rune(c.text), -1); got != c.font {
			t.Errorf("%q: font %d (%s), want %d (%s)", c.text, got, fontFiles[got].name, c.font, fontFiles[c.font].name)
		}
	}
	// Spaces, digits and punctuation stay in the font of the text around
	// them when it has them, so an Arabic phrase is one run.
	if got := ch.fontFor([]rune(" "), fontArabic); got != fontArabic {
		t.Errorf("a space after Arabic went to font %d", got)
	}
	if got := ch.fontFor([]rune("!"), fontEmoji); got != fontRoboto {
		t.Errorf("punctuation after an emoji went to font %d, want the first text font", got)
	}
}

// Every embedded font parses, so no script silently loses its font.
func TestEmbeddedFontsParse(t *testing.T) {
	for i, f := range fontFiles {
		if _, err := f.load(); err != nil {
			t.Errorf("font %d: %v", i, err)
		}
	}
}

// No rune a shipped font has is dropped or drawn as a box: every rune of
// every font's character map survives cleaning and shapes to real glyphs
// (never glyph 0, .notdef), alone and after a letter of its script.
func TestEveryShippedRuneDrawn(t *testing.T) {
	ch, err := getChain()
	if err != nil {
		t.Fatal(err)
	}
	defer putChain(ch)
	step := map[int]rune{fontCJK: 7} // 30 000 ideographs: every seventh is enough
	for fi := range numFonts {
		f := ch.face(fi)
		var runes []rune
		it := f.Cmap.Iter()
		for it.Next() {
			r, _ := it.Char()
			runes = append(runes, r)
		}
		checked := 0
		for i, r := range runes {
			if s := step[fi]; s > 0 && rune(i)%s != 0 {
				continue
			}
			if !ch.has(fi, r) || unicode.IsControl(r) || unicode.IsSpace(r) || ignorable(r) || unicode.Is(unicode.Cf, r) || (r >= 0xE000 && r <= 0xF8FF) {
				continue // mapped to .notdef, or not text: controls, spaces, format characters, private use
			}
			text := ch.clean(string(r))
			if text != norm.NFC.String(string(r)) { // compatibility ideographs compose to the unified ones

				t.Errorf("font %s: U+%04X cleaned to %q", fontFiles[fi].name, r, text)
				continue
			}
			ch.rtl = rtlText(text)
			runs, _ := ch.shapeLine([]rune(text), 40)
			for _, sr := range runs {
				for _, g := range sr.out.Glyphs {
					if g.GlyphID == 0 {
						t.Errorf("font %s: U+%04X %q shapes to .notdef in font %s", fontFiles[fi].name, r, r, fontFiles[sr.font].name)
					}
				}
			}
			checked++
		}
		if checked < 90 {
			t.Errorf("font %s: only %d runes checked", fontFiles[fi].name, checked)
		}
		t.Logf("font %s: %d runes shaped, none dropped or .notdef", fontFiles[fi].name, checked)
	}
}

// Runes no font has, controls and orphan selectors leave no box, no gap
// and no error, even when they are the whole caption; emoji sequences are
// one glyph each.
func TestDroppedRunes(t *testing.T) {
	pic := mediatest.Scene(400, 400)
	for _, c := range []struct {
		text   string
		glyphs int
		emoji  int
		line   string
	}{
		{"👍🏽", 1, 1, "👍🏽"},
		{"\U000F0000\u200d\ufe0f", 0, 0, ""},
		{"ok 👨\u200d👩\u200d👧 go", 5, 1, "OK 👨\u200d👩\u200d👧 GO"},
		{"a \U000F0000 b", 2, 0, "A B"},
		{"И\u0306 ёж", 3, 0, "Й ЁЖ"}, // a combining breve composes into Й
		{"\x07a\ufeffb\u00ad", 2, 0, "AB"},
		{"🇺🇦🇯🇵 1\ufe0f\u20e3", 3, 3, "🇺🇦🇯🇵 1\ufe0f\u20e3"},
	} {
		_, info, err := Meme(pic, Caption{Bottom: c.text})
		if err != nil {
			t.Fatalf("%q: %v", c.text, err)
		}
		if len(info.Glyphs) != c.glyphs || len(info.Emoji) != c.emoji {
			t.Errorf("%q: %d glyphs (%d emoji), want %d (%d)", c.text, len(info.Glyphs), len(info.Emoji), c.glyphs, c.emoji)
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
		{"Mom: did you eat?\nMe: yes\n\n  Mom: what did you eat?", 900, 6, 3, func(ls []string) string {
			if ls[0] != "Mom: did you eat?" || ls[1] != "Me: yes" || ls[2] != "Mom: what did you eat?" {
				return "a caption's line breaks should start its lines, blank lines and indents dropped"
			}
			return ""
		}},
		{"first line\nsecond line\nthird line", 900, 2, 0, func(ls []string) string {
			if len(ls) > 2 {
				return "more breaks than the box's lines: the caption should flow"
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
		ch.setSize(b.size)
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
	for _, s := range []string{"", "one", LongText, "Кот\u0306 你好 😂👍🏽", "a\u200d\ufe0f\x00b", "https://x.y/z_z-z", strings.Repeat("W", 400), "\xff\xfe",
		"مرحبا بالعالم عندما يعمل الكود", "🔥👍 когда пятница 😂", "ثم Deploy يوم 2024 (v1.2)", "क्षमा करें श्रीमान", "เมื่อโค้ดทำงาน",
		"👨\u200d👩\u200d👧🇺🇦1\ufe0f\u20e3👍🏿🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "\u202eabc\u202c \u2067שלום\u2069", "\u0306\u0301\u0651"} {
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

// TestTinyBoxFailsCleanly: shortening text for a box too small for one
// letter reached Truncate(…, 0) and panicked; now Draw fails the caption
// with an error, for any text (one multi-byte rune included).
func TestTinyBoxFailsCleanly(t *testing.T) {
	pic := image.NewRGBA(image.Rect(0, 0, 400, 400))
	for _, text := range []string{"a long caption that cannot fit", "ж", "🔥", "…", "ab"} {
		for _, style := range []Style{StyleOutline, StyleLabel, StylePlain} {
			out, _, err := Draw(pic, Spec{Boxes: []Box{{X: 0, Y: 0, W: 1, H: 0.004, Style: style}}, Texts: []string{text}})
			if err == nil {
				Release(out)
				t.Errorf("%s %q: drawn in a 1.6 px box", style, text)
			}
		}
	}
	if err := Holds(Box{W: 1, H: 0.004}, 400, 400); err == nil {
		t.Error("Holds passed a 1.6 px box")
	}
	if err := Holds(Box{W: 1, H: 0.2}, 400, 400); err != nil {
		t.Errorf("Holds refused an 80 px box: %v", err)
	}
}
