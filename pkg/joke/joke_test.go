package joke

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"punchline/pkg/learn"
	"punchline/pkg/media/templates"
	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/chat"
	"punchline/pkg/provider/providertest"
)

// The models the tests write and judge with: real catalogue names, of two
// developers, whose published schemas the stand-in holds bodies to.
const (
	writerModel = "openai/gpt-4.1-mini-2025-04-14"
	judgeModel  = "anthropic/claude-haiku-4.5"
)

var update = flag.Bool("update", false, "rewrite the golden prompts in testdata/golden")

func house(t testing.TB) *templates.Library {
	t.Helper()
	ts, problems := templates.Load(templates.House(), templates.SourceHouse)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return templates.NewLibrary(ts)
}

func seeded(seed uint64) func() *rand.Rand {
	return func() *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }
}

func TestRecipesData(t *testing.T) {
	names := map[string]bool{}
	for _, r := range Recipes {
		names[r.Name] = true
		if r.Instruction == "" || r.Shape == "" {
			t.Errorf("%s: no instruction or shape", r.Name)
		}
		langs := map[string]bool{}
		for _, ex := range r.Examples {
			langs[ex.Lang] = true
			cands, err := ParseCandidates(ex.Candidate, ex.Prompt)
			if err != nil || len(cands) != 1 || cands[0].Recipe != r.Name {
				t.Errorf("%s: example %q does not parse as its recipe: %v", r.Name, ex.Candidate, err)
			}
		}
		if len(r.Examples) > 0 && !(langs["en"] && langs["ru"]) {
			t.Errorf("%s: examples in %v, want English and Russian", r.Name, langs)
		}
	}
	// The data and the names RECIPES takes are the same set.
	for _, want := range meme.Recipes {
		if !names[want] {
			t.Errorf("recipe %s missing from data/recipes.yaml", want)
		}
	}
	if len(names) != len(meme.Recipes) {
		t.Errorf("data/recipes.yaml has %d recipes, meme.Recipes %d", len(names), len(meme.Recipes))
	}
}

