package learn_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"punchline/pkg/learn"
	"punchline/pkg/meme"
	"punchline/pkg/platform/httpretry"
	"punchline/pkg/stats/arena"
	"punchline/pkg/stats/arena/arenatest"
	"punchline/pkg/stats/statsync"
	"punchline/pkg/store/local"
)

// The simulated arena: our recipes have hidden win rates against a pool of
// opponents; votes arrive hours after a battle and some flip a day later;
// one recipe gets much better half-way. Battles flow through the real stats
// code (the arena client and statsync against the arena test server, the
// local store, learn.Update) and choices through learn's Choose, as predict
// makes them.
type sim struct {
	battles   int           // how many
	every     time.Duration // simulated time between battles
	passEvery int           // a stats pass every this many battles
	drift     int           // battle at which the drifting arm changes
	seed      uint64
}

var (
	recipes = []string{"scene", "template", "reaction", "text"}
	// rates of each recipe before and after the drift (text improves).
	before = map[string]float64{"scene": 0.45, "template": 0.60, "reaction": 0.50, "text": 0.30}
	after  = map[string]float64{"scene": 0.45, "template": 0.60, "reaction": 0.50, "text": 0.75}
)

type chooser func(p *learn.Policy, rng *rand.Rand) string

func ours(p *learn.Policy, rng *rand.Rand) string {
	return p.Choose(recipes, "ru", learn.KindStatement, 0.1, rng).Recipe
}

func uniform(_ *learn.Policy, rng *rand.Rand) string { return recipes[rng.IntN(len(recipes))] }

// epsGreedy exploits the best posterior mean (the table's decayed win
// rate), exploring uniformly with probability 0.1.
func epsGreedy(p *learn.Policy, rng *rand.Rand) string {
	if rng.Float64() < 0.1 {
		return uniform(p, rng)
	}
	best, bestMean := recipes[0], -1.0
	for _, r := range recipes {
		b, ok := p.Arms[learn.ArmKey(r, "ru", learn.KindStatement)]
		m := p.Prior.Mean()
		if ok {
			m = b.Mean()
		}
		if m > bestMean {
			best, bestMean = r, m
		}
	}
	return best
}

type result struct {
	regret   float64
	detected int // battles after the drift until the improved arm takes most choices; -1 never
	shares   map[string]int
}

