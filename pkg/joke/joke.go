// Package joke is the joke engine: one generator call (CHAT_MODEL) writes
// several meme candidates, each made by a named recipe (scene, template,
// reaction, chat-callback, clip, text) and, for templates, filling a
// shortlist of meme templates; a judge call (JUDGE_MODEL, another model
// family) ranks them shown in shuffled order. The recipes, the prompts and
// the few-shot examples are data (data/), with golden tests of the exact
// text sent.
package joke

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"text/template"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"punchline/pkg/language"
	"punchline/pkg/learn"
	"punchline/pkg/media/templates"
	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
)

// Chat is the chat-completion call (*chat.Client has it): the request
// said once, the body built per model family.
type Chat interface {
	Complete(ctx context.Context, c aiml.Chat) (string, error)
}

var (
	//go:embed data/recipes.yaml
	recipesYAML []byte
	//go:embed data/generator.tmpl
	generatorTmpl string
	//go:embed data/judge.tmpl
	judgeText string
)

// Recipe is how a meme is made (data/recipes.yaml).
type Recipe struct {
	Name        string    `yaml:"name"`
	Needs       []string  `yaml:"needs"`
	Instruction string    `yaml:"instruction"`
	Shape       string    `yaml:"shape"`
	Examples    []Example `yaml:"examples"`
}

// Example is a few-shot example of a recipe's candidate, per language.
type Example struct {
	Lang      string `yaml:"lang"`
	Prompt    string `yaml:"prompt"`
	Candidate string `yaml:"candidate"`
}

// Recipes are every recipe, in the order the generator is shown them.
var Recipes = func() []Recipe {
	var rs []Recipe
	if err := yaml.Unmarshal(recipesYAML, &rs); err != nil {
		panic("joke: data/recipes.yaml: " + err.Error()) // embedded data, checked by tests
	}
	return rs
}()

var (
	generator = template.Must(template.New("generator").Parse(generatorTmpl))
	judgeTmpl = template.Must(template.New("judge").Parse(judgeText))
)

// Can is what this deployment can make: a recipe runs only when all it
// needs is here.
type Can struct {
	Image bool // an image model is configured
	Video bool // ffmpeg is present
}

// Options configure an Engine.
type Options struct {
	Chat  Chat   // the generator's client
	Model string // CHAT_MODEL's model when Models is unset
	// Models, when set, are the generators to try now, best first (the
	// roster: live and not skipped); a generator that is gone or failing
	// on its own hands over once to the next.
	Models     func() []string
	Judge      Chat   // the judge's client (the same provider, usually)
	JudgeModel string // JUDGE_MODEL's model when Judges is unset
	// Judges, when set, are the judges to use now, best first (of another
	// developer than the generator).
	Judges     func() []string
	Candidates int      // CANDIDATES
	Recipes    []string // RECIPES: the recipes allowed; empty allows all
	Can        Can
	Templates  Templates // the library the shortlist comes from
	Vision     bool      // JUDGE_VISION: show the judge template candidates as pictures
	// VisionOf, when set, says whether a judge takes images (the
	// catalogue); unset, Vision alone decides.
	VisionOf func(model string) bool
	Logger   *slog.Logger // judge failures and generator hand-overs; nil: none
	// JudgeSlice is the judge's time; 0: JudgeSlice (2.5 s).
	JudgeSlice time.Duration
	// Shortlist is how many templates the generator is shown (6–8).
	Shortlist int
	// Rand, when set, makes the shuffles of a request (tests).
	Rand func() *rand.Rand
	// Policy, when set, draws the request's recipe (Thompson sampling,
	// Explore of the draws uniform) and ranks the template shortlist; unset,
	// every runnable recipe is offered and the shortlist is shuffled.
	Policy  func() *learn.Policy
	Explore float64
	// Winners, when set, are memes of ours that won, for the prompt's
	// language (the stats function's examples/latest), shown to the
	// generator.
	Winners func(lang string) []learn.Winner
	// Holdout is the share of judged requests whose answer is a uniformly
	// random candidate instead of the judge's winner (JUDGE_HOLDOUT), so
	// that the judge's uplift can be measured against the voters.
	Holdout float64
}

