package joke

import (
	_ "embed"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"punchline/pkg/media/templates"
	"punchline/pkg/meme"
)

// Caps on what a candidate may hold; longer values are cut.
const (
	maxCaptionRunes = 200
	maxTextRunes    = 280
	maxImagePrompt  = 1000
	maxPlan         = 300
)

// Validate keeps the candidates that can be made from b: an offered
// recipe, a template that exists and was shortlisted (for the recipes
// that take one), as many captions as its slots (extra ones are dropped,
// too few lose the candidate), captions cut to their limits, and no
// caption that merely repeats the topic. Probabilities outside 0..1 are
// clamped.
func Validate(cands []meme.Candidate, b Brief, lib Library) []meme.Candidate {
	offered := map[string]bool{}
	for _, r := range b.Recipes {
		offered[r.Name] = true
	}
	listed, panelFormats := map[string]bool{}, map[string]bool{}
	for _, t := range b.Templates {
		listed[t.ID] = true
	}
	for _, t := range b.Panels {
		panelFormats[t.ID] = true
	}
	topicKey := normalise(b.Prompt)
	var out []meme.Candidate
	for _, c := range cands {
		if !offered[c.Recipe] {
			continue
		}
		// Model text reaches records and pages: no control characters or
		// bidi overrides from here on.
		c.Captions = cleanAll(c.Captions)
		c.ImagePrompt, c.Plan = meme.CleanText(c.ImagePrompt), meme.CleanText(c.Plan)
		c.P = probability(c.P)
		c.Plan = meme.Truncate(c.Plan, maxPlan)
		c.ImagePrompt = meme.Truncate(c.ImagePrompt, maxImagePrompt)
		var slots []templates.Box
		switch c.Recipe {
		case meme.RecipeTemplate, meme.RecipeChatCallback, meme.RecipeClip:
			if c.Template == "" {
				continue
			}
			c.PanelPrompts = nil
		case meme.RecipePanels:
			// A panel format from the panel list, one picture per panel.
			t := lib.Get(c.Template)
			if t == nil || !panelFormats[c.Template] || len(c.PanelPrompts) < len(t.Panels()) {
				continue
			}
			c.PanelPrompts = cutAll(c.PanelPrompts[:len(t.Panels())], maxImagePrompt)
			if slices.Contains(c.PanelPrompts, "") {
				continue
			}
		case meme.RecipeReaction:
			c.PanelPrompts = nil
		default:
			c.Template, c.PanelPrompts = "", nil // scene and text take no template
		}
		if c.Template != "" {
			t := lib.Get(c.Template)
			ok := listed[c.Template] || c.Recipe == meme.RecipePanels && panelFormats[c.Template]
			if t == nil || !ok || !t.Active() || (t.Kind == templates.KindClip) != (c.Recipe == meme.RecipeClip) {
				continue
			}
			slots = t.Slots()
		}
		n := len(c.Captions)
		switch {
		case c.Template != "":
			if n < len(slots) {
				continue
			}
			c.Captions = c.Captions[:len(slots)]
			for i, s := range slots {
				limit := maxCaptionRunes
				if s.MaxChars > 0 {
					limit = s.MaxChars
				}
				c.Captions[i] = meme.Truncate(c.Captions[i], limit)
			}
		case c.Recipe == meme.RecipeScene:
			if n == 0 || n > 2 {
				continue
			}
			if n == 1 {
				c.Captions = []string{"", c.Captions[0]}
			}
			for i := range c.Captions {
				c.Captions[i] = meme.Truncate(c.Captions[i], maxCaptionRunes)
			}
		default: // text, and reaction without a template: one caption
			if n == 0 {
				continue
			}
			limit := maxCaptionRunes
			if c.Recipe == meme.RecipeText {
				limit = maxTextRunes
			}
			c.Captions = []string{meme.Truncate(strings.Join(c.Captions, "\n"), limit)}
		}
		if (c.Recipe == meme.RecipeScene || (c.Recipe == meme.RecipeReaction && c.Template == "")) && c.ImagePrompt == "" {
			c.ImagePrompt = meme.Truncate(strings.Join(nonEmpty(c.Captions), " / "), maxImagePrompt)
		}
		if len(nonEmpty(c.Captions)) == 0 || copies(c.Captions, topicKey) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// probability is p clamped to 0..1, 0 when not a number (min and max
// pass NaN through).
func probability(p float64) float64 {
	if math.IsNaN(p) {
		return 0
	}
	return min(1, max(0, p))
}

// cleanAll is ss with meme.CleanText applied to each, in a new slice.
func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = meme.CleanText(s)
	}
	return out
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// copies reports whether a caption is the topic itself (a model that
// repeats the prompt has not made a joke).
func copies(caps []string, topicKey string) bool {
	if utf8.RuneCountInString(topicKey) < 12 {
		return false // a short topic may well be part of a caption
	}
	for _, c := range caps {
		if normalise(c) == topicKey {
			return true
		}
	}
	return false
}

func normalise(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.Trim(s, " .!?…\"'«»"))), " ")
}