func (s sim) run(t testing.TB, choose chooser) result {
	ctx := context.Background()
	dir := t.TempDir()
	res, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	st, err := local.OpenState(filepath.Join(dir, "state.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := arenatest.New()
	defer srv.Close()
	client := arena.New(&httpretry.Client{HTTP: &http.Client{Timeout: time.Minute}}, srv.BattlesURL(), "")

	rng := rand.New(rand.NewPCG(s.seed, s.seed+1))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }
	policy := learn.Prior()
	settings := learn.Settings{Window: 28 * 24 * time.Hour, HalfLife: 7 * 24 * time.Hour}

	type pending struct {
		id       int64
		reveal   time.Time
		flip     time.Time
		win      bool
		flipped  bool
		revealed bool
	}
	var queue []*pending
	out := result{detected: -1, shares: map[string]int{}}
	var recent []string
	for i := 0; i < s.battles; i++ {
		rates := before
		if i >= s.drift {
			rates = after
		}
		best := 0.0
		for _, r := range rates {
			best = math.Max(best, r)
		}
		recipe := choose(&policy, rng)
		out.shares[recipe]++
		out.regret += best - rates[recipe]
		if i >= s.drift && out.detected < 0 {
			recent = append(recent, recipe)
			if len(recent) > 200 {
				recent = recent[1:]
			}
			n := 0
			for _, r := range recent {
				if r == "text" {
					n++
				}
			}
			if len(recent) == 200 && n > 100 {
				out.detected = i - s.drift
			}
		}
		id := int64(i + 1)
		if err := res.PutGeneration(ctx, meme.Record{ResultID: id, CreatedAt: now, Prompt: "кот", Lang: "ru", Type: "image",
			Strategy: "llm-" + recipe, Status: meme.StatusDone, Choice: meme.Choice{Recipe: recipe}}); err != nil {
			t.Fatal(err)
		}
		srv.Put(arenatest.Item{BattleID: id, Date: now, Prompt: "кот", Result1ID: id, Result2ID: 1_000_000 + id})
		queue = append(queue, &pending{id: id, reveal: now.Add(time.Duration(1+rng.IntN(6)) * time.Hour),
			flip: now.Add(24 * time.Hour), win: rng.Float64() < rates[recipe]})
		now = now.Add(s.every)

		// Votes arrive, and a tenth of them turn around a day later.
		keep := queue[:0]
		for _, p := range queue {
			if !p.revealed && !now.Before(p.reveal) {
				p.revealed = true
				setVotes(srv, p.id, p.win)
			}
			if p.revealed && !p.flipped && !now.Before(p.flip) {
				p.flipped = true
				if rng.Float64() < 0.1 {
					p.win = rng.Float64() < rates[recipeOf(res, p.id)]
					setVotes(srv, p.id, p.win)
				}
			}
			if !p.flipped {
				keep = append(keep, p)
			}
		}
		queue = keep

		if (i+1)%s.passEvery == 0 {
			if _, err := statsync.Run(ctx, statsync.Options{Arena: client, Results: res, State: st, Now: clock, RefreshWindow: 72 * time.Hour}); err != nil {
				t.Fatalf("stats pass: %v", err)
			}
			if policy, err = learn.Update(ctx, res, st, now, settings); err != nil {
				t.Fatalf("policy: %v", err)
			}
		}
	}
	return out
}

func recipeOf(res *local.Results, id int64) string {
	it, _ := res.Get(strconv.FormatInt(id, 10))
	r, _ := it["recipe"].(string)
	return r
}

func setVotes(srv *arenatest.Server, id int64, win bool) {
	srv.Update(id, func(it *arenatest.Item) {
		if win {
			it.Result, it.Votes = "first", map[string]int64{"first": 7, "second": 3}
		} else {
			it.Result, it.Votes = "second", map[string]int64{"first": 3, "second": 7}
		}
	})
}

func (s sim) compare(t testing.TB) (ours_, uni, eps result) {
	return s.run(t, ours), s.run(t, uniform), s.run(t, epsGreedy)
}

// A short simulated arena in make test: Thompson sampling beats uniform
// choice by a wide margin and at least matches ε-greedy.
func TestSimulatedArena(t *testing.T) {
	s := sim{battles: 2400, every: 10 * time.Minute, passEvery: 100, drift: 1200, seed: 7}
	o, u, e := s.compare(t)
	t.Logf("regret after %d battles: ours %.1f, uniform %.1f, ε-greedy %.1f; drift detected after %d; shares %v",
		s.battles, o.regret, u.regret, e.regret, o.detected, o.shares)
	if o.regret > 0.6*u.regret {
		t.Errorf("ours %.1f vs uniform %.1f", o.regret, u.regret)
	}
}

// BenchmarkPolicy (make bench-policy): 10,000 battles, the regret table and
// how fast the drifting arm is found.
func BenchmarkPolicy(b *testing.B) {
	for b.Loop() {
		s := sim{battles: 10000, every: 10 * time.Minute, passEvery: 100, drift: 5000, seed: 11}
		o, u, e := s.compare(b)
		fmt.Printf("cumulative regret after %d battles (%d simulated days; the drift at battle %d):\n", s.battles, int(time.Duration(s.battles)*s.every/(24*time.Hour)), s.drift)
		fmt.Printf("  %-22s %8.1f  (%.2fx uniform)  drift found after %d battles\n", "Thompson (ours)", o.regret, o.regret/u.regret, o.detected)
		fmt.Printf("  %-22s %8.1f  (%.2fx uniform)  drift found after %d battles\n", "ε-greedy (ε = 0.1)", e.regret, e.regret/u.regret, e.detected)
		fmt.Printf("  %-22s %8.1f\n", "uniform", u.regret)
		fmt.Printf("  ours' choices: %v\n", o.shares)
		b.ReportMetric(o.regret, "ours-regret")
		b.ReportMetric(u.regret, "uniform-regret")
		b.ReportMetric(e.regret, "eps-regret")
		if o.regret > 0.5*u.regret || o.regret >= e.regret || o.detected < 0 || o.detected > 1500 {
			b.Errorf("targets missed")
		}
	}
}