// Engine writes and judges memes.
type Engine struct {
	o       Options
	allowed map[string]bool
}

// New returns an engine; zero settings get the documented defaults.
func New(o Options) *Engine {
	if o.Candidates <= 0 {
		o.Candidates = 4
	}
	if o.Shortlist <= 0 {
		o.Shortlist = 7
	}
	// One model named is a list of one: the engine reads only the lists.
	if o.Models == nil {
		o.Models = fixed(o.Model)
	}
	if o.Judges == nil {
		o.Judges = fixed(o.JudgeModel)
	}
	e := &Engine{o: o, allowed: map[string]bool{}}
	for _, r := range o.Recipes {
		e.allowed[r] = true
	}
	return e
}

// fixed is a list of model (none for "").
func fixed(model string) func() []string {
	var list []string
	if model != "" {
		list = []string{model}
	}
	return func() []string { return list }
}

// Model is the generator's model now; JudgeModel the judge's ("" for none).
func (e *Engine) Model() string { return first(e.o.Models()) }

func (e *Engine) JudgeModel() string { return first(e.o.Judges()) }

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// vision reports whether judge is shown pictures.
func (e *Engine) vision(judge string) bool {
	return e.o.Vision && (e.o.VisionOf == nil || e.o.VisionOf(judge))
}

// Brief is one request's material for the generator: the topic, its
// language and shape, the recipes that may run, and the template
// shortlist.
type Brief struct {
	Prompt string
	Lang   string // ISO 639-1 (package language), the script's guess when unsure
	// Language is how the generator and the judge are told it: its
	// English name, or "the topic's language" when the identifier was
	// unsure.
	Language       string
	LangConfidence float64
	Shape          meme.Shape
	Recipes        []Recipe
	Templates      []*templates.Template
	Panels         []*templates.Template // the multi-panel formats the panels recipe may paint
	Draw           learn.Choice          // the policy's draw, when one was made
	Winners        []learn.Winner        // memes of ours that won, in the prompt's language group
}

// Topic is the part of a brief that is the prompt's alone: its language
// and shape.
func Topic(prompt string) Brief {
	lang := language.Identify(prompt)
	return Brief{Prompt: prompt, Lang: lang.Code, Language: language.Told(lang), LangConfidence: lang.Confidence, Shape: meme.ShapeOf(prompt)}
}

