package learn

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/wait"
)

// ExamplesKey is where the stats function keeps our winning memes, the
// generator's "memes of ours that won".
const ExamplesKey = "examples/latest"

// Winner is one meme of ours that won its battle, as the generator is
// shown it.
type Winner struct {
	ResultID  string   `json:"result_id"`
	CreatedAt string   `json:"created_at"`
	Lang      string   `json:"lang"`
	Prompt    string   `json:"prompt"`
	Recipe    string   `json:"recipe,omitempty"`
	Template  string   `json:"template,omitempty"`
	Captions  []string `json:"captions,omitempty"`
	Text      string   `json:"text,omitempty"` // a text meme's text
	Votes     int64    `json:"votes"`          // votes cast on its battle (ties and mehs included)
	For       float64  `json:"for"`            // votes for it (a tie counts half)
	Score     float64  `json:"score"`          // Wilson lower bound of its share of the votes
}

// Examples are our winners per language group (LangGroup), best first, at
// most keepExamples of each language.
type Examples struct {
	Version string              `json:"version"`
	Groups  map[string][]Winner `json:"groups"`
}

// Example choice.
const (
	MinExampleVotes = 3 // fewer votes say nothing about the meme
	keepExamples    = 6 // per language
	wilsonZ         = 1.96
	maxExampleText  = 280
)

// exampleFields are the attributes PickWinners reads.
var exampleFields = []string{"created_at", "lang", "prompt", "recipe", "template", "candidates", "pick", "text", "type",
	"outcome", "side", "votes_first", "votes_second", "votes_tie", "votes_meh", "opponent_result_id", "battle_id"}

// Wilson is the lower bound of the Wilson score interval (95%) of k
// successes in n trials: a meme with 9 of 10 votes beats one with 1 of 1.
func Wilson(k, n float64) float64 {
	lo, _ := WilsonInterval(k, n, wilsonZ)
	return lo
}

// WilsonInterval is the Wilson score interval for k successes in n trials
// at z standard deviations (1.96 for 95%); (0, 0) when n is 0.
func WilsonInterval(k, n, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 0
	}
	p, z2 := k/n, z*z
	centre := (p + z2/(2*n)) / (1 + z2/n)
	half := z / (1 + z2/n) * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// PickWinners chooses, per language group, the memes of ours that won
// their battle against another agent with at least MinExampleVotes votes,
// ranked by the Wilson lower bound of their share of the votes, the newest
// first on ties. Simulated battles (a stand-in arena's) count only when
// simulated is true (tests and local runs).
func PickWinners(items []map[string]any, now time.Time, simulated bool) Examples {
	ours := map[string]bool{}
	for _, it := range items {
		if _, ok := it["created_at"]; ok {
			ours[str(it["result_id"])] = true
		}
	}
	ex := Examples{Version: now.UTC().Format(meme.TimeLayout), Groups: map[string][]Winner{}}
	for _, it := range items {
		if str(it["outcome"]) != "win" || ours[str(it["opponent_result_id"])] || str(it["prompt"]) == "" {
			continue
		}
		if id, err := strconv.ParseInt(str(it["battle_id"]), 10, 64); err == nil && id >= meme.SimulatedBattles && !simulated {
			continue
		}
		first, second := votes(it["votes_first"]), votes(it["votes_second"])
		tie, meh := votes(it["votes_tie"]), votes(it["votes_meh"])
		mine, theirs := first, second
		if str(it["side"]) == "2" {
			mine, theirs = second, first
		}
		n := mine + theirs + tie + meh
		if n < MinExampleVotes {
			continue
		}
		w := Winner{ResultID: str(it["result_id"]), CreatedAt: str(it["created_at"]), Lang: str(it["lang"]), Prompt: meme.Truncate(str(it["prompt"]), maxExampleText),
			Recipe: str(it["recipe"]), Template: str(it["template"]), Votes: int64(n), For: mine + tie/2}
		w.Score = Wilson(w.For, n)
		if !winnerMeme(&w, it) {
			continue
		}
		g := LangGroup(str(it["lang"]))
		ex.Groups[g] = append(ex.Groups[g], w)
	}
	for g, ws := range ex.Groups {
		sort.SliceStable(ws, func(i, j int) bool {
			if ws[i].Score != ws[j].Score {
				return ws[i].Score > ws[j].Score
			}
			return ws[i].CreatedAt > ws[j].CreatedAt
		})
		kept, per := ws[:0], map[string]int{}
		for _, w := range ws {
			if per[w.Lang] < keepExamples {
				kept = append(kept, w)
				per[w.Lang]++
			}
		}
		ex.Groups[g] = kept
	}
	return ex
}

