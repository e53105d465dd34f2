package offline

import (
	"strings"
	"testing"
	"unicode/utf8"

	"punchline/pkg/media/templates"
)

// The held-back mix the issue names (Russian, English, a chat transcript, a
// comparison, a list, a question): at least six different formats over
// twelve prompts, every caption within its box's limit, and the same
// prompt always the same meme.
func TestPickVariesByShape(t *testing.T) {
	ts, problems := templates.Load(templates.House(), templates.SourceHouse)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	prompts := []string{
		"кот и понедельник",
		"When the deploy works on Friday and nobody knows why",
		"Cats vs dogs",
		"работа или отпуск",
		"Вася: ты где?\nПетя: уже выхожу\nВася: ты это час назад писал\nПетя: ну теперь точно выхожу",
		"My weekend plans: sleep, eat, scroll, regret, sleep",
		"Почему все совещания длятся час?",
		"Когда забыл зарядку дома",
		"Раньше я мечтал о славе, теперь — о выходном",
		"Is cereal a soup?",
		"things in my fridge: ketchup, old cheese, hope",
		"A: can you fix my printer\nB: I'm a software engineer\nA: so yes?",
	}
	seen := map[string]bool{}
	for _, p := range prompts {
		tp, caps, ok := Pick(p, ts)
		if !ok {
			t.Errorf("%q: no template", p)
			continue
		}
		seen[tp.ID] = true
		slots := tp.Slots()
		if len(caps) != len(slots) {
			t.Fatalf("%q → %s: %d captions for %d slots", p, tp.ID, len(caps), len(slots))
		}
		for i, c := range caps {
			if c == "" {
				t.Errorf("%q → %s: slot %s left empty", p, tp.ID, slots[i].Role)
			}
			if slots[i].MaxChars > 0 && utf8.RuneCountInString(c) > slots[i].MaxChars {
				t.Errorf("%q → %s: %q longer than %d", p, tp.ID, c, slots[i].MaxChars)
			}
		}
		again, caps2, _ := Pick(p, ts)
		if again.ID != tp.ID || strings.Join(caps2, "|") != strings.Join(caps, "|") {
			t.Errorf("%q: a second pick differs", p)
		}
	}
	if len(seen) < 6 {
		t.Errorf("%d different templates over %d prompts, want at least 6: %v", len(seen), len(prompts), seen)
	}
}

// Each shape reaches only formats that fit it: a transcript becomes a chat,
// a comparison a two-sided format.
func TestPickRespectsFits(t *testing.T) {
	ts, _ := templates.Load(templates.House(), templates.SourceHouse)
	tp, caps, ok := Pick("Вася: ты где?\nПетя: выхожу\nВася: час назад писал\nПетя: теперь точно", ts)
	if !ok || tp.ID != "chat" || caps[0] != "Вася" || caps[4] != "теперь точно" {
		t.Errorf("transcript → %v %q", tp, caps)
	}
	for _, p := range []string{"tea vs coffee", "кошки или собаки", "vim or emacs", "пицца против суши"} {
		tp, _, ok := Pick(p, ts)
		if !ok || !contains(tp.Fits, "comparison") {
			t.Errorf("%q → %v", p, tp)
		}
	}
	if _, _, ok := Pick("anything", nil); ok {
		t.Error("picked from no templates")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// roles.yaml parses, and each default has English and Russian, or is the
// same in every language.
func TestRoleDefaults(t *testing.T) {
	if len(roleDefaults) < 5 {
		t.Fatalf("roles.yaml: %d roles", len(roleDefaults))
	}
	for role, d := range roleDefaults {
		if (d["en"] == "" || d["ru"] == "") && d[""] == "" {
			t.Errorf("role %s: %v", role, d)
		}
	}
}

func TestPlanWith(t *testing.T) {
	ts, _ := templates.Load(templates.House(), templates.SourceHouse)
	p := PlanWith("Cats vs dogs", ts)
	if p.Template == "" || len(p.Captions) == 0 || p.Top != "" || p.Text == "" || p.Lang != "en" {
		t.Errorf("PlanWith = %+v", p)
	}
	if p := PlanWith("Cats vs dogs", nil); p.Template != "" || p.Layout == "" {
		t.Errorf("without templates: %+v", p)
	}
}

// Offline fills keep the prompt's meaning: a question stays whole, a
// list keeps its punchline, a request is phrased rather than printed, and
// nothing fixed is drawn in a language the prompt is not in.
func TestFillsKeepMeaning(t *testing.T) {
	ts, problems := templates.Load(templates.House(), templates.SourceHouse)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	only := func(id string) []*templates.Template {
		for _, tpl := range ts {
			if tpl.ID == id {
				return []*templates.Template{tpl}
			}
		}
		t.Fatalf("no template %s", id)
		return nil
	}
	cases := []struct {
		name, prompt, template string
		want                   []string // nil: the template must not be picked
	}{
		{"a question is not split", "is a hot dog secretly a sandwich?", "is-this", nil},
		{"a question fills one slot whole", "is a hot dog secretly a sandwich?", "reaction-thinking", []string{"is a hot dog secretly a sandwich?"}},
		{"a list keeps its last item", "what my day is made of: meetings, coffee, emails, actual work", "pie-chart",
			[]string{"what my day is made of", "meetings", "coffee", "actual work"}},
		{"a request is phrased", "сделай мем про кота, который будит в 5 утра", "change-my-mind", []string{"Лучшие мемы — про кота, который будит в 5 утра"}},
		{"an English request is phrased", "make a meme about Monday meetings", "change-my-mind", []string{"The best memes are about Monday meetings"}},
		{"a request needs a phrasing", "make a meme about Monday meetings", "shocked", nil},
		{"no English sign on a German meme", "Montagsmeetings sind eigentlich nur verkleidete E-Mails", "change-my-mind", nil},
		{"no English role text in a Spanish meme", "la siesta de la tarde vs el gimnasio del barrio", "two-buttons", []string{"la siesta de la tarde", "el gimnasio del barrio", "Yo"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, caps, ok := Pick(c.prompt, only(c.template))
			if c.want == nil {
				if ok {
					t.Fatalf("%s picked with %q", tpl.ID, caps)
				}
				return
			}
			if !ok || strings.Join(caps, "|") != strings.Join(c.want, "|") {
				t.Fatalf("Pick = %v %q, want %q", ok, caps, c.want)
			}
		})
	}
	// The offline scene plan of a request phrases it too, in its language.
	for prompt, want := range map[string]string{
		"сделай мем про кота":                  "Я рассказываю про кота",
		"Mach ein Meme über die Deutsche Bahn": "Ich rede über die Deutsche Bahn",
		"haz un meme sobre los lunes":          "Yo hablando sobre los lunes",
	} {
		p := PlanFor(prompt)
		if p.Top != want || strings.Contains(p.Text, prompt) {
			t.Errorf("PlanFor(%q): top %q, text %q; want top %q and no request in the text", prompt, p.Top, p.Text, want)
		}
	}
}
