// Package learn is the policy that learns from the arena's votes: Beta
// posteriors of the reward (win 1, tie ½, loss and meh 0) of each arm —
// recipe × language group × prompt kind — and of each template, computed
// from the results table by the stats function, and Thompson sampling over
// them in predict, with a share of uniform exploration and the propensity
// of every choice recorded for off-policy analysis.
package learn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"punchline/pkg/meme"
)

// Beta is a Beta(A, B) posterior; N is the (decayed) battles behind it.
type Beta struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
	N float64 `json:"n"`
}

// Mean is the posterior mean.
func (b Beta) Mean() float64 { return b.A / (b.A + b.B) }

// Interval is the central 95% interval, by the normal approximation of
// the Beta (good enough to show; draws use the exact distribution).
func (b Beta) Interval() (lo, hi float64) {
	n := b.A + b.B
	m := b.Mean()
	sd := math.Sqrt(m * (1 - m) / (n + 1))
	return math.Max(0, m-1.96*sd), math.Min(1, m+1.96*sd)
}

// Draw samples the Beta distribution.
func (b Beta) Draw(rng *rand.Rand) float64 {
	x := gamma(b.A, rng)
	y := gamma(b.B, rng)
	if x+y == 0 {
		return 0.5
	}
	return x / (x + y)
}

