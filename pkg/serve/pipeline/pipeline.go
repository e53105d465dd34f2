// Package pipeline turns a request into the best answer it can make before
// the deadline: plan → picture → captions → JPEG → store → record, with a
// ladder of fallbacks (offline plan or background, then text) so a failure
// of ours never reaches the arena as an error. The picture is started from
// the raw prompt while the planner runs, slow image calls are hedged with
// the next model, and a result_id is claimed first so a retried or
// duplicate request gets the same answer instead of a second meme.
package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"punchline/pkg/media/offline"
	"punchline/pkg/media/render"
	"punchline/pkg/media/templates"
	"punchline/pkg/media/video"
	"punchline/pkg/meme"
	"punchline/pkg/platform/wait"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/serve/hedge"
)

// Planner plans the joke.
type Planner interface {
	Plan(ctx context.Context, prompt string) (meme.Plan, error)
}

// Imager makes pictures with the models it has, in preference order.
type Imager interface {
	Models() []string
	GenerateWith(ctx context.Context, model, prompt string) (image.Image, error)
}

// Media stores finished files and hands out links to them.
type Media interface {
	Put(ctx context.Context, key, contentType string, body []byte) error
	URL(ctx context.Context, key string) (string, error)
}

// Results records what we answered, and claims a result_id before the
// work starts so duplicates find it.
type Results interface {
	PutGeneration(ctx context.Context, rec meme.Record) error
	Claim(ctx context.Context, id int64, promptHash string, at, staleBefore time.Time) (meme.Claim, error)
	Conflict(ctx context.Context, id int64) error
	PutConflict(ctx context.Context, id int64, promptHash string, rec meme.Record) error
	Lookup(ctx context.Context, id int64) (meme.Claim, error)
}

// Clipper renders MP4 clips (video.Renderer); nil when ffmpeg is absent.
type Clipper interface {
	Render(ctx context.Context, s video.Spec) ([]byte, error)
	RenderClip(ctx context.Context, s video.ClipSpec) ([]byte, error)
}

// Templates is the meme template library (templates.Library).
type Templates interface {
	Get(id string) *templates.Template
	Usable() []*templates.Template
}

// Speaker reads a caption aloud (tts.Client).
type Speaker interface {
	Speak(ctx context.Context, text string) ([]byte, error)
}

// Budget caps provider spending (budget.Caps): Take reserves one
// request's provider calls, false once the day's calls or dollars are
// spent; Spend books what the request cost.
type Budget interface {
	Take(ctx context.Context) (bool, error)
	Spend(ctx context.Context, usd float64) error
}

// Tracer records a finished step of a request (trace.Tracer: an X-Ray
// subsegment under the invocation's trace).
type Tracer interface {
	Span(ctx context.Context, name string, start, end time.Time, failed bool)
}

// Options are the pipeline's dependencies and settings.
type Options struct {
	// Offline: no provider is configured; plans and pictures are made by
	// rule (package offline), and Planner and Imager are not used.
	Offline      bool
	Planner      Planner
	ChatModel    string // recorded as chat_model when the Planner's plan is used
	Imager       Imager
	Media        Media
	Results      Results
	Logger       *slog.Logger
	Deadline     time.Duration // answer this long after arrival (DEADLINE)
	FormatPolicy string        // auto|image|video|text (FORMAT_POLICY)
	HedgeAfter   time.Duration // start the next image model beside a late one; 0: off (HEDGE_AFTER)
	Speculate    bool          // start the picture from the raw prompt while planning (SPECULATE)
	// PlanShare is the share of the time before the finishing reserve the
	// planner may use (0.45 by default; a planner that also judges needs more).
	PlanShare float64
	Video     Clipper   // nil: no video; plans asking for one get a still
	Templates Templates // meme templates; nil: none
	// ModelOrder, when set, orders the image models by evidence (the
	// learned policy); unset, the configured order stands.
	ModelOrder func(models []string) []string
	Voice      Speaker // nil: clips are silent
	// Budget, when set, is asked before a request goes online; past it
	// the request is answered offline (fallback "budget").
	Budget Budget
	Tracer Tracer // nil: no spans
	Now    func() time.Time
}

