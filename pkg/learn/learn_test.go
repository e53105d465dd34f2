package learn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"punchline/pkg/meme"
)

func TestBetaDraws(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, b := range []Beta{{A: 1, B: 1}, {A: 0.3, B: 0.7}, {A: 30, B: 10}, {A: 2, B: 50}} {
		sum := 0.0
		const n = 20000
		for range n {
			v := b.Draw(rng)
			if v < 0 || v > 1 {
				t.Fatalf("draw %v outside 0..1", v)
			}
			sum += v
		}
		if got := sum / n; math.Abs(got-b.Mean()) > 0.01 {
			t.Errorf("Beta(%v, %v): mean of draws %.4f, want %.4f", b.A, b.B, got, b.Mean())
		}
	}
}

// item is a battle of one of our results.
func item(id int, recipe, lang, prompt, outcome string, at time.Time, opponent int) map[string]any {
	return map[string]any{
		"result_id": json.Number(strconv.Itoa(id)), "created_at": at.Format(meme.TimeLayout), "recipe": recipe,
		"lang": lang, "prompt": prompt, "outcome": outcome, "battle_date": at.Format(meme.TimeLayout),
		"opponent_result_id": float64(opponent), "template": "tpl-" + recipe,
	}
}

func TestCompute(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	var items []map[string]any
	id := 1
	add := func(n int, recipe, lang, prompt, outcome string, age time.Duration, opponent int) {
		for range n {
			items = append(items, item(id, recipe, lang, prompt, outcome, now.Add(-age), opponent))
			id++
		}
	}
	add(8, "template", "ru", "кот", "win", day, 900000)
	add(2, "template", "ru", "кот", "loss", day, 900000)
	add(2, "scene", "ru", "кот", "win", day, 900000)
	add(8, "scene", "ru", "кот", "meh", day, 900000)
	add(5, "scene", "ru", "кот", "win", 40*day, 900000)        // outside the window
	add(5, "scene", "ru", "кот", "pending", day, 900000)       // undecided
	add(3, "scene", "ru", "кот", "win", day, 1)                // against ourselves (result 1)
	add(4, "text", "en", "A: hi\nB: yo", "tie", 7*day, 900000) // a transcript, a week old
	p := Compute(items, now, Settings{Window: 28 * day, HalfLife: 7 * day})
	if p.Battles != 24 {
		t.Errorf("%d battles counted, want 24", p.Battles)
	}
	tpl, scene := p.Arms["template/ru/statement"], p.Arms["scene/ru/statement"]
	if tpl.Mean() <= scene.Mean() || tpl.Mean() < 0.6 || scene.Mean() > 0.4 {
		t.Errorf("template %.2f vs scene %.2f", tpl.Mean(), scene.Mean())
	}
	text := p.Arms["text/en/transcript"]
	if math.Abs(text.N-2) > 0.01 { // four ties a half-life ago weigh two
		t.Errorf("decayed weight %.3f, want 2", text.N)
	}
	if _, ok := p.Templates["tpl-template"]; !ok {
		t.Errorf("templates %v", p.Templates)
	}
	// Recomputed from the same table: the same policy (votes are read, not added).
	again := Compute(items, now, Settings{Window: 28 * day, HalfLife: 7 * day})
	if a, b := again.Arms["template/ru/statement"], tpl; a != b {
		t.Errorf("recompute differs: %v vs %v", a, b)
	}
}

// Thompson sampling prefers the clearly better arm, explores at the given
// rate, and the recorded propensities match the observed shares.
func TestChoose(t *testing.T) {
	p := Prior()
	p.Prior = Beta{A: 2, B: 2}
	p.Arms["template/ru/statement"] = Beta{A: 60, B: 20}
	p.Arms["scene/ru/statement"] = Beta{A: 20, B: 60}
	runnable := []string{"scene", "template", "text"} // text unseen: on the prior
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 4000
	counts := map[string]int{}
	prop := map[string]float64{}
	explored := 0
	for range n {
		c := p.Choose(runnable, "ru", KindStatement, 0.1, rng)
		counts[c.Recipe]++
		prop[c.Recipe] += c.Propensity
		if c.Explore {
			explored++
		}
	}
	if share := float64(counts["template"]) / n; share < 0.7 { // an unseen arm on the prior still wins some draws
		t.Errorf("template chosen %.2f of the time", share)
	}
	if share := float64(counts["scene"]) / n; share < 0.1/3*0.7 {
		t.Errorf("scene chosen %.3f: below the exploration share", share)
	}
	if e := float64(explored) / n; math.Abs(e-0.1) > 0.02 {
		t.Errorf("explored %.3f, want 0.1", e)
	}
	// A recipe's recorded propensity is the chance it had: over many
	// requests it must match the share of requests that got it.
	for _, r := range runnable {
		if counts[r] == 0 {
			t.Errorf("%s never chosen", r)
			continue
		}
		observed := float64(counts[r]) / n
		recorded := prop[r] / float64(counts[r])
		se := math.Sqrt(observed*(1-observed)/n) + 0.01 // sampling, plus the propensity's own Monte Carlo error
		if math.Abs(observed-recorded) > 3*se {
			t.Errorf("%s: observed share %.3f, recorded propensity %.3f", r, observed, recorded)
		}
	}
}

func TestLangGroupAndKind(t *testing.T) {
	if LangGroup("ru") != "ru" || LangGroup("de") != "other" || KindOf("A: x\nB: y") != KindTranscript || KindOf("кот") != KindStatement {
		t.Error("arm parts")
	}
	if ArmKey("scene", "uk", KindStatement) != "scene/other/statement" {
		t.Error(ArmKey("scene", "uk", KindStatement))
	}
}

func nil2rng() *rand.Rand { return rand.New(rand.NewPCG(9, 9)) }