// Brief decides what the generator is offered for prompt: the recipes that
// can run here (what they need is present, RECIPES allows them, and
// chat-callback only for transcripts) and a shortlist of templates: those
// whose fits match the prompt's shape first, then others at random.
func (e *Engine) Brief(prompt string, usable []*templates.Template, rng *rand.Rand) Brief {
	b := Topic(prompt)
	var pics, clips, panels []*templates.Template
	for _, t := range usable {
		switch {
		case t.Kind == templates.KindClip:
			clips = append(clips, t)
		default:
			pics = append(pics, t)
			if len(t.Panels()) > 0 {
				panels = append(panels, t)
			}
		}
	}
	have := map[string]bool{
		"image": e.o.Can.Image, "video": e.o.Can.Video, "templates": len(pics) > 0,
		"clips": len(clips) > 0 && e.o.Can.Video, "transcript": b.Shape.Kind == "dialogue",
		"panels": len(panels) > 0,
	}
	for _, r := range Recipes {
		if len(e.allowed) > 0 && !e.allowed[r.Name] {
			continue
		}
		ok := true
		for _, n := range r.Needs {
			ok = ok && have[n]
		}
		if ok {
			b.Recipes = append(b.Recipes, r)
		}
	}
	offered := map[string]bool{}
	for _, r := range b.Recipes {
		offered[r.Name] = true
	}
	if e.o.Policy != nil && len(b.Recipes) > 0 {
		// The recipe is the arm: drawn before the generator call, which
		// then writes all its candidates within it.
		names := make([]string, len(b.Recipes))
		for i, r := range b.Recipes {
			names[i] = r.Name
		}
		policy := e.o.Policy()
		b.Draw = policy.Choose(names, b.Lang, learn.KindOf(prompt), e.o.Explore, rng)
		b.Draw.Version = policy.Version
		for _, r := range b.Recipes {
			if r.Name == b.Draw.Recipe {
				b.Recipes = []Recipe{r}
				break
			}
		}
		offered = map[string]bool{b.Draw.Recipe: true}
	}
	policy := learn.Prior()
	if e.o.Policy != nil {
		policy = *e.o.Policy()
	}
	if e.o.Winners != nil {
		b.Winners = e.o.Winners(b.Lang)
	}
	if offered[meme.RecipeTemplate] || offered[meme.RecipeReaction] || offered[meme.RecipeChatCallback] {
		b.Templates = shortlist(pics, b.Shape.Kind, e.o.Shortlist, &policy, rng)
	}
	if offered[meme.RecipeClip] {
		b.Templates = append(b.Templates, shortlist(clips, b.Shape.Kind, 2, &policy, rng)...)
	}
	if offered[meme.RecipePanels] {
		b.Panels = shortlist(panels, b.Shape.Kind, 4, &policy, rng)
	}
	return b
}

// shortlist is up to n templates: those that fit shape first (at most
// half of n), then the rest, each group in the order of one Thompson draw
// of each template's posterior (random on the prior, so new templates get
// shown).
func shortlist(ts []*templates.Template, shape string, n int, policy *learn.Policy, rng *rand.Rand) []*templates.Template {
	var fit, other []*templates.Template
	for _, t := range ts {
		if t.FitsShape(shape) {
			fit = append(fit, t)
		} else {
			other = append(other, t)
		}
	}
	fit, other = ranked(fit, policy, rng), ranked(other, policy, rng)
	k := min(len(fit), (n+1)/2)
	out := append(fit[:k:k], other[:min(len(other), n-k)]...)
	return append(out, fit[k:min(len(fit), k+n-len(out))]...) // too few others: more that fit
}

// ranked orders ts by the policy's template draws.
func ranked(ts []*templates.Template, policy *learn.Policy, rng *rand.Rand) []*templates.Template {
	byID := map[string]*templates.Template{}
	ids := make([]string, len(ts))
	for i, t := range ts {
		byID[t.ID], ids[i] = t, t.ID
	}
	out := make([]*templates.Template, len(ts))
	for i, id := range policy.RankTemplates(ids, rng) {
		out[i] = byID[id]
	}
	return out
}

// promptTail bounds the topic we send: long prompts are mostly chat
// transcripts whose joke is at the end.
const promptTail = 2000

