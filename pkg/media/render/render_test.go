package render

import (
	"image"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/meme"
)

func TestEncodeJPEGHasNoMetadata(t *testing.T) {
	out, _, err := Meme(mediatest.Photo(640, 480), Caption{Top: "top", Bottom: "bottom"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := EncodeJPEG(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := mediatest.CleanJPEG(data); err != nil {
		t.Fatalf("encoded JPEG: %v", err)
	}
	markers, _ := mediatest.JPEGSegments(data)
	for _, m := range markers {
		switch m {
		case 0xDB, 0xC0, 0xC4, 0xDD, 0xDA: // DQT, SOF0, DHT, DRI, SOS: pixels only
		default:
			t.Errorf("unexpected segment 0xFF%02X", m)
		}
	}
	if len(data) > meme.MaxFileBytes/10 {
		t.Errorf("%d bytes: far from fast to fetch", len(data))
	}
}

func TestJPEGCheckCatchesMetadata(t *testing.T) {
	data, _ := EncodeJPEG(mediatest.Photo(32, 32))
	// Splice an APP1 (EXIF) and a COM segment after SOI: the check must fail.
	for _, seg := range [][]byte{
		{0xFF, 0xE1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0},
		{0xFF, 0xFE, 0x00, 0x06, 'h', 'i', '!', '!'},
	} {
		bad := append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
		if err := mediatest.CleanJPEG(bad); err == nil {
			t.Errorf("segment %X not caught", seg[:2])
		}
	}
}

// Every Cyrillic letter is in the primary meme face, so nothing is drawn
// as a box or falls back to another face.
func TestCyrillicHasGlyphs(t *testing.T) {
	ch, err := getChain()
	if err != nil {
		t.Fatal(err)
	}
	defer putChain(ch)
	for _, r := range "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя" {
		if f := ch.fontFor([]rune{r}, -1); f != fontRoboto {
			t.Errorf("%c (U+%04X) in font %d, not the primary font", r, r, f)
		}
	}
	if ch.kept('\U000F0000') { // private use: no font has it
		t.Errorf("a rune no font has should be dropped")
	}
}

// ink counts white caption pixels in a rectangle of out.
func ink(out *image.RGBA, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := out.RGBAAt(x, y)
			if c.R > 240 && c.G > 240 && c.B > 240 {
				n++
			}
		}
	}
	return n
}

func TestCyrillicCaptionRendersInk(t *testing.T) {
	bg := image.NewRGBA(image.Rect(0, 0, 800, 800)) // black: only the caption is white
	for i := 3; i < len(bg.Pix); i += 4 {
		bg.Pix[i] = 255
	}
	out, info, err := Meme(bg, Caption{Top: "Кот и понедельник", Bottom: "ЖДУ ПЯТНИЦУ"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Layout != meme.LayoutClassic || len(info.Glyphs) != len([]rune("КотипонедельникЖДУПЯТНИЦУ")) {
		t.Fatalf("layout %s drew %d glyphs", info.Layout, len(info.Glyphs))
	}
	if n := ink(out, image.Rect(0, 0, 800, 400)); n < 2000 {
		t.Errorf("top half has %d caption pixels", n)
	}
	if n := ink(out, image.Rect(0, 400, 800, 800)); n < 2000 {
		t.Errorf("bottom half has %d caption pixels", n)
	}
}

const LongText = "This is a deliberately long caption of about three hundred characters that keeps going " +
	"well past what anyone should put on a meme, because prompts are sometimes whole chat transcripts " +
	"and the planner may echo them, and the renderer must still set it legibly without clipping or " +
	"overflowing it at all."

func TestLongCaptionFallsBackToBar(t *testing.T) {
	_, info, err := Meme(mediatest.Photo(1024, 1024), Caption{Top: LongText, Bottom: LongText})
	if err != nil {
		t.Fatal(err)
	}
	if info.Layout != meme.LayoutBar {
		t.Errorf("layout %s, want bar for text that cannot fit legibly inside", info.Layout)
	}
}

// A bar box at the top edge adds a band above the picture, one at the
// bottom edge a band below; a bar box inside the picture paints its own
// white ground. Captions sit inside their bands.
func TestBarBandsExtendTheCanvas(t *testing.T) {
	pic := mediatest.Photo(600, 400)
	out, info, err := Draw(pic, Spec{
		Boxes: []Box{
			{X: 0, Y: 0, W: 1, H: 0.2, Style: StyleBar},
			{X: 0, Y: 0.8, W: 1, H: 0.2, Style: StyleBar},
			{X: 0.3, Y: 0.4, W: 0.4, H: 0.2, Style: StyleBar},
		},
		Texts: []string{"when the band goes on top", "and another below", "inside"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Rect.Dx() != 600 || out.Rect.Dy() <= 400 {
		t.Fatalf("output %v: the bands should add height", out.Rect)
	}
	if len(info.Areas) != 3 {
		t.Fatalf("%d captions", len(info.Areas))
	}
	top, bottom, inside := info.Areas[0], info.Areas[1], info.Areas[2]
	grown := out.Rect.Dy() - 400
	if top.Min.Y < 0 || top.Max.Y > grown || bottom.Min.Y < 400 || bottom.Max.Y > out.Rect.Dy() {
		t.Errorf("top %v, bottom %v in a %v picture grown by %d", top, bottom, out.Rect, grown)
	}
	if inside.Min.Y < top.Max.Y || inside.Max.Y > bottom.Min.Y {
		t.Errorf("inside caption %v is not between the bands", inside)
	}
	if c := out.RGBAAt(5, top.Min.Y); c != white {
		t.Errorf("top band is %v, want white", c)
	}
}
