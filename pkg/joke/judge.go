package joke

import (
	"context"
	"fmt"
	"image"
	"strings"
	"sync"

	xdraw "golang.org/x/image/draw"

	"punchline/pkg/media/render"
	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
)

// describe is how the judge reads candidate c: its format, then its words.
func describe(c meme.Candidate, lib Library, lang string) string {
	var b strings.Builder
	quoted := make([]string, 0, len(c.Captions))
	for _, s := range c.Captions {
		quoted = append(quoted, fmt.Sprintf("%q", s))
	}
	switch {
	case c.Template != "":
		about := ""
		if t := lib.Get(c.Template); t != nil {
			if about = t.About[lang]; about == "" {
				about = t.About["en"]
			}
		}
		fmt.Fprintf(&b, "meme format %q (%s) with captions %s", c.Template, strings.TrimSpace(about), strings.Join(quoted, " / "))
		for i, p := range c.PanelPrompts {
			fmt.Fprintf(&b, "; panel %d painted as %s", i+1, p)
		}
	case c.Recipe == meme.RecipeText:
		fmt.Fprintf(&b, "a text meme: %s", strings.Join(quoted, " "))
	case c.Recipe == meme.RecipeReaction:
		fmt.Fprintf(&b, "a caption %s above a reaction picture of %s", strings.Join(quoted, " "), c.ImagePrompt)
	default:
		fmt.Fprintf(&b, "a picture of %s with the top caption %s and the bottom caption %s", c.ImagePrompt, quoted[0], quoted[len(quoted)-1])
	}
	return b.String() // the plan is ours, never the judge's: voters do not see it
}

// JudgeRequest is the exact request the judge (model) is sent: the
// criteria (data/judge.tmpl, in the brief's language), the topic, then the
// candidates in the order shown (order holds candidate indices), each on
// its own line as "Candidate <n>:", n from 1. With pictures (a judge that
// takes images), every candidate with a picture also shows as voters will
// see it. The temperature is a real zero.
func (e *Engine) JudgeRequest(model string, b Brief, cands []meme.Candidate, order []int, lib Library, pictures map[int][]byte) aiml.Chat {
	var u strings.Builder
	u.WriteString(topic(b))
	u.WriteString("\n")
	for n, i := range order {
		fmt.Fprintf(&u, "\nCandidate %d: %s", n+1, describe(cands[i], lib, b.Lang))
	}
	var sys strings.Builder
	language := b.Language
	if language == "" {
		language = "the prompt's language"
	}
	if err := judgeTmpl.Execute(&sys, struct {
		Language string
		Pictures bool
	}{language, len(pictures) > 0}); err != nil {
		panic("joke: data/judge.tmpl: " + err.Error()) // embedded data, checked by tests
	}
	c := aiml.Chat{Model: model, System: sys.String(), User: u.String(), Temperature: 0, MaxTokens: 100, JSON: true}
	for n, i := range order {
		if jpg, ok := pictures[i]; ok {
			c.Images = append(c.Images, aiml.Image{Label: fmt.Sprintf("Candidate %d as voters see it:", n+1), MIME: "image/jpeg", Data: jpg})
		}
	}
	return c
}

// Judge asks the judge (model) to rank cands shown in order and returns
// candidate indices, best first. An answer with no usable ranking is an
// error.
func (e *Engine) Judge(ctx context.Context, model string, b Brief, cands []meme.Candidate, order []int, lib Library, pictures map[int][]byte) ([]int, error) {
	answer, err := e.o.Judge.Complete(ctx, e.JudgeRequest(model, b, cands, order, lib, pictures))
	if err != nil {
		return nil, fmt.Errorf("judge with %s: %w", model, err)
	}
	shown, ok := ParseRanking(answer, len(order))
	if !ok {
		return nil, fmt.Errorf("judge with %s: no usable ranking in %.80q", model, answer)
	}
	out := make([]int, len(shown))
	for k, pos := range shown {
		out[k] = order[pos]
	}
	return out, nil
}

// Combine merges rankings of the same candidates by Borda count (a
// candidate's points are how many it beats); ties go to the first
// ranking's order.
func Combine(rankings ...[]int) []int {
	if len(rankings) == 0 {
		return nil
	}
	n := len(rankings[0])
	score := make([]int, n)
	for _, r := range rankings {
		for pos, c := range r {
			if c >= 0 && c < n {
				score[c] += n - 1 - pos
			}
		}
	}
	out := append([]int(nil), rankings[0]...)
	// Stable insertion sort by score: n is a handful.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && score[out[j]] > score[out[j-1]]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Pictures renders the candidates small, as JPEGs, as voters will see
// them, for a judge that looks: a template candidate drawn; a scene or
// reaction candidate as its caption layout over a neutral placeholder (its
// picture is not painted yet; the description says what it shows). A text
// meme has no picture (it is read as text), and a candidate that cannot be
// drawn is left out.
func Pictures(cands []meme.Candidate, lib Library, lang string) map[int][]byte {
	out := map[int][]byte{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, c := range cands {
		wg.Go(func() { // one per candidate: the cores draw side by side
			img, ok := drawn(c, lib, lang)
			if !ok {
				return
			}
			small := shrink(img, 512)
			render.Release(img)
			data, err := render.EncodeJPEG(small)
			if err != nil {
				return
			}
			mu.Lock()
			out[i] = data
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// drawn is candidate c as voters see it (Pictures).
func drawn(c meme.Candidate, lib Library, lang string) (*image.RGBA, bool) {
	if c.Template != "" {
		t := lib.Get(c.Template)
		if t == nil {
			return nil, false
		}
		img, _, err := t.Render(c.Captions, lang)
		return img, err == nil
	}
	var caption render.Caption
	switch {
	case c.Recipe == meme.RecipeText || len(c.Captions) == 0:
		return nil, false
	case c.Recipe == meme.RecipeReaction:
		caption = render.Caption{Layout: meme.LayoutBar, Bottom: c.Captions[0]}
	default:
		caption = render.Caption{Layout: meme.LayoutClassic, Top: c.Captions[0], Bottom: c.Captions[len(c.Captions)-1]}
	}
	img, _, err := render.Meme(placeholder, caption)
	return img, err == nil
}

// placeholder stands for a picture not painted yet: a quiet grey, so the
// judge weighs the captions and their layout, not our colours.
var placeholder = func() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 768, 768))
	for y := 0; y < 768; y++ {
		v := uint8(150 - y/16)
		for x := 0; x < 768; x++ {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v, v+6, 255
		}
	}
	return img
}()

func shrink(img *image.RGBA, long int) *image.RGBA {
	b := img.Bounds()
	f := min(1, float64(long)/float64(max(b.Dx(), b.Dy())))
	out := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))))
	xdraw.ApproxBiLinear.Scale(out, out.Rect, img, b, xdraw.Src, nil)
	return out
}