// The recipes offered follow what is here: no image model, no scene or
// reaction; chat-callback only for transcripts; clips need video and clip
// templates; RECIPES restricts. The shortlist has 6–8 templates, those that
// fit the prompt's shape first.
func TestBrief(t *testing.T) {
	lib := house(t)
	rng := rand.New(rand.NewPCG(1, 2))
	names := func(b Brief) string {
		var out []string
		for _, r := range b.Recipes {
			out = append(out, r.Name)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name, prompt string
		o            Options
		want         string
	}{
		{"everything but clips", "Cats vs dogs", Options{Can: Can{Image: true, Video: true}}, "scene,template,reaction,panels,text"},
		{"no image model", "Cats vs dogs", Options{}, "template,reaction,text"},
		{"transcript", "A: hi\nB: hello\nA: bye", Options{Can: Can{Image: true}}, "scene,template,reaction,chat-callback,panels,text"},
		{"RECIPES restricts", "Cats vs dogs", Options{Can: Can{Image: true}, Recipes: []string{"scene", "text", "clip"}}, "scene,text"},
	}
	for _, tt := range tests {
		b := New(tt.o).Brief(tt.prompt, lib.Usable(), rng)
		if got := names(b); got != tt.want {
			t.Errorf("%s: recipes %s, want %s", tt.name, got, tt.want)
		}
	}
	b := New(Options{Can: Can{Image: true}}).Brief("Cats vs dogs", lib.Usable(), rng)
	if n := len(b.Templates); n < 6 || n > 8 {
		t.Errorf("shortlist of %d", n)
	}
	if !b.Templates[0].FitsShape("comparison") {
		t.Errorf("first shortlisted %s does not fit a comparison", b.Templates[0].ID)
	}
	seen := map[string]bool{}
	for _, tp := range b.Templates {
		if seen[tp.ID] {
			t.Errorf("%s shortlisted twice", tp.ID)
		}
		seen[tp.ID] = true
	}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./pkg/joke -run %s -update, then read the file)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from the text sent:\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// dump is the text a chat request sends, said once for every family (the
// body each family gets is pkg/provider/aiml's, held to the published
// schemas there): model, settings, system prompt, user text, pictures.
func dump(req aiml.Chat) string {
	var b strings.Builder
	fmt.Fprintf(&b, "model: %s\ntemperature: %v, max tokens: %d, json: %v\n", req.Model, req.Temperature, req.MaxTokens, req.JSON)
	b.WriteString("\n=== system\n" + req.System + "\n")
	b.WriteString("\n=== user\n" + req.User + "\n")
	for _, im := range req.Images {
		fmt.Fprintf(&b, "%s\n[image %s]\n", im.Label, im.MIME)
	}
	return b.String()
}

// The exact text each recipe's prompt sends: one golden per case, with a
// seeded shortlist.
func TestGeneratorPromptGolden(t *testing.T) {
	lib := house(t)
	cases := []struct {
		name, prompt string
		o            Options
	}{
		{"generator-en-comparison", "Cats vs dogs", Options{Candidates: 4, Can: Can{Image: true}}},
		{"generator-ru-statement", "кот и понедельник", Options{Candidates: 4, Can: Can{Image: true}}},
		{"generator-ru-transcript", "Вася: ты где?\nПетя: уже выхожу\nВася: ты это час назад писал", Options{Candidates: 3, Can: Can{Image: true}}},
		{"generator-scene-only", "When the deploy works on Friday", Options{Candidates: 2, Recipes: []string{"scene"}, Can: Can{Image: true}}},
		{"generator-text-only", "adulting", Options{Candidates: 2, Recipes: []string{"text"}}},
		{"generator-clip", "When the build goes green", Options{Candidates: 2, Recipes: []string{"clip"}, Can: Can{Video: true}}},
		{"generator-panels", "Breaking: company announces return to office five days a week", Options{Candidates: 2, Recipes: []string{"panels"}, Can: Can{Image: true}}},
		{"generator-de-request", "Mach ein Meme darüber, dass der Zug schon wieder Verspätung hat", Options{Candidates: 2, Recipes: []string{"scene", "text"}, Can: Can{Image: true}}},
		{"generator-uk-question", "чому кіт завжди сідає саме на клавіатуру?", Options{Candidates: 2, Recipes: []string{"text"}}},
		{"generator-es-headline", "Última hora: el gobierno propone prohibir las reuniones de los lunes", Options{Candidates: 2, Recipes: []string{"text"}}},
		{"generator-en-winners", "when the wifi drops during a call with my boss", Options{Candidates: 2, Recipes: []string{"text"}, Winners: func(lang string) []learn.Winner {
			if lang != "en" {
				return nil
			}
			return []learn.Winner{{Prompt: "mondays", Recipe: "template", Template: "two-buttons", Captions: []string{"Sleep", "Work", "Me on Monday"}},
				{Prompt: "adulting", Text: "Adulthood: saying \"next week will be calmer\" every week"}}
		}}},
	}
	clips, problems := templates.Load(templates.Files(map[string][]byte{
		"dramatic-zoom/template.yaml": []byte("id: dramatic-zoom\nkind: clip\nasset: clip.mp4\ntrim: [0, 3]\nspeech: none\n" +
			"boxes:\n  - {x: 0, y: 0, w: 1, h: 0.2, role: caption, style: bar, max_chars: 90}\n" +
			"about: {en: \"A slow dramatic zoom into a shocked face.\", ru: \"Медленный драматичный наезд камеры на шокированное лицо.\"}\n" +
			"use_when: \"a sudden realisation\"\nfits: [reaction]\n" +
			"examples:\n  - {lang: en, prompt: \"deploy\", captions: [\"When you realise you deployed to production\"]}\n" +
			"license: {source: \"test\", holder: \"us\", license: \"CC0-1.0\"}\n"),
		"dramatic-zoom/clip.mp4": append([]byte{0, 0, 0, 32}, []byte("ftypisom0000000000000000")...),
	}), templates.SourceDir)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	withClips := append(lib.Usable(), clips...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := New(c.o)
			req, err := e.GeneratorRequest(e.Brief(c.prompt, withClips, rand.New(rand.NewPCG(7, 7))), writerModel)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".txt", dump(req))
		})
	}
}