// Budget shares and waits.
const (
	finishReserve = 1500 * time.Millisecond // render, encode, store, record
	lambdaMargin  = 1 * time.Second         // kept before the Lambda's own deadline
	planShare     = 0.45                    // the planner may use this share of the time before the reserve (PlanShare)
	claimTimeout  = 800 * time.Millisecond  // claiming a result_id must not eat the budget
	budgetTimeout = 300 * time.Millisecond  // the daily budget check; past it the request goes on
	staleClaim    = 20 * time.Second        // a pending claim older than any Lambda run is abandoned
	pollEvery     = 150 * time.Millisecond  // how often a duplicate looks for the answer
	recordMin     = 500 * time.Millisecond  // the record write's least time, even past the deadline
	storeReserve  = 1 * time.Second         // kept for storing the clip (or the still) after a video
	videoMargin   = 1.3                     // a video starts only if the time left covers its estimate this many times
	firstVideoEst = 2500 * time.Millisecond // the estimate before any clip has been measured
	// A picture from the raw prompt is used only when the planned one is
	// this late after it is ready (the planned one matches the captions).
	specGrace      = 2 * time.Second
	imagePromptEnd = " Photographic meme picture. No text, no letters, no captions, no watermark."
	softPrompt     = "A wholesome, family-friendly cartoon illustration, safe for work, gentle humour: "
)

// Rungs of the ladder, as metrics and logs name them.
const (
	rungFull      = "full"       // provider picture with our captions
	rungOffline   = "offline-bg" // captions on the offline background
	rungText      = "text"       // text meme
	rungReplay    = "replay"     // a finished result_id answered again
	rungDuplicate = "duplicate"  // a duplicate that could not wait for the first
	rungTemplate  = "template"   // the planner failed; an offline template meme answered
)

// Pipeline makes memes.
type Pipeline struct {
	o        Options
	videoEst atomic.Int64 // recent clip render time (EWMA), ns
	lastClip atomic.Int64 // when a clip was last tried (Options.Now), unix ns
}

// New returns a pipeline; zero settings get the documented defaults
// (docs/architecture.md, "Configuration").
func New(o Options) *Pipeline {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Deadline <= 0 {
		o.Deadline = 12 * time.Second
	}
	if o.FormatPolicy == "" {
		o.FormatPolicy = "auto"
	}
	if o.PlanShare <= 0 || o.PlanShare >= 1 {
		o.PlanShare = planShare
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Planner == nil || o.Imager == nil {
		o.Offline = true
	}
	p := &Pipeline{o: o}
	p.videoEst.Store(int64(firstVideoEst))
	p.lastClip.Store(o.Now().UnixNano())
	return p
}

// run is one request's working state; only the request's goroutine
// touches it.
type run struct {
	req        meme.Request
	arrived    time.Time
	answerBy   time.Time
	rec        meme.Record
	stageMS    map[Stage]int64
	rung       string
	overBudget bool                                    // the daily provider budget was spent: this request stays offline
	trace      func(name string, start, end time.Time) // nil: no spans
	conflict   bool                                    // the result_id was claimed with another prompt: answer, record nothing
	hedged     bool
	provErrs   int
	spec       bool        // the picture came from the raw prompt
	meter      *aiml.Meter // what the request's provider calls cost, and how they failed
}

// Generate always returns a contract answer, by the deadline.
func (p *Pipeline) Generate(ctx context.Context, req meme.Request, arrived time.Time) meme.Answer {
	if arrived.IsZero() {
		arrived = p.o.Now()
	}
	r := &run{req: req, arrived: arrived, answerBy: arrived.Add(p.o.Deadline), stageMS: map[Stage]int64{}, meter: &aiml.Meter{}}
	ctx = aiml.WithMeter(ctx, r.meter)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-lambdaMargin).Before(r.answerBy) {
		r.answerBy = dl.Add(-lambdaMargin)
	}
	ctx, cancel := context.WithDeadline(ctx, r.answerBy)
	defer cancel()
	if p.o.Tracer != nil {
		r.trace = func(name string, start, end time.Time) { p.o.Tracer.Span(ctx, name, start, end, false) }
	}

	if ans, ok := p.replay(ctx, r); ok {
		p.metrics(ctx, r, ans)
		return ans
	}
	if !p.o.Offline {
		p.checkBudget(ctx, r)
	}
	ans := p.generate(ctx, r)
	r.rec.CostUSD = r.meter.USD()
	p.record(ctx, r, ans)
	p.spend(ctx, r)
	p.metrics(ctx, r, ans)
	return ans
}

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

// offline reports whether r is made without the provider: by
// configuration, or because the day's budget is spent.
func (p *Pipeline) offline(r *run) bool { return p.o.Offline || r.overBudget }

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
			return meme.Answer{Type: meme.TypeText, Text: meme.TextMeme(r.req.Prompt)}, true
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
		text = meme.TextMeme(r.req.Prompt)
	}
	return meme.Answer{Type: meme.TypeText, Text: text}, true
}