// gamma samples Gamma(k, 1) (Marsaglia and Tsang; boosted for k < 1).
func gamma(k float64, rng *rand.Rand) float64 {
	if k <= 0 {
		return 0
	}
	if k < 1 {
		return gamma(k+1, rng) * math.Pow(rng.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// Policy is what the stats function learned, as predict reads it.
type Policy struct {
	Version   string          `json:"version"`   // when it was computed, meme.TimeLayout
	Window    string          `json:"window"`    // outcomes considered
	HalfLife  string          `json:"half_life"` // decay of old outcomes
	Battles   int             `json:"battles"`   // decided battles counted
	Prior     Beta            `json:"prior"`     // the pooled prior every posterior starts from
	Arms      map[string]Beta `json:"arms"`      // by ArmKey
	Templates map[string]Beta `json:"templates"` // by template id
	// ImageModels is the evidence on image models, best first: predict
	// tries the configured models in this order.
	ImageModels []ModelScore `json:"image_models,omitempty"`
}

// Language groups and prompt kinds of an arm.
const (
	KindStatement  = "statement"
	KindTranscript = "transcript"
)

// LangGroup puts a language in its arm group: ru, en or other.
func LangGroup(lang string) string {
	switch lang {
	case "ru", "en":
		return lang
	}
	return "other"
}

// KindOf is a prompt's kind for the arms: a chat transcript or a statement.
func KindOf(prompt string) string {
	if meme.ShapeOf(prompt).Kind == "dialogue" {
		return KindTranscript
	}
	return KindStatement
}

// ArmKey names an arm: recipe/lang-group/kind.
func ArmKey(recipe, lang, kind string) string { return recipe + "/" + LangGroup(lang) + "/" + kind }

// Reward of a decided outcome; ok is false for undecided ones.
func Reward(outcome string) (r float64, ok bool) {
	switch outcome {
	case "win":
		return 1, true
	case "tie":
		return 0.5, true
	case "loss", "meh":
		return 0, true
	}
	return 0, false
}

// Settings of Compute.
type Settings struct {
	Window   time.Duration // POLICY_WINDOW
	HalfLife time.Duration // POLICY_HALF_LIFE
	Strength float64       // weight of the pooled prior, in battles
}

// Compute recomputes the policy from result items (as the stores scan
// them) at now: every decided battle of ours inside the window, battles
// against ourselves excluded, weighted by 0.5^(age/half-life), into Beta
// posteriors that start from a prior pooled over all arms. It is a pure
// function of the table: revised votes are read again, never added twice.
func Compute(items []map[string]any, now time.Time, s Settings) Policy {
	if s.Strength <= 0 {
		s.Strength = 4
	}
	ours := map[string]bool{}
	for _, it := range items {
		if _, ok := it["created_at"]; ok {
			ours[str(it["result_id"])] = true
		}
	}
	type obs struct {
		arm, tpl string
		w, r     float64
	}
	var all []obs
	var sumW, sumWR float64
	for _, it := range items {
		r, ok := Reward(str(it["outcome"]))
		if !ok || ours[str(it["opponent_result_id"])] {
			continue
		}
		at, err := time.Parse(meme.TimeLayout, str(it["battle_date"]))
		if err != nil {
			if at, err = time.Parse(meme.TimeLayout, str(it["created_at"])); err != nil {
				continue
			}
		}
		age := now.Sub(at)
		if age > s.Window || age < -time.Hour {
			continue
		}
		w := math.Pow(0.5, math.Max(0, age.Hours())/s.HalfLife.Hours())
		o := obs{w: w, r: r, tpl: str(it["template"])}
		if recipe := str(it["recipe"]); recipe != "" {
			o.arm = ArmKey(recipe, str(it["lang"]), KindOf(str(it["prompt"])))
		}
		all = append(all, o)
		sumW += w
		sumWR += w * r
	}
	mean := 0.5
	if sumW > 0 {
		mean = math.Min(0.95, math.Max(0.05, sumWR/sumW))
	}
	p := Policy{
		Version: now.UTC().Format(meme.TimeLayout), Window: s.Window.String(), HalfLife: s.HalfLife.String(),
		Battles: len(all), Prior: Beta{A: mean * s.Strength, B: (1 - mean) * s.Strength},
		Arms: map[string]Beta{}, Templates: map[string]Beta{},
	}
	add := func(m map[string]Beta, key string, o obs) {
		if key == "" {
			return
		}
		b, ok := m[key]
		if !ok {
			b = p.Prior
			b.N = 0
		}
		b.A += o.w * o.r
		b.B += o.w * (1 - o.r)
		b.N += o.w
		m[key] = b
	}
	for _, o := range all {
		add(p.Arms, o.arm, o)
		add(p.Templates, o.tpl, o)
	}
	return p
}

// str is an attribute as text; numbers (json.Number from the local store,
// float64 from DynamoDB) without an exponent, so ids compare as written.
func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case fmt.Stringer:
		return t.String()
	}
	return ""
}

// Choice is one draw of the policy.
type Choice struct {
	Recipe     string
	Propensity float64 // the probability this recipe had of being chosen
	Explore    bool    // drawn uniformly, not by the posteriors
	Version    string  // the policy drawn from
}

// posterior of arm key, the prior when the policy has not seen it.
func (p *Policy) posterior(key string) Beta {
	if b, ok := p.Arms[key]; ok {
		return b
	}
	return p.Prior
}

// Choose draws a recipe among runnable for a prompt of lang and kind by
// Thompson sampling, uniformly with probability explore. The propensity is
// explore/n + (1−explore)·P(recipe has the largest draw), the second term
// estimated from 1000 draws.
func (p *Policy) Choose(runnable []string, lang, kind string, explore float64, rng *rand.Rand) Choice {
	n := len(runnable)
	if n == 0 {
		return Choice{}
	}
	betas := make([]Beta, n)
	for i, r := range runnable {
		betas[i] = p.posterior(ArmKey(r, lang, kind))
	}
	argmax := func() int {
		best, bestV := 0, -1.0
		for i, b := range betas {
			if v := b.Draw(rng); v > bestV {
				best, bestV = i, v
			}
		}
		return best
	}
	const sims = 1000
	wins := make([]int, n)
	for range sims {
		wins[argmax()]++
	}
	c := Choice{}
	var i int
	if rng.Float64() < explore {
		i, c.Explore = rng.IntN(n), true
	} else {
		i = argmax()
	}
	c.Recipe = runnable[i]
	c.Propensity = explore/float64(n) + (1-explore)*float64(wins[i])/sims
	return c
}

// RankTemplates orders template ids by one Thompson draw of each one's
// posterior (unseen templates on the prior, so new ones get shown).
func (p *Policy) RankTemplates(ids []string, rng *rand.Rand) []string {
	type drawn struct {
		id string
		v  float64
	}
	ds := make([]drawn, len(ids))
	for i, id := range ids {
		b, ok := p.Templates[id]
		if !ok {
			b = p.Prior
		}
		ds[i] = drawn{id, b.Draw(rng)}
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].v > ds[j].v })
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.id
	}
	return out
}

// Prior is the policy before any battle: every arm on Beta(1, 1).
func Prior() Policy {
	return Policy{Version: "prior", Prior: Beta{A: 1, B: 1}, Arms: map[string]Beta{}, Templates: map[string]Beta{}}
}