func TestJudgePromptGolden(t *testing.T) {
	lib := house(t)
	cands := []meme.Candidate{
		{Recipe: "scene", Captions: []string{"Me at 9:00", "pretending the coffee works"}, ImagePrompt: "a tired man with a huge mug", Plan: "coffee placebo", P: 0.4},
		{Recipe: "template", Template: "two-buttons", Captions: []string{"Sleep", "One more episode", "Me at 2 AM"}, Plan: "the eternal dilemma", P: 0.3},
		{Recipe: "text", Captions: []string{"Monday is a state of mind"}, P: 0.2},
		{Recipe: "reaction", Template: "reaction-cry", Captions: []string{"When the alarm rings for the fifth time"}, P: 0.1},
	}
	e := New(Options{JudgeModel: judgeModel})
	b := Topic("monday mornings")
	golden(t, "judge-en.txt", dump(e.JudgeRequest(judgeModel, b, cands, []int{2, 0, 3, 1}, lib, nil)))
	withPictures := e.JudgeRequest(judgeModel, b, cands, []int{2, 0, 3, 1}, lib, Pictures(cands, lib, "en"))
	golden(t, "judge-en-vision.txt", dump(withPictures))
	// Every candidate with a picture is shown as voters see it: the scene
	// over the placeholder, both templates drawn; the text meme is text.
	if n := len(withPictures.Images); n != 3 {
		t.Errorf("vision request has %d pictures, want 3 (scene, two templates)", n)
	}
	for _, req := range []string{withPictures.System + withPictures.User} {
		for _, hidden := range []string{"coffee placebo", "the eternal dilemma", "Idea:"} {
			if strings.Contains(req, hidden) {
				t.Errorf("the judge is shown the plan %q", hidden)
			}
		}
	}
	ru := e.JudgeRequest(judgeModel, Topic("почему понедельник такой длинный"), cands[:2], []int{0, 1}, lib, nil)
	if !strings.Contains(ru.System, "the captions are in Russian") {
		t.Errorf("the judge is not told the prompt's language:\n%s", ru.System)
	}
}

