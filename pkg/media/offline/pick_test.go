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

// roles.yaml parses, and each default has English and Russian.
func TestRoleDefaults(t *testing.T) {
	if len(roleDefaults) < 5 {
		t.Fatalf("roles.yaml: %d roles", len(roleDefaults))
	}
	for role, d := range roleDefaults {
		if d["en"] == "" || d["ru"] == "" {
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
