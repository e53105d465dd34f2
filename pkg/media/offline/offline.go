// Package offline provides the generator that needs no provider: a plan
// made from the prompt by rule, and a picture drawn from the prompt's hash.
// It is the embedded default (no key configured) and the ladder's fallback
// when the provider fails, so nothing in it can fail or block.
package offline

import (
	_ "embed"
	"hash/fnv"
	"image"
	"math"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"punchline/pkg/language"
	"punchline/pkg/media/templates"
	"punchline/pkg/meme"
)

// Model is the name recorded for pictures and plans made here.
const Model = meme.OfflineModel

// Side is the size of generated backgrounds.
const Side = 1024

// maxCaption bounds the caption taken from the prompt: longer text would
// have to be set too small to read.
const maxCaption = 140

// PlanWith is the rule-based plan for prompt: a template meme when one of
// ts fits the prompt's shape (Pick), else PlanFor's captions on the
// generated background.
func PlanWith(prompt string, ts []*templates.Template) meme.Plan {
	p, sh := planFor(prompt)
	if t, caps, ok := pick(prompt, sh, p.Lang, ts); ok {
		p.Template, p.Captions, p.Layout, p.Top, p.Bottom = t.ID, caps, "", "", ""
	}
	return p
}

// PlanFor is the rule-based plan for prompt on the generated background:
// the prompt's last line split in two, or, for a request ("make a meme
// about X"), a phrasing of its subject in the prompt's language.
func PlanFor(prompt string) meme.Plan {
	p, _ := planFor(prompt)
	return p
}

// planFor is PlanFor with the prompt's shape, which PlanWith's picker
// reads too: the prompt is identified and shaped once.
func planFor(prompt string) (meme.Plan, meme.Shape) {
	caption := meme.Truncate(meme.LastLine(prompt), maxCaption)
	top, bottom := meme.SplitCaption(caption)
	lang := language.Identify(prompt)
	sh := meme.ShapeOf(prompt)
	if sh.About != "" {
		top, bottom = requestCaption(sh, lang.Code)
	}
	return meme.Plan{
		Lang:           lang.Code,
		LangConfidence: lang.Confidence,
		Format:         meme.TypeImage,
		Layout:         meme.LayoutClassic,
		Top:            top,
		Bottom:         bottom,
		ImagePrompt:    imagePrompt(prompt, sh),
		Text:           meme.TextMeme(prompt, lang.Code),
	}, sh
}

// ImagePrompt is the picture the offline plan of prompt describes (its
// last line, or a request's subject), for a picture started before any
// plan: the speculative one.
func ImagePrompt(prompt string) string { return imagePrompt(prompt, meme.ShapeOf(prompt)) }

func imagePrompt(prompt string, sh meme.Shape) string {
	if sh.About != "" {
		return meme.Truncate(sh.Topic, maxCaption) // the subject, not our phrasing of it
	}
	return meme.Truncate(meme.LastLine(prompt), maxCaption)
}

//go:embed phrases.yaml
var phrasesYAML []byte

var phrases = func() (p struct {
	Request map[string][2]string `yaml:"request"`
}) {
	if err := yaml.Unmarshal(phrasesYAML, &p); err != nil {
		panic("offline/phrases.yaml: " + err.Error()) // embedded data, checked by tests
	}
	return p
}()

// requestCaption phrases a request's subject (phrases.yaml); a language
// without a phrasing gets the subject alone, at the bottom.
func requestCaption(sh meme.Shape, lang string) (top, bottom string) {
	p, ok := phrases.Request[lang]
	if !ok {
		return "", meme.Truncate(sh.Topic, maxCaption)
	}
	return meme.Truncate(strings.ReplaceAll(p[0], "{about}", sh.About), maxCaption), p[1]
}

// Background is a diagonal two-colour gradient with a dark vignette, in
// colours dark enough for white outlined captions to read: the same seed
// gets the same picture, different seeds get different colours.
func Background(seed string, w, h int) *image.RGBA {
	hash := fnv.New64a()
	_, _ = hash.Write([]byte(seed))
	sum := hash.Sum64()
	hue := float64(sum%360) / 360
	a := hsv(hue, 0.75, 0.70)
	b := hsv(math.Mod(hue+0.25+float64(sum>>16%100)/400, 1), 0.85, 0.35)

	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, float64(h)/2
	maxR2 := cx*cx + cy*cy
	span := float64(w + h - 2)
	if span <= 0 {
		span = 1
	}
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride:][:4*w]
		dy := float64(y) - cy
		for x := 0; x < w; x++ {
			t := float64(x+y) / span
			dx := float64(x) - cx
			v := 1 - 0.45*(dx*dx+dy*dy)/maxR2 // vignette
			p := row[4*x : 4*x+4 : 4*x+4]
			p[0] = uint8((a[0] + (b[0]-a[0])*t) * v)
			p[1] = uint8((a[1] + (b[1]-a[1])*t) * v)
			p[2] = uint8((a[2] + (b[2]-a[2])*t) * v)
			p[3] = 255
		}
	}
	return img
}

// hsv converts to RGB in 0..255.
func hsv(h, s, v float64) [3]float64 {
	i := math.Floor(h * 6)
	f := h*6 - i
	p, q, t := v*(1-s), v*(1-f*s), v*(1-(1-f)*s)
	var r, g, b float64
	switch int(i) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return [3]float64{r * 255, g * 255, b * 255}
}
