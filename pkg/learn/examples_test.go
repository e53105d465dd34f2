package learn

import (
	"math"
	"strings"
	"testing"
	"time"

	"punchline/pkg/meme"
)

func TestWilsonLowerBound(t *testing.T) {
	for _, c := range []struct{ k, n, want float64 }{
		{9, 10, 0.5958}, {1, 1, 0.2065}, {0, 10, 0}, {5, 10, 0.2366}, {0, 0, 0},
	} {
		if got := Wilson(c.k, c.n); math.Abs(got-c.want) > 1e-3 {
			t.Errorf("Wilson(%v, %v) = %.4f, want %.4f", c.k, c.n, got, c.want)
		}
	}
}

func TestPickWinners(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	item := func(id, lang, outcome, side string, first, second float64, created string) map[string]any {
		return map[string]any{"result_id": id, "created_at": created, "lang": lang, "prompt": "prompt " + id, "type": "image",
			"recipe": "template", "template": "two-buttons", "pick": "0", "outcome": outcome, "side": side,
			"votes_first": first, "votes_second": second, "votes_tie": 0.0, "votes_meh": 0.0, "battle_id": id,
			"opponent_result_id": "9" + id,
			"candidates":         []any{map[string]any{"captions": []any{"A " + id, "B " + id, "Me"}}}}
	}
	items := []map[string]any{
		item("1", "ru", "win", "1", 9, 1, "2026-12-01T00:00:00.000Z"),  // 90% of 10
		item("2", "ru", "win", "2", 1, 2, "2026-12-02T00:00:00.000Z"),  // side 2: 2 of 3
		item("3", "ru", "win", "1", 30, 3, "2026-11-01T00:00:00.000Z"), // 91% of 33: best
		item("4", "ru", "loss", "1", 1, 9, "2026-12-03T00:00:00.000Z"), // lost
		item("5", "ru", "win", "1", 2, 0, "2026-12-03T00:00:00.000Z"),  // two votes: too few
		item("6", "de", "win", "1", 9, 1, "2026-12-03T00:00:00.000Z"),  // other group
		item("7", "en", "win", "1", 9, 1, "2026-12-03T00:00:00.000Z"),
		item("8", "en", "win", "1", 9, 1, "2026-12-04T00:00:00.000Z"), // the same score, newer: first
		item("9", "en", "win", "1", math.NaN(), 1, "2026-12-04T00:00:00.000Z"),
	}
	items[8]["votes_second"] = "Inf" // hostile counts: none
	self := item("10", "ru", "win", "1", 50, 0, "2026-12-04T00:00:00.000Z")
	self["opponent_result_id"] = "1" // against ourselves: says nothing about voters
	sim := item("11", "ru", "win", "1", 50, 0, "2026-12-04T00:00:00.000Z")
	sim["battle_id"] = float64(meme.SimulatedBattles + 5)
	items = append(items, self, sim)

	ex := PickWinners(items, now, false)
	ids := func(g string) string {
		var out []string
		for _, w := range ex.Groups[g] {
			out = append(out, w.ResultID)
		}
		return strings.Join(out, ",")
	}
	if got := ids("ru"); got != "3,1,2" {
		t.Errorf("ru winners %s, want 3,1,2 (by Wilson lower bound)", got)
	}
	if got := ids("en"); got != "8,7" {
		t.Errorf("en winners %s, want 8,7 (newest first on a tie)", got)
	}
	if got := ids("other"); got != "6" {
		t.Errorf("other winners %s, want 6", got)
	}
	if w := ex.Groups["ru"][0]; w.Votes != 33 || w.For != 30 || strings.Join(w.Captions, "|") != "A 3|B 3|Me" || w.Template != "two-buttons" {
		t.Errorf("winner %+v", w)
	}
	if got := PickWinners(items, now, true); len(got.Groups["ru"]) != 4 {
		t.Errorf("simulated battles allowed: %d ru winners, want 4", len(got.Groups["ru"]))
	}

	h := NewExampleHolder()
	if len(h.For("ru", 3)) != 0 {
		t.Error("a new holder has examples")
	}
	h.ex.Store(&ex)
	if got := h.For("de", 2); len(got) != 1 || got[0].ResultID != "6" {
		t.Errorf("German winners: %+v", got)
	}
	if got := h.For("uk", 2); len(got) != 0 {
		t.Errorf("a Ukrainian request is shown another language's winners: %+v", got)
	}
	if got := h.For("ru", 2); len(got) != 2 {
		t.Errorf("For ru, 2: %d", len(got))
	}
}