// GeneratorRequest is the exact chat request the generator (model) is
// sent.
func (e *Engine) GeneratorRequest(b Brief, model string) (aiml.Chat, error) {
	type exampleView struct{ Prompt, Captions string }
	type tplView struct {
		ID, About, UseWhen, Slots string
		Examples                  []exampleView
	}
	type recipeView struct {
		Recipe
		Examples []Example
	}
	type winnerView struct{ Prompt, Meme string }
	type panelView struct {
		ID, About, UseWhen, Slots string
		N                         int
	}
	data := struct {
		N          int
		Language   string
		Transcript bool
		Recipes    []recipeView
		Templates  []tplView
		Panels     []panelView
		Winners    []winnerView
	}{N: e.o.Candidates, Language: b.Language, Transcript: b.Shape.Kind == "dialogue"}
	if data.Language == "" {
		data.Language = "the topic's language"
	}
	for _, r := range b.Recipes {
		v := recipeView{Recipe: r}
		for _, ex := range r.Examples {
			if ex.Lang == b.Lang || (b.Lang != "ru" && ex.Lang == "en") {
				v.Examples = append(v.Examples, ex)
			}
		}
		data.Recipes = append(data.Recipes, v)
	}
	for _, t := range b.Templates {
		// A team template's text is ours to send, but bounded: one with a
		// 250 KB use_when made a 1.75 MB prompt.
		v := tplView{ID: t.ID, About: meme.Truncate(meme.CleanText(aboutIn(t, b.Lang)), maxTemplateText), UseWhen: meme.Truncate(meme.CleanText(t.UseWhen), maxTemplateText),
			Slots: slotList(t)}
		for _, ex := range t.Examples {
			if ex.Lang == b.Lang && len(v.Examples) < 2 {
				caps, _ := json.Marshal(cutAll(ex.Captions, maxCaptionRunes))
				v.Examples = append(v.Examples, exampleView{Prompt: meme.Truncate(meme.CleanText(ex.Prompt), maxTemplateText), Captions: string(caps)})
			}
		}
		data.Templates = append(data.Templates, v)
	}
	for _, t := range b.Panels {
		data.Panels = append(data.Panels, panelView{ID: t.ID, About: meme.Truncate(meme.CleanText(aboutIn(t, b.Lang)), maxTemplateText),
			UseWhen: meme.Truncate(meme.CleanText(t.UseWhen), maxTemplateText), Slots: slotList(t), N: len(t.Panels())})
	}
	for _, w := range b.Winners {
		data.Winners = append(data.Winners, winnerView{Prompt: meme.Truncate(meme.CleanText(w.Prompt), maxTemplateText), Meme: winnerMeme(w)})
	}
	var sys bytes.Buffer
	if err := generator.Execute(&sys, data); err != nil {
		return aiml.Chat{}, fmt.Errorf("generator prompt: %w", err)
	}
	return aiml.Chat{
		Model:       model,
		System:      sys.String(),
		User:        topic(b),
		Temperature: 1.0,
		MaxTokens:   400 + 220*e.o.Candidates,
		JSON:        true,
	}, nil
}

// aboutIn is t's description in lang, else in English.
func aboutIn(t *templates.Template, lang string) string {
	if about := t.About[lang]; about != "" {
		return about
	}
	return t.About["en"]
}

// slotList is t's slots as the generator reads them: roles with limits.
func slotList(t *templates.Template) string {
	var slots []string
	for _, s := range t.Slots() {
		slot := s.Role
		if s.MaxChars > 0 {
			slot += fmt.Sprintf(" ≤%d", s.MaxChars)
		}
		slots = append(slots, slot)
	}
	return strings.Join(slots, ", ")
}

// winnerMeme is a winner as the generator is shown it: what voters saw,
// as the candidate JSON it would have been.
func winnerMeme(w learn.Winner) string {
	v := struct {
		Recipe   string   `json:"recipe"`
		Template string   `json:"template,omitempty"`
		Captions []string `json:"captions"`
	}{w.Recipe, w.Template, w.Captions}
	if v.Recipe == "" {
		v.Recipe = meme.RecipeText
	}
	if len(v.Captions) == 0 {
		v.Captions = []string{w.Text}
	}
	v.Captions = cutAll(v.Captions, maxTextRunes)
	out, _ := json.Marshal(v) // strings and a slice of them: cannot fail
	return string(out)
}

