package templates

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"unicode/utf8"

	"punchline/pkg/media/render"
)

// Render draws captions (in slot order) in lang on the template's
// picture. A clip has no still here: its caption bar is drawn over a
// neutral frame of the clip's usual shape, which is what lint shows.
func (t *Template) Render(captions []string, lang string) (*image.RGBA, render.Info, error) {
	pic, err := t.still()
	if err != nil {
		return nil, render.Info{}, err
	}
	return render.Draw(pic, t.Spec(captions, lang))
}

// A clip's captions are checked and previewed on a frame of this size.
const clipFrameW, clipFrameH = 1280, 720

func (t *Template) still() (image.Image, error) {
	if t.Kind != KindClip {
		return t.Picture()
	}
	frame := image.NewRGBA(image.Rect(0, 0, clipFrameW, clipFrameH))
	draw.Draw(frame, frame.Rect, image.NewUniform(color.RGBA{60, 60, 70, 255}), image.Point{}, draw.Src)
	return frame, nil
}

// Longest are the longest captions t's slots accept in lang: each slot
// filled to its max_chars (fallback when unset) with words of the language,
// for lint and the property tests.
func (t *Template) Longest(lang string, fallback int) []string {
	words := strings.Fields(sample[lang])
	if len(words) == 0 {
		words = strings.Fields(sample["en"])
	}
	var out []string
	for i, s := range t.Slots() {
		limit := s.MaxChars
		if limit == 0 {
			limit = fallback
		}
		var b strings.Builder
		for k := i; ; k++ {
			w := words[k%len(words)]
			sep := 0
			if b.Len() > 0 {
				sep = 1
			}
			if utf8.RuneCountInString(b.String())+sep+utf8.RuneCountInString(w) > limit {
				break
			}
			if sep == 1 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		out = append(out, b.String())
	}
	return out
}

var sample = map[string]string{
	"en": "when the build finally passes on Friday evening and everyone suddenly remembers an urgent meeting about synergy",
	"ru": "когда сборка наконец прошла в пятницу вечером и все внезапно вспомнили о срочной встрече про синергию отделов",
	// Scripts that need shaping and bidi, for the property tests and the
	// contact sheet. Thai is spaced by phrase, as captions are: without a
	// dictionary a line breaks only at spaces.
	"ar":    "عندما ينجح البناء أخيرا مساء الجمعة في 5 دقائق ويتذكر الجميع فجأة اجتماعا عاجلا عن Synergy",
	"he":    "כשהבנייה סוף סוף עוברת ביום שישי בערב וכולם נזכרים פתאום בפגישה דחופה על סינרגיה",
	"hi":    "जब शुक्रवार शाम को बिल्ड आखिरकार पास हो जाए और सबको अचानक तालमेल पर एक ज़रूरी मीटिंग याद आ जाए",
	"th":    "เมื่อ บิลด์ผ่าน ในที่สุด ตอนเย็น วันศุกร์ และทุกคน นึกถึง การประชุมด่วน เรื่องการ ทำงานร่วมกัน",
	"emoji": "when the build 🔥 finally passes 👍🏽 on Friday 😂 evening and everyone 🇺🇦 suddenly remembers 👨\u200d👩\u200d👧 an urgent meeting",
}