func TestParseCandidates(t *testing.T) {
	tests := []struct {
		name, answer string
		n            int
		first        meme.Candidate
		err          string
	}{
		{"fenced with prose", "Sure!\n```json\n{\"candidates\": [{\"recipe\": \"scene\", \"captions\": [\"a\", \"b\"], \"image_prompt\": \"cat\", \"angle\": \"x\", \"p\": 0.4}]}\n```", 1,
			meme.Candidate{Recipe: "scene", Captions: []string{"a", "b"}, ImagePrompt: "cat", Plan: "x", P: 0.4}, ""},
		{"bare list", `[{"recipe":"text","captions":"just words"},{"recipe":"TEMPLATE","template":"Two-Buttons","captions":["a","b","c"]}]`, 2,
			meme.Candidate{Recipe: "text", Captions: []string{"just words"}}, ""},
		{"one object", `{"recipe":"text","captions":["x"],"p":"35%"}`, 1, meme.Candidate{Recipe: "text", Captions: []string{"x"}, P: 0.35}, ""},
		{"wrong types", `{"candidates":[{"recipe":5,"captions":[1, "two", null],"p":"high"}]}`, 1, meme.Candidate{Recipe: "5", Captions: []string{"1", "two", ""}}, ""},
		{"brackets in strings", `note [1] {"candidates":[{"recipe":"text","captions":["a ] b } c"]}]}`, 1, meme.Candidate{Recipe: "text", Captions: []string{"a ] b } c"}}, ""},
		{"no JSON", "I can't do that.", 0, meme.Candidate{}, "no JSON"},
		{"empty list", `{"candidates": []}`, 0, meme.Candidate{}, "no candidates"},
		{"truncated", `{"candidates": [{"recipe": "scene"`, 0, meme.Candidate{}, "no JSON"},
		{"not objects", `{"candidates": [1, "two"]}`, 0, meme.Candidate{}, "no candidate objects"},
	}
	for _, tt := range tests {
		got, err := ParseCandidates(tt.answer, "topic")
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != tt.n {
			t.Errorf("%s: %d candidates, %v", tt.name, len(got), err)
			continue
		}
		g := got[0]
		if g.Recipe != tt.first.Recipe || strings.Join(g.Captions, "|") != strings.Join(tt.first.Captions, "|") || g.P != tt.first.P || g.ImagePrompt != tt.first.ImagePrompt {
			t.Errorf("%s: %+v, want %+v", tt.name, g, tt.first)
		}
	}
	many := `{"candidates": [` + strings.Repeat(`{"recipe":"text","captions":["x"]},`, 40) + `{"recipe":"text","captions":["x"]}]}`
	if got, _ := ParseCandidates(many, "t"); len(got) != maxCandidates {
		t.Errorf("%d candidates kept from 41", len(got))
	}
}