func (p *Pipeline) generate(ctx context.Context, r *run) meme.Answer {
	// The picture from the raw prompt starts now, beside the planner.
	var spec *job
	if !p.offline(r) && p.o.Speculate && p.o.FormatPolicy != meme.TypeText {
		spec = p.startImage(ctx, r, offline.PlanFor(r.req.Prompt).ImagePrompt+imagePromptEnd)
	}
	defer r.finish(spec)

	plan, src := p.plan(ctx, r)
	r.rec.Lang = plan.Lang
	r.rec.Caption = plan.Caption()
	r.rec.Text = plan.Text
	r.rec.Strategy = strategy(src, plan.Layout)

	format := plan.Format
	if p.o.FormatPolicy != "auto" {
		format = p.o.FormatPolicy
	}
	if format == meme.TypeText {
		r.rec.Strategy = strategy(src, meme.TypeText)
		return p.text(r, plan.Text, "")
	}
	var voice *voiceJob
	if format == meme.TypeVideo {
		if p.o.Video == nil {
			format = meme.TypeImage // no ffmpeg here: the still is the answer
		} else if p.o.Voice != nil {
			voice = p.startVoice(ctx, r, plan)
			defer voice.stop()
		}
	}

	if plan.Template != "" {
		if ans, ok := p.templateMeme(ctx, r, plan, src, format, voice); ok {
			return ans
		}
		// The template could not be drawn: the scene meme of the same prompt.
		plan = offline.PlanFor(r.req.Prompt)
		src = sourceOffline
		r.rec.Strategy, r.rec.Caption = strategy(src, plan.Layout), plan.Caption()
		r.rec.Template, r.rec.TemplateSource = "", ""
		r.fallback("template")
	}

	pic := p.picture(ctx, r, plan, src, spec)
	var layout string
	return p.finishStill(ctx, r, plan.Text, format, voice, src,
		func() (*image.RGBA, error) {
			out, info, err := render.Meme(pic, captionOf(plan))
			layout = info.Layout
			if err == nil && layout != plan.Layout {
				r.rec.Strategy = strategy(src, layout)
			}
			return out, err
		},
		func() (*image.RGBA, []render.Layer, error) {
			base, layers, _, err := render.Layers(pic, captionOf(plan), video.MaxSide, video.MaxPixels)
			return base, layers, err
		})
}

// finishStill renders the still (draw), encodes and stores it, and answers
// with it; for a video answer a clip from the caption layers (layers)
// replaces the still when it is ready in time.
func (p *Pipeline) finishStill(ctx context.Context, r *run, text, format string, voice *voiceJob, src source,
	draw func() (*image.RGBA, error), layers func() (*image.RGBA, []render.Layer, error)) meme.Answer {
	log := p.o.Logger
	start := time.Now()
	out, err := draw()
	r.stage(StageRender, start)
	if err != nil {
		log.ErrorContext(ctx, "render failed", "error", err)
		return p.text(r, text, "render")
	}
	start = time.Now()
	jpg, err := render.EncodeJPEG(out)
	render.Release(out)
	r.stage(StageEncode, start)
	if err != nil {
		log.ErrorContext(ctx, "encode failed", "error", err)
		return p.text(r, text, "encode")
	}

	if format == meme.TypeVideo {
		// The still is made; a clip replaces it only if it is ready in time.
		if ans, ok := p.clip(ctx, r, layers, src, voice); ok {
			return ans
		}
	}

	key := mediaKey(r, "jpg")
	url, err := p.store(ctx, r, key, "image/jpeg", jpg)
	if err != nil {
		log.ErrorContext(ctx, "store failed", "key", key, "error", err)
		return p.text(r, text, "media")
	}
	r.rec.Type, r.rec.MediaKey, r.rec.Bytes = meme.TypeImage, key, int64(len(jpg))
	return meme.Answer{Type: meme.TypeImage, URL: url}
}