// votes is a vote count as stored; anything but a finite count is none.
func votes(v any) float64 {
	n := num(v)
	if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
		return 0
	}
	return math.Floor(n)
}

// winnerMeme fills w with what voters saw: the picked candidate's captions
// (or the text of a text meme); false when the item holds neither.
func winnerMeme(w *Winner, it map[string]any) bool {
	if str(it["type"]) == meme.TypeText {
		w.Text = meme.Truncate(meme.CleanText(str(it["text"])), maxExampleText)
		return w.Text != ""
	}
	cands, _ := it["candidates"].([]any)
	pick, err := strconv.Atoi(str(it["pick"]))
	if err != nil || pick < 0 || pick >= len(cands) {
		return false
	}
	c, _ := cands[pick].(map[string]any)
	caps, _ := c["captions"].([]any)
	for _, x := range caps {
		if s := meme.Truncate(meme.CleanText(str(x)), 200); s != "" {
			w.Captions = append(w.Captions, s)
		}
	}
	return len(w.Captions) > 0
}

// UpdateExamples recomputes our winners from the results created in
// window and saves them as examples/latest. It runs after each stats pass.
func UpdateExamples(ctx context.Context, res Results, st Saver, now time.Time, window time.Duration, simulated bool) (Examples, error) {
	ids, err := res.Created(ctx, now.Add(-window), now)
	if err != nil {
		return Examples{}, fmt.Errorf("examples: recent results: %w", err)
	}
	items, err := res.Fetch(ctx, ids, exampleFields...)
	if err != nil {
		return Examples{}, fmt.Errorf("examples: read results: %w", err)
	}
	ex := PickWinners(items, now, simulated)
	if err := st.Save(ctx, ExamplesKey, ex); err != nil {
		return ex, fmt.Errorf("examples: save: %w", err)
	}
	return ex, nil
}

// ExampleHolder keeps the winners predict shows; it is swapped whole.
type ExampleHolder struct {
	ex atomic.Pointer[Examples]
}

// NewExampleHolder starts with none.
func NewExampleHolder() *ExampleHolder {
	h := &ExampleHolder{}
	h.ex.Store(&Examples{})
	return h
}

// For is up to n winners in lang, best first.
func (h *ExampleHolder) For(lang string, n int) []Winner {
	var out []Winner
	for _, w := range h.ex.Load().Groups[LangGroup(lang)] {
		if w.Lang == lang && len(out) < n {
			out = append(out, w)
		}
	}
	return out
}

// Refresh reads examples/latest; one that cannot be read keeps what the
// holder has (winners change slowly), with a warning.
func (h *ExampleHolder) Refresh(ctx context.Context, st Loader, log *slog.Logger) {
	var ex Examples
	found, err := st.Load(ctx, ExamplesKey, &ex)
	switch {
	case err != nil:
		log.WarnContext(ctx, "winning examples unreadable; keeping the last", "error", err)
	case !found:
		log.InfoContext(ctx, "no winning examples yet")
	default:
		h.ex.Store(&ex)
		n := 0
		for _, ws := range ex.Groups {
			n += len(ws)
		}
		log.InfoContext(ctx, "winning examples loaded", "version", ex.Version, "examples", n)
	}
}

// Watch refreshes the examples every interval until ctx ends.
func (h *ExampleHolder) Watch(ctx context.Context, st Loader, every time.Duration, log *slog.Logger) {
	wait.Every(ctx, every, func(time.Time) { h.Refresh(ctx, st, log) })
}
