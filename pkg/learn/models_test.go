package learn

import (
	"strings"
	"testing"
)

// A model that keeps failing or got slow drops below one that answers fast,
// without a deploy; the leaderboard breaks ties; unscored models keep their
// configured place after the scored ones.
func TestModelScoresAndOrder(t *testing.T) {
	var items []map[string]any
	add := func(n int, order []any, used string, ms float64) {
		for range n {
			items = append(items, map[string]any{"image_order": order, "image_model": used, "stage_ms": map[string]any{"image": ms}})
		}
	}
	dev := []any{"flux/dev", "flux/schnell"}
	schnell := []any{"flux/schnell", "flux/dev"}
	add(20, dev, "flux/schnell", 3000) // flux/dev tried first, failed: the hedge answered
	add(5, dev, "flux/dev", 9000)      // and when it answers, slowly
	add(30, schnell, "flux/schnell", 900)
	add(3, schnell, "offline", 0)
	board := []Standing{{Model: "FLUX.1 [dev]", Elo: 1200}, {Model: "FLUX.1 [schnell]", Elo: 1100}}
	scores := ModelScores(items, board)
	if len(scores) != 2 || scores[0].Model != "flux/schnell" {
		t.Fatalf("scores %+v", scores)
	}
	if s := scores[1]; s.Tried != 25 || s.Success > 0.25 || s.LatencyMS != 9000 || s.Elo != 1200 {
		t.Errorf("flux/dev %+v", s)
	}
	p := Prior()
	p.ImageModels = scores
	got := p.Order([]string{"flux/dev", "recraft-v3", "flux/schnell"})
	if strings.Join(got, ",") != "flux/schnell,flux/dev,recraft-v3" {
		t.Errorf("order %v", got)
	}
	prior := Prior()
	if got := prior.Order([]string{"b", "a"}); strings.Join(got, ",") != "b,a" {
		t.Errorf("no evidence: %v", got)
	}
	if !sameModel("flux/schnell", "FLUX.1 [schnell]") || sameModel("flux/dev", "FLUX.1 [schnell]") {
		t.Error("model names")
	}
}