// plan asks the planner within its share of the budget; on failure the
// offline plan stands in.
func (p *Pipeline) plan(ctx context.Context, r *run) (meme.Plan, source) {
	if p.offline(r) {
		return offline.PlanWith(r.req.Prompt, p.usable()), sourceOffline
	}
	left := time.Until(r.answerBy) - finishReserve
	pctx, cancel := context.WithTimeout(ctx, time.Duration(float64(left)*p.o.PlanShare))
	defer cancel()
	start := time.Now()
	plan, err := p.o.Planner.Plan(pctx, r.req.Prompt)
	r.stage(StagePlan, start)
	if err != nil {
		p.o.Logger.WarnContext(ctx, "plan failed; using offline plan", "error", err)
		r.provErrs++
		r.fallback("plan")
		r.rec.Choice = plan.Choice // the arm drawn, if any, though a fallback answers
		return offline.PlanWith(r.req.Prompt, p.usable()), sourceOffline
	}
	r.rec.ChatModel = p.o.ChatModel
	if plan.ChatModel != "" {
		r.rec.ChatModel = plan.ChatModel
	}
	r.rec.Choice = plan.Choice
	if plan.JudgeModel != "" {
		r.stageMS[StageJudge] = plan.JudgeMS
		if r.trace != nil { // judging ends the plan call
			end := time.Now()
			r.trace(string(StageJudge), end.Add(-time.Duration(plan.JudgeMS)*time.Millisecond), end)
		}
		if len(plan.JudgeRank) == 0 {
			r.fallback("judge") // the generator's favourite won
		}
	}
	return plan, sourceLLM
}

// job is one picture being made in the background: hedged over the
// models, bounded by the image deadline.
type job struct {
	done    chan struct{}
	cancel  context.CancelFunc
	started time.Time
	img     image.Image
	model   string
	err     error
	out     hedge.Outcome
	counted bool
}

func (j *job) ok() bool { return j != nil && isDone(j.done) && j.err == nil }