func TestParseRanking(t *testing.T) {
	tests := []struct {
		answer string
		n      int
		want   string
		ok     bool
	}{
		{`{"ranking": [3, 1, 2]}`, 3, "2,0,1", true},
		{"```json\n{\"ranking\": [2]}\n```", 3, "1,0,2", true},
		{`{"ranking": [9, 0, -1, 2, 2, 1.5, "x", "1"]}`, 3, "1,0,2", true},
		{`[4, 3]`, 4, "3,2,0,1", true},
		{`{"ranking": []}`, 2, "0,1", false},
		{"They are all hilarious!", 3, "0,1,2", false},
		{`{"ranking": "1,2"}`, 2, "0,1", false},
	}
	for _, tt := range tests {
		got, ok := ParseRanking(tt.answer, tt.n)
		var s []string
		for _, g := range got {
			s = append(s, string(rune('0'+g)))
		}
		if strings.Join(s, ",") != tt.want || ok != tt.ok {
			t.Errorf("%q: %v %v, want %s %v", tt.answer, got, ok, tt.want, tt.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	lib := house(t)
	b := New(Options{Can: Can{Image: true}}).Brief("Cats vs dogs, the eternal question", lib.Usable(), rand.New(rand.NewPCG(3, 3)))
	listed := b.Templates[0]
	slots := len(listed.Slots())
	caps := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strings.Repeat("word ", 30)
		}
		return out
	}
	in := []meme.Candidate{
		{Recipe: "limerick", Captions: []string{"x"}},                               // not a recipe
		{Recipe: "template", Template: "no-such", Captions: caps(3)},                // unknown template
		{Recipe: "template", Template: listed.ID, Captions: caps(slots - 1)},        // too few captions
		{Recipe: "template", Template: listed.ID, Captions: caps(slots + 2)},        // extras dropped, cut to limits
		{Recipe: "scene", Captions: []string{"only the punchline"}, P: 7},           // top empty, p clamped
		{Recipe: "scene", Captions: []string{"a", "b", "c"}},                        // three captions for a scene
		{Recipe: "text", Captions: []string{"line one", "line two"}, P: -1},         // joined
		{Recipe: "text", Captions: []string{"Cats vs dogs, the eternal question!"}}, // the topic copied
		{Recipe: "clip", Template: listed.ID, Captions: caps(slots)},                // not offered
		{Recipe: "reaction", Captions: []string{"When the cat wins"}},               // picture from the caption
	}
	out := Validate(in, b, lib)
	if len(out) != 4 {
		t.Fatalf("kept %d: %+v", len(out), out)
	}
	tpl, scene, text, reaction := out[0], out[1], out[2], out[3]
	if len(tpl.Captions) != slots {
		t.Errorf("template captions %d, want %d", len(tpl.Captions), slots)
	}
	for i, s := range listed.Slots() {
		if s.MaxChars > 0 && len([]rune(tpl.Captions[i])) > s.MaxChars {
			t.Errorf("slot %s: %d runes past %d", s.Role, len([]rune(tpl.Captions[i])), s.MaxChars)
		}
	}
	if scene.Captions[0] != "" || scene.Captions[1] != "only the punchline" || scene.P != 1 || scene.ImagePrompt == "" {
		t.Errorf("scene %+v", scene)
	}
	if text.Captions[0] != "line one\nline two" || text.P != 0 {
		t.Errorf("text %+v", text)
	}
	if reaction.ImagePrompt != "When the cat wins" {
		t.Errorf("reaction %+v", reaction)
	}
}

func TestCombine(t *testing.T) {
	if got := Combine([]int{2, 0, 1}, []int{2, 1, 0}); fmtInts(got) != "2,0,1" {
		t.Errorf("combine %v", got)
	}
	if got := Combine([]int{0, 1, 2}, []int{2, 1, 0}); fmtInts(got) != "0,1,2" { // a full tie keeps the first
		t.Errorf("tie %v", got)
	}
	if got := Combine([]int{1, 0, 2}, []int{0, 2, 1}, []int{0, 1, 2}); fmtInts(got) != "0,1,2" {
		t.Errorf("majority %v", got)
	}
}

func fmtInts(xs []int) string {
	var s []string
	for _, x := range xs {
		s = append(s, string(rune('0'+x)))
	}
	return strings.Join(s, ",")
}

// engine is an engine on the provider test server.
func engine(t *testing.T, prov *providertest.Server, o Options) *Engine {
	t.Helper()
	cl := chat.New(prov.Client(), prov.URL, "k", aiml.NewHealth())
	o.Chat, o.Judge, o.Templates = cl, cl, house(t)
	if o.Model == "" && o.Models == nil {
		o.Model = writerModel
	}
	if o.JudgeModel == "" {
		o.JudgeModel = judgeModel
	}
	o.Rand = seeded(11)
	return New(o)
}

// With the provider answering like a real model: one generator call, two
// judgings when time allows (one when it is short), and the plan is the
// judged winner, with the record of how it was chosen.
func TestPlanIsTheJudgedWinner(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	e := engine(t, prov, Options{Can: Can{Image: true}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	plan, err := e.Plan(ctx, "Cats vs dogs")
	if err != nil {
		t.Fatal(err)
	}
	if prov.Chats.Load() != 3 || prov.Judges.Load() != 2 {
		t.Errorf("%d chat calls, %d judgings; want one generator call and two judgings", prov.Chats.Load(), prov.Judges.Load())
	}
	if len(plan.Candidates) != 4 || len(plan.JudgeRank) != 4 || plan.Pick != plan.JudgeRank[0] || plan.JudgeModel != judgeModel {
		t.Fatalf("plan %+v", plan)
	}
	if plan.Pick == Favourite(plan.Candidates) {
		t.Errorf("the test server's judge should overrule the generator's favourite (%d)", plan.Pick)
	}
	w := plan.Candidates[plan.Pick]
	if plan.Recipe != w.Recipe || (w.Template != "" && plan.Template != w.Template) {
		t.Errorf("plan %s/%s is not the winner %s/%s", plan.Recipe, plan.Template, w.Recipe, w.Template)
	}

	// Short on time: one judging.
	prov2 := providertest.New()
	defer prov2.Close()
	e2 := engine(t, prov2, Options{Can: Can{Image: true}})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	if _, err := e2.Plan(ctx2, "Cats vs dogs"); err != nil {
		t.Fatal(err)
	}
	if prov2.Judges.Load() != 1 {
		t.Errorf("%d judgings with 3 s to plan, want 1", prov2.Judges.Load())
	}
}

// A judge that hangs, fails or talks nonsense leaves the generator's
// favourite, within the planning time; a generator that fails fails the
// plan.
func TestPlanFaults(t *testing.T) {
	tests := []struct {
		name    string
		set     func(*providertest.Behavior)
		err     bool
		judged  bool
		maxTime time.Duration
	}{
		{"judge hangs", func(b *providertest.Behavior) { b.JudgeHang = true }, false, false, 4 * time.Second},
		{"judge 500", func(b *providertest.Behavior) { b.JudgeStatus = 500 }, false, false, time.Second},
		{"judge nonsense", func(b *providertest.Behavior) { b.JudgeContent = "all great" }, false, false, time.Second},
		{"judge out of range", func(b *providertest.Behavior) { b.JudgeContent = `{"ranking":[0, 7, 2]}` }, false, true, time.Second},
		{"generator hangs", func(b *providertest.Behavior) { b.ChatHang = true }, true, false, 4 * time.Second},
		{"no candidates", func(b *providertest.Behavior) { b.GeneratorContent = `{"candidates":[]}` }, true, false, time.Second},
		{"none usable", func(b *providertest.Behavior) {
			b.GeneratorContent = `{"candidates":[{"recipe":"template","template":"two-buttons","captions":["x"]}]}`
		}, true, false, time.Second},
		{"one candidate: no judge", func(b *providertest.Behavior) {
			b.GeneratorContent = `{"candidates":[{"recipe":"text","captions":["just one"]}]}`
		}, false, false, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prov := providertest.New()
			defer prov.Close()
			prov.Set(tt.set)
			e := engine(t, prov, Options{Can: Can{Image: true}})
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			plan, err := e.Plan(ctx, "Cats vs dogs")
			if took := time.Since(start); took > tt.maxTime {
				t.Errorf("took %v", took)
			}
			if (err != nil) != tt.err {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				return
			}
			if judged := len(plan.JudgeRank) > 0; judged != tt.judged {
				t.Errorf("judged %v: %+v", judged, plan)
			}
			if !tt.judged && plan.Pick != Favourite(plan.Candidates) {
				t.Errorf("unjudged pick %d, want the favourite", plan.Pick)
			}
		})
	}
}

// JUDGE_HOLDOUT: a held-out request answers with a uniformly random
// candidate, still judged (the rank is recorded) and marked; the others
// answer with the judged winner.
func TestPlanHoldout(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	picks := map[int]int{}
	for seed := range uint64(40) {
		e := engine(t, prov, Options{Can: Can{Image: true}, Holdout: 1})
		e.o.Rand = seeded(seed)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		plan, err := e.Plan(ctx, "Cats vs dogs")
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Holdout || len(plan.JudgeRank) != len(plan.Candidates) {
			t.Fatalf("held out: holdout %v, rank %v", plan.Holdout, plan.JudgeRank)
		}
		w := plan.Candidates[plan.Pick]
		if plan.Recipe != w.Recipe {
			t.Errorf("the plan is not the picked candidate")
		}
		picks[plan.Pick]++
	}
	if len(picks) < 3 {
		t.Errorf("held-out picks %v: want them spread over the candidates", picks)
	}
	e := engine(t, prov, Options{Can: Can{Image: true}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	plan, err := e.Plan(ctx, "Cats vs dogs")
	if err != nil || plan.Holdout || plan.Pick != plan.JudgeRank[0] {
		t.Errorf("no holdout: err %v, holdout %v, pick %d, rank %v", err, plan.Holdout, plan.Pick, plan.JudgeRank)
	}
}
