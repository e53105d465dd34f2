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
	"fmt"
	"image"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"punchline/pkg/language"
	"punchline/pkg/media/offline"
	"punchline/pkg/media/render"
	"punchline/pkg/media/templates"
	"punchline/pkg/media/video"
	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
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
	Speak(ctx context.Context, text, lang string) ([]byte, error)
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

// offline reports whether r is made without the provider: by
// configuration, or because the day's budget is spent.
func (p *Pipeline) offline(r *run) bool { return p.o.Offline || r.overBudget }

func (p *Pipeline) generate(ctx context.Context, r *run) meme.Answer {
	// The picture from the raw prompt starts now, beside the planner.
	var spec *job
	if !p.offline(r) && p.o.Speculate && p.o.FormatPolicy != meme.TypeText {
		spec = p.startImage(ctx, r, offline.ImagePrompt(r.req.Prompt)+imagePromptEnd)
	}
	defer r.finish(spec)

	plan, src := p.plan(ctx, r)
	r.rec.Lang, r.rec.LangConfidence = plan.Lang, plan.LangConfidence
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
		r.rec.Template, r.rec.TemplateSource, r.rec.Painted = "", "", false
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
		if !aiml.Skipped(err) {
			r.provErrs++
		}
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
		text = meme.TextMeme(r.req.Prompt, r.lang())
	}
	r.rung = rungFull // a text meme the plan chose is the full answer
	if fallback != "" {
		r.fallback(fallback)
		r.rung = rungText
	}
	r.rec.Type, r.rec.Text, r.rec.MediaKey, r.rec.Bytes = meme.TypeText, text, "", 0
	return meme.Answer{Type: meme.TypeText, Text: text}
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

// lang is the prompt's language: the plan's once there is one.
func (r *run) lang() string {
	if r.rec.Lang == "" {
		r.rec.Lang = language.Of(r.req.Prompt)
	}
	return r.rec.Lang
}