func isDone(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// startImage starts making a picture for prompt, ready by the time the
// finishing steps need to start.
func (p *Pipeline) startImage(ctx context.Context, r *run, prompt string) *job {
	jctx, cancel := context.WithDeadline(ctx, r.answerBy.Add(-finishReserve))
	j := &job{done: make(chan struct{}), cancel: cancel, started: time.Now()}
	models := p.o.Imager.Models()
	if p.o.ModelOrder != nil {
		models = p.o.ModelOrder(models)
	}
	if r.rec.ImageOrder == nil {
		r.rec.ImageOrder = models
	}
	if len(models) == 1 && p.o.HedgeAfter > 0 {
		models = []string{models[0], models[0]} // a second call often lands on a faster worker
	}
	attempts := make([]func(context.Context) (image.Image, error), len(models))
	for i, m := range models {
		attempts[i] = func(ctx context.Context) (image.Image, error) {
			img, err := p.o.Imager.GenerateWith(ctx, m, prompt)
			if err != nil {
				err = fmt.Errorf("image model %s: %w", m, err)
			}
			return img, err
		}
	}
	go func() {
		defer close(j.done)
		j.img, j.out, j.err = hedge.First(jctx, hedge.Options{
			After: p.o.HedgeAfter,
			// A refused prompt fails every model alike, and an account the
			// provider refuses fails every call: neither is hedged, not
			// even a model with itself.
			Final: func(err error) bool {
				return errors.Is(err, meme.ErrRefused) || errors.Is(err, meme.ErrProviderAccount)
			},
		}, attempts...)
		if j.out.Winner >= 0 {
			j.model = models[j.out.Winner]
		}
		// Why a picture failed is what an operator needs first; attempts
		// cancelled because another won are not failures.
		for _, err := range j.out.Errors {
			if !errors.Is(err, context.Canceled) {
				p.o.Logger.WarnContext(ctx, "image call failed", "error", err)
			}
		}
	}()
	return j
}

// finish cancels jobs and waits for them, so no goroutine of the request
// outlives it, and counts what they did.
func (r *run) finish(jobs ...*job) {
	for _, j := range jobs {
		if j == nil {
			continue
		}
		j.cancel()
		<-j.done
		if !j.counted {
			j.counted = true
			r.hedged = r.hedged || j.out.Hedged
			for _, err := range j.out.Errors {
				if !errors.Is(err, context.Canceled) {
					r.provErrs++
				}
			}
		}
	}
}

// picture chooses the picture: the one planned for the captions, retried
// once with a softened prompt if refused; else the one from the raw prompt;
// else the offline background.
func (p *Pipeline) picture(ctx context.Context, r *run, plan meme.Plan, src source, spec *job) image.Image {
	use := func(j *job, start time.Time) image.Image {
		r.stage(StageImage, start)
		r.rec.ImageModel, r.rung, r.spec = j.model, rungFull, j == spec
		return j.img
	}
	if !p.offline(r) {
		start := time.Now()
		var planned *job
		if src == sourceLLM || spec == nil { // with the offline plan, spec is that plan's picture
			planned = p.startImage(ctx, r, plan.ImagePrompt+imagePromptEnd)
		}
		defer func() { r.finish(planned) }()
		softened := false
		var grace <-chan time.Time
		for planned != nil || (spec != nil && !isDone(spec.done)) {
			var plannedDone, specDone chan struct{}
			if planned != nil {
				plannedDone = planned.done
			}
			if spec != nil && !isDone(spec.done) {
				specDone = spec.done
			}
			select {
			case <-plannedDone:
				if planned.err == nil {
					return use(planned, start)
				}
				if errors.Is(planned.err, meme.ErrRefused) && !softened {
					p.o.Logger.WarnContext(ctx, "image prompt refused; retrying softened", "error", planned.err)
					r.finish(planned)
					softened = true
					planned = p.startImage(ctx, r, softPrompt+firstWords(plan.ImagePrompt, 8)+imagePromptEnd)
					continue
				}
				r.finish(planned)
				planned = nil
			case <-specDone:
				if spec.err == nil && planned != nil {
					grace = time.After(max(0, specGrace-time.Since(planned.started)))
				}
			case <-grace:
				return use(spec, start) // the planned picture is late; this one is ready
			}
		}
		if spec.ok() {
			return use(spec, start)
		}
		r.stage(StageImage, start)
		p.o.Logger.WarnContext(ctx, "no picture in time; using offline background")
		r.fallback("image")
	}
	r.rec.ImageModel = offline.Model
	if r.rung == "" {
		r.rung = rungOffline
		if p.o.Offline {
			r.rung = rungFull // offline by configuration: the full meme of this mode
		}
	}
	return offline.Background(r.req.Prompt, offline.Side, offline.Side)
}

// firstWords is the first n words of s.
func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

// store puts a finished file and signs its link, timed as the store stage.
func (p *Pipeline) store(ctx context.Context, r *run, key, contentType string, body []byte) (string, error) {
	defer r.stage(StageStore, time.Now())
	if err := p.o.Media.Put(ctx, key, contentType, body); err != nil {
		return "", err
	}
	return p.o.Media.URL(ctx, key)
}

// text is the last rung.
func (p *Pipeline) text(r *run, text, fallback string) meme.Answer {
	if text == "" {
		text = meme.TextMeme(r.req.Prompt)
	}
	r.rung = rungFull // a text meme the plan chose is the full answer
	if fallback != "" {
		r.fallback(fallback)
		r.rung = rungText
	}
	r.rec.Type, r.rec.Text, r.rec.MediaKey, r.rec.Bytes = meme.TypeText, text, "", 0
	return meme.Answer{Type: meme.TypeText, Text: text}
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

func (r *run) stage(s Stage, start time.Time) {
	end := time.Now()
	r.stageMS[s] += end.Sub(start).Milliseconds()
	if r.trace != nil {
		r.trace(string(s), start, end)
	}
}

// stageNames is the stage timings as recorded (stage_ms).
func (r *run) stageNames() map[string]int64 {
	out := make(map[string]int64, len(r.stageMS))
	for s, ms := range r.stageMS {
		out[string(s)] = ms
	}
	return out
}

// source is where a plan came from.
type source string

const (
	sourceLLM     source = "llm"     // the planner (chat model)
	sourceOffline source = "offline" // the rule-based plan
)

// strategy names how an answer was made, as recorded and reported:
// <source>-<form>, where form is the layout, text or video (+voice), for
// example llm-classic, offline-bar, llm-text, llm-video-voice.
func strategy(src source, form string) string { return string(src) + "-" + form }

// captionOf is the renderer's caption for plan: the one place a plan
// becomes drawn text.
func captionOf(plan meme.Plan) render.Caption {
	return render.Caption{Layout: plan.Layout, Top: plan.Top, Bottom: plan.Bottom}
}

func (r *run) fallback(rung string) {
	if r.rec.Fallback != "" {
		r.rec.Fallback += ","
	}
	r.rec.Fallback += rung
}

// mediaKey is media/<yyyy>/<mm>/<dd>/<result_id>-<random>.<ext>; the random
// part keeps id-less requests from overwriting each other.
func mediaKey(r *run, ext string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := "anon"
	if r.req.HasResultID {
		id = strconv.FormatInt(r.req.ResultID, 10)
	}
	return fmt.Sprintf("media/%s/%s-%s.%s", r.arrived.UTC().Format("2006/01/02"), id, hex.EncodeToString(b[:]), ext)
}