// topic is the user message: the prompt, its tail when long. A transcript
// is shown in reading order (who answered whom must stay readable), its
// tail kept whole from a line boundary when it is long.
func topic(b Brief) string {
	p := b.Prompt
	cut := false
	if n := len(p); n > promptTail {
		p, cut = strings.ToValidUTF8(p[n-promptTail:], ""), true
	}
	if b.Shape.Kind != "dialogue" {
		return "Topic: " + p
	}
	if i := strings.IndexByte(p, '\n'); cut && i >= 0 {
		p = p[i+1:] // the first line was cut mid-way
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(p), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	head := "Topic: a chat transcript, in reading order (the joke is usually at the end):\n"
	if cut {
		head = "Topic: the end of a chat transcript, in reading order (earlier messages left out; the joke is usually at the end):\n"
	}
	return head + strings.Join(out, "\n")
}

// Generate asks the generator for candidates and keeps the valid ones; it
// returns the model that wrote them. A generator that is gone, skipped or
// failing on its own (404, 5xx) hands over once to the next live one; an
// account-wide failure (401/403) or a refusal does not.
func (e *Engine) Generate(ctx context.Context, b Brief, lib Library) ([]meme.Candidate, string, error) {
	models := e.o.Models()
	if len(models) == 0 {
		return nil, "", errors.New("generate: no chat model is live")
	}
	var err error
	for i, model := range models[:min(2, len(models))] {
		var cands []meme.Candidate
		if cands, err = e.generateWith(ctx, b, lib, model); err == nil {
			return cands, model, nil
		}
		if i+1 < min(2, len(models)) && handOver(err) && ctx.Err() == nil {
			e.log().WarnContext(ctx, "generator failed; handing over to the next chat model", "model", model, "next", models[i+1], "error", err)
			continue
		}
		break
	}
	return nil, models[0], err
}

// handOver reports a generator failure the next model may not share.
func handOver(err error) bool {
	switch aiml.KindOf(err) {
	case aiml.KindGone, aiml.KindModelFailed, aiml.KindUnavailable, aiml.KindTimeout, aiml.KindValidation:
		return true
	}
	return errors.Is(err, meme.ErrModelGone) && !errors.Is(err, meme.ErrProviderAccount)
}

func (e *Engine) generateWith(ctx context.Context, b Brief, lib Library, model string) ([]meme.Candidate, error) {
	req, err := e.GeneratorRequest(b, model)
	if err != nil {
		return nil, err
	}
	answer, err := e.o.Chat.Complete(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("generate with %s: %w", model, err)
	}
	cands, err := ParseCandidates(answer, b.Prompt)
	if err != nil {
		return nil, fmt.Errorf("generate with %s: %w", model, err)
	}
	valid := Validate(cands, b, lib)
	if len(valid) == 0 {
		return nil, fmt.Errorf("generate with %s: none of %d candidates is usable", model, len(cands))
	}
	return valid, nil
}

func (e *Engine) log() *slog.Logger {
	if e.o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.o.Logger
}

// Library finds templates by id (templates.Library).
type Library interface {
	Get(id string) *templates.Template
}

// maxTemplateText caps each piece of a template's own text (about,
// use_when, an example's prompt) in the generator prompt.
const maxTemplateText = 300

// cutAll is ss each cut to n runes and cleaned, in a new slice.
func cutAll(ss []string, n int) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = meme.Truncate(meme.CleanText(s), n)
	}
	return out
}

// Favourite is the generator's own pick: the highest p, the first on a tie.
func Favourite(cands []meme.Candidate) int {
	best := 0
	for i, c := range cands {
		if c.P > cands[best].P {
			best = i
		}
	}
	return best
}

// Plan turns a candidate into the plan the pipeline renders.
func Plan(c meme.Candidate, lang string) meme.Plan {
	text := strings.Join(nonEmpty(c.Captions), "\n")
	p := meme.Plan{Lang: lang, Format: meme.TypeImage, ImagePrompt: c.ImagePrompt, Text: text}
	switch {
	case c.Recipe == meme.RecipeText:
		p.Format, p.Layout, p.Bottom = meme.TypeText, meme.LayoutClassic, text
	case c.Template != "":
		p.Template, p.Captions, p.PanelPrompts = c.Template, c.Captions, c.PanelPrompts
	case c.Recipe == meme.RecipeReaction:
		p.Layout, p.Bottom = meme.LayoutBar, c.Captions[0]
	default: // scene
		p.Layout, p.Top, p.Bottom = meme.LayoutClassic, c.Captions[0], c.Captions[1]
	}
	return p
}
