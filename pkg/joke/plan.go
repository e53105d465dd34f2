package joke

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"punchline/pkg/media/templates"
	"punchline/pkg/meme"
)

// Templates is the template library the engine draws its shortlist from.
type Templates interface {
	Get(id string) *templates.Template
	Usable() []*templates.Template
}

// PlanShare is the share of the answer budget (before the finishing
// reserve) a pipeline gives the engine: writing and judging take longer
// than one plan, and the winner's picture still needs its time.
const PlanShare = 0.6

// Judging budget: the judge gets at most JudgeSlice, and never more than
// judgeShare of the planning time left when the generator is done.
const (
	JudgeSlice = 2500 * time.Millisecond
	judgeShare = 0.5
	// Drawing the candidates for a judge that looks may take this share of
	// its slice; later, it judges from the descriptions.
	pictureShare = 0.4
)

// Plan writes candidates for prompt, has them judged, and returns the
// winner as a plan with the record of how it was chosen. ctx's deadline is
// the whole planning budget: the generator may use it less the judge's
// slice. A judge that fails, is late or answers nonsense leaves the
// generator's favourite as the winner. Plan fails only when the generator
// does (no usable candidate in time).
func (e *Engine) Plan(ctx context.Context, prompt string) (meme.Plan, error) {
	lib := e.o.Templates
	if lib == nil {
		lib = templates.NewLibrary()
	}
	rng := e.rng()
	b := e.Brief(prompt, usableHere(lib.Usable(), e.o.Can.Video), rng)
	if len(b.Recipes) == 0 {
		return meme.Plan{}, errors.New("joke: no recipe can run here")
	}
	gctx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		gctx, cancel = context.WithDeadline(ctx, dl.Add(-min(e.judgeSlice(), time.Duration(float64(time.Until(dl))*judgeShare))))
		defer cancel()
	}
	drawn := meme.Choice{Recipe: b.Draw.Recipe, Propensity: b.Draw.Propensity, PolicyVersion: b.Draw.Version, Explore: b.Draw.Explore}
	cands, writer, err := e.Generate(gctx, b, lib)
	if err != nil {
		// The arm drawn is recorded even when a fallback answers.
		return meme.Plan{Choice: drawn}, err
	}
	pick := Favourite(cands)
	var rank []int
	var judgeMS int64
	judge := e.JudgeModel()
	if len(cands) > 1 && e.o.Judge != nil && judge != "" {
		start := time.Now()
		rank = e.judge(ctx, judge, b, cands, lib, rng)
		judgeMS = time.Since(start).Milliseconds()
		if len(rank) > 0 {
			pick = rank[0]
		}
	}
	// The holdout: a uniformly random candidate answers instead of the
	// judged winner, so the report can set what judging wins against it.
	holdout := len(rank) > 0 && e.o.Holdout > 0 && rng.Float64() < e.o.Holdout
	if holdout {
		pick = rng.IntN(len(cands))
	}
	plan := Plan(cands[pick], b.Lang)
	plan.LangConfidence = b.LangConfidence
	plan.Choice = drawn
	plan.ChatModel = writer
	plan.Recipe, plan.Candidates, plan.Pick = cands[pick].Recipe, cands, pick
	if len(cands) > 1 && judge != "" && e.o.Judge != nil {
		plan.JudgeModel, plan.JudgeRank, plan.JudgeMS = judge, rank, judgeMS
	}
	plan.Holdout = holdout
	return plan, nil
}

// judge ranks cands shown in a shuffled order, and, with time to spare,
// again in the reverse order at the same time; the two rankings are
// combined. nil when no judging succeeded in time.
func (e *Engine) judge(ctx context.Context, model string, b Brief, cands []meme.Candidate, lib Library, rng *rand.Rand) []int {
	slice := e.judgeSlice()
	if dl, ok := ctx.Deadline(); ok {
		slice = min(slice, time.Until(dl))
	}
	jctx, cancel := context.WithTimeout(ctx, slice)
	defer cancel()
	order := rng.Perm(len(cands))
	// Whether there is time for a second judging is decided first: drawing
	// the pictures uses some of it.
	orders := [][]int{order}
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) >= 2*e.judgeSlice() {
		rev := make([]int, len(order))
		for i, c := range order {
			rev[len(order)-1-i] = c
		}
		orders = append(orders, rev)
	}
	var pictures map[int][]byte
	if e.vision(model) {
		pictures = e.pictures(jctx, cands, lib, b.Lang, slice)
	}
	type result struct {
		rank []int
		err  error
	}
	results := make(chan result, len(orders))
	for _, o := range orders {
		go func() {
			r, err := e.Judge(jctx, model, b, cands, o, lib, pictures)
			results <- result{r, err}
		}()
	}
	var got [][]int
	var failed []error
	for range orders {
		if r := <-results; r.err == nil {
			got = append(got, r.rank)
		} else {
			failed = append(failed, r.err)
		}
	}
	if len(got) == 0 {
		// The generator's favourite answers; why the judge did not is what
		// an operator needs to see (the pipeline counts JudgeFailed).
		e.log().WarnContext(ctx, "judge failed; the generator's favourite wins", "judge_model", model, "error", failed[0], "judgings", len(orders))
		return nil
	}
	return Combine(got...)
}

// judgeSlice is the judge's time (Options.JudgeSlice, else JudgeSlice).
func (e *Engine) judgeSlice() time.Duration {
	if e.o.JudgeSlice > 0 {
		return e.o.JudgeSlice
	}
	return JudgeSlice
}

// pictures draws the candidates for the judge within pictureShare of its
// slice: drawing is CPU work the deadline cannot interrupt, so it runs
// aside, and a judge whose pictures are late judges the descriptions (the
// drawing finishes and is dropped).
func (e *Engine) pictures(ctx context.Context, cands []meme.Candidate, lib Library, lang string, slice time.Duration) map[int][]byte {
	done := make(chan map[int][]byte, 1)
	go func() { done <- Pictures(cands, lib, lang) }()
	t := time.NewTimer(time.Duration(float64(slice) * pictureShare))
	defer t.Stop()
	select {
	case p := <-done:
		return p
	case <-t.C:
	case <-ctx.Done():
	}
	e.log().WarnContext(ctx, "candidate pictures late; the judge reads descriptions", "after", time.Duration(float64(slice)*pictureShare))
	return nil
}

func (e *Engine) rng() *rand.Rand {
	if e.o.Rand != nil {
		return e.o.Rand()
	}
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

// usableHere drops clip templates where no video can be made.
func usableHere(ts []*templates.Template, video bool) []*templates.Template {
	var out []*templates.Template
	for _, t := range ts {
		if t.Kind != templates.KindClip || video {
			out = append(out, t)
		}
	}
	return out
}
