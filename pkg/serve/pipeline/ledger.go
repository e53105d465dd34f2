package pipeline

import (
	"context"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/wait"
)

// spend books the request's cost against the day's dollars, past the
// answer like the record (a failure is logged: the budget is a cap, not
// a ledger; the provider's usage logs are).
func (p *Pipeline) spend(ctx context.Context, r *run) {
	if p.o.Budget == nil || r.rec.CostUSD <= 0 {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budgetTimeout)
	defer cancel()
	if err := p.o.Budget.Spend(sctx, r.rec.CostUSD); err != nil {
		p.o.Logger.WarnContext(ctx, "daily budget: booking the cost failed", "cost_usd", r.rec.CostUSD, "error", err)
	}
}

// checkBudget takes the request's provider calls from the daily budget;
// past it the request is marked over budget (and so answered offline). A
// store that fails or is slow lets the request through: the budget is a
// cap against abuse, and the arena's answer matters more than a few calls.
func (p *Pipeline) checkBudget(ctx context.Context, r *run) {
	if p.o.Budget == nil {
		return
	}
	bctx, cancel := context.WithTimeout(ctx, budgetTimeout)
	defer cancel()
	ok, err := p.o.Budget.Take(bctx)
	switch {
	case err != nil:
		p.o.Logger.WarnContext(ctx, "daily budget unreadable; going on", "error", err)
	case !ok:
		r.overBudget = true
		r.fallback("budget")
		p.o.Logger.WarnContext(ctx, "daily provider budget spent; answering offline")
	}
}

// replay claims the result_id. If another request has it, replay answers
// with that request's answer (a fresh link to the same file), waiting for
// it within the deadline. ok is false when this request should make the
// meme itself.
func (p *Pipeline) replay(ctx context.Context, r *run) (meme.Answer, bool) {
	if !r.req.HasResultID || p.o.Results == nil {
		return meme.Answer{}, false
	}
	log := p.o.Logger
	cctx, cancel := context.WithTimeout(ctx, claimTimeout)
	hash := meme.PromptHash(r.req.Prompt)
	c, err := p.o.Results.Claim(cctx, r.req.ResultID, hash, r.arrived, r.arrived.Add(-staleClaim))
	cancel()
	if err != nil {
		// Without the table we cannot deduplicate; answering matters more.
		log.WarnContext(ctx, "claim failed; generating without deduplication", "error", err)
		return meme.Answer{}, false
	}
	if c.Claimed {
		return meme.Answer{}, false
	}
	if c.PromptHash != "" && c.PromptHash != hash {
		// Another prompt holds this result_id: replaying would let anyone
		// who guesses a future id pre-set the meme the arena gets. This
		// request gets its own meme; the first record stays as it was.
		r.conflict = true
		log.WarnContext(ctx, "result_id claimed with another prompt; answering without replay, recorded beside the claim")
		cctx, cancel := context.WithTimeout(ctx, claimTimeout)
		if err := p.o.Results.Conflict(cctx, r.req.ResultID); err != nil {
			log.WarnContext(ctx, "count conflict failed", "error", err)
		}
		cancel()
		return meme.Answer{}, false
	}
	start := time.Now()
	defer r.stage(StageReplay, start)
	for c.State != meme.StatusDone {
		if time.Until(r.answerBy) < finishReserve {
			log.WarnContext(ctx, "duplicate request: the first is still working; answering with text")
			r.rung = rungDuplicate
			return meme.Answer{Type: meme.TypeText, Text: meme.TextMeme(r.req.Prompt, r.lang())}, true
		}
		_ = wait.Sleep(ctx, pollEvery) // at the deadline the loop's check answers
		lctx, cancel := context.WithTimeout(ctx, claimTimeout)
		next, err := p.o.Results.Lookup(lctx, r.req.ResultID)
		cancel()
		if err != nil {
			log.WarnContext(ctx, "lookup failed while waiting for a duplicate", "error", err)
			continue
		}
		c = next
	}
	r.rung = rungReplay
	if c.Type == meme.TypeImage || c.Type == meme.TypeVideo {
		url, err := p.o.Media.URL(ctx, c.MediaKey)
		if err == nil {
			log.InfoContext(ctx, "replayed a finished result", "media_key", c.MediaKey)
			return meme.Answer{Type: c.Type, URL: url}, true
		}
		log.ErrorContext(ctx, "replay: link failed; answering with text", "media_key", c.MediaKey, "error", err)
	}
	text := c.Text
	if text == "" {
		text = meme.TextMeme(r.req.Prompt, r.lang())
	}
	return meme.Answer{Type: meme.TypeText, Text: text}, true
}

// record writes the result item, marking it done for duplicates; it is
// retried while the budget lasts, and its failure is logged, never
// answered.
func (p *Pipeline) record(ctx context.Context, r *run, ans meme.Answer) {
	r.rec.LatencyMS = time.Since(r.arrived).Milliseconds()
	r.rec.StageMS = r.stageNames()
	p.o.Logger.InfoContext(ctx, "answer", "type", ans.Type, "strategy", r.rec.Strategy, "rung", r.rung,
		"fallback", r.rec.Fallback, "latency_ms", r.rec.LatencyMS, "stage_ms", r.rec.StageMS, "bytes", r.rec.Bytes)
	if !r.req.HasResultID || p.o.Results == nil {
		return
	}
	r.rec.ResultID = r.req.ResultID
	r.rec.CreatedAt = r.arrived
	r.rec.Prompt = r.req.Prompt
	r.rec.Status = meme.StatusDone
	if r.conflict {
		// Another prompt claimed this id first: the claim's answer stays
		// the item's, and this one is kept beside it under its prompt's
		// hash, so the battle of this prompt (the arena's) finds it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), max(recordMin, time.Until(r.answerBy)))
		defer cancel()
		if err := p.o.Results.PutConflict(rctx, r.req.ResultID, meme.PromptHash(r.req.Prompt), r.rec); err != nil {
			p.o.Logger.ErrorContext(ctx, "recording the conflicting answer failed", "error", err)
		}
		return
	}
	// The answer is made; the record may run a moment past the deadline
	// context (never past the Lambda's), and is retried inside that.
	until := r.answerBy
	if min := time.Now().Add(recordMin); until.Before(min) {
		until = min
	}
	rctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), until)
	defer cancel()
	start := time.Now()
	defer r.stage(StageRecord, start)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = p.o.Results.PutGeneration(rctx, r.rec); err == nil {
			return
		}
		if wait.Sleep(rctx, time.Duration(50*(attempt+1))*time.Millisecond) != nil {
			break
		}
	}
	p.o.Logger.ErrorContext(ctx, "record failed; the answer stands", "error", err)
}
