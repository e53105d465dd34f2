package joke

import (
	"context"
	"fmt"
	"image"
	"strings"

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
	case c.Recipe == meme.RecipeText:
		fmt.Fprintf(&b, "a text meme: %s", strings.Join(quoted, " "))
	case c.Recipe == meme.RecipeReaction:
		fmt.Fprintf(&b, "a caption %s above a reaction picture of %s", strings.Join(quoted, " "), c.ImagePrompt)
	default:
		fmt.Fprintf(&b, "a picture of %s with the top caption %s and the bottom caption %s", c.ImagePrompt, quoted[0], quoted[len(quoted)-1])
	}
	if c.Angle != "" {
		fmt.Fprintf(&b, ". Idea: %s", c.Angle)
	}
	return b.String()
}

// JudgeRequest is the exact request the judge (model) is sent: the topic,
// then the candidates in the order shown (order holds candidate indices),
// each on its own line as "Candidate <n>:", n from 1. With pictures
// (JUDGE_VISION, a judge that takes images), a template candidate also
// shows as its rendered picture. The temperature is a real zero.
func (e *Engine) JudgeRequest(model, prompt, lang string, cands []meme.Candidate, order []int, lib Library, pictures map[int][]byte) aiml.Chat {
	var b strings.Builder
	b.WriteString(topic(Brief{Prompt: prompt, Shape: shapeOf(prompt)}))
	b.WriteString("\n")
	for n, i := range order {
		fmt.Fprintf(&b, "\nCandidate %d: %s", n+1, describe(cands[i], lib, lang))
	}
	c := aiml.Chat{Model: model, System: judgeText, User: b.String(), Temperature: 0, MaxTokens: 100, JSON: true}
	for n, i := range order {
		if jpg, ok := pictures[i]; ok {
			c.Images = append(c.Images, aiml.Image{Label: fmt.Sprintf("Candidate %d as drawn:", n+1), MIME: "image/jpeg", Data: jpg})
		}
	}
	return c
}

// Judge asks the judge (model) to rank cands shown in order and returns
// candidate indices, best first. An answer with no usable ranking is an
// error.
func (e *Engine) Judge(ctx context.Context, model, prompt, lang string, cands []meme.Candidate, order []int, lib Library, pictures map[int][]byte) ([]int, error) {
	answer, err := e.o.Judge.Complete(ctx, e.JudgeRequest(model, prompt, lang, cands, order, lib, pictures))
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

// Pictures renders the template candidates small, as JPEGs, for a judge
// that looks (JUDGE_VISION). Candidates that cannot be drawn are left out.
func Pictures(cands []meme.Candidate, lib Library, lang string) map[int][]byte {
	out := map[int][]byte{}
	for i, c := range cands {
		t := lib.Get(c.Template)
		if c.Template == "" || t == nil {
			continue
		}
		img, _, err := t.Render(c.Captions, lang)
		if err != nil {
			continue
		}
		small := shrink(img, 512)
		render.Release(img)
		data, err := render.EncodeJPEG(small)
		if err != nil {
			continue
		}
		out[i] = data
	}
	return out
}

func shrink(img *image.RGBA, long int) *image.RGBA {
	b := img.Bounds()
	f := min(1, float64(long)/float64(max(b.Dx(), b.Dy())))
	out := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))))
	xdraw.ApproxBiLinear.Scale(out, out.Rect, img, b, xdraw.Src, nil)
	return out
}
