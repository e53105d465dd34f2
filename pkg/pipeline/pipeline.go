// Package pipeline turns a request into the best answer it can make before
// the deadline: plan → picture → captions → JPEG → store → record, with a
// ladder of fallbacks (offline plan or background, then text) so a failure
// of ours never reaches the arena as an error.
package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"log/slog"
	"strconv"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/offline"
	"punchline/pkg/render"
)

// Planner plans the joke.
type Planner interface {
	Plan(ctx context.Context, prompt string) (meme.Plan, error)
}

// Imager makes the picture; it returns the model that made it.
type Imager interface {
	Generate(ctx context.Context, prompt string) (image.Image, string, error)
}

// Media stores finished files and hands out links to them.
type Media interface {
	Put(ctx context.Context, key, contentType string, body []byte) error
	URL(ctx context.Context, key string) (string, error)
}

// Results records what we answered.
type Results interface {
	PutGeneration(ctx context.Context, rec meme.Record) error
}

// Options are the pipeline's dependencies and settings.
type Options struct {
	Planner      Planner
	ChatModel    string // recorded as chat_model when Planner is not offline
	Imager       Imager
	Media        Media
	Results      Results
	Logger       *slog.Logger
	Deadline     time.Duration // answer this long after arrival (DEADLINE)
	FormatPolicy string        // auto|image|video|text (FORMAT_POLICY)
	Now          func() time.Time
}

// Budget shares: what is kept back for the steps after the picture, and
// the margin kept before the Lambda's own deadline.
const (
	finishReserve  = 1500 * time.Millisecond // render, encode, store, record
	lambdaMargin   = 1 * time.Second
	planShare      = 0.45 // the planner may use this share of the time before the reserve
	recordTimeout  = 1 * time.Second
	imagePromptEnd = " Photographic meme picture. No text, no letters, no captions, no watermark."
)

// Pipeline makes memes.
type Pipeline struct {
	o Options
}

// New returns a pipeline; zero settings get DESIGN defaults.
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
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Pipeline{o: o}
}

// run is one request's working state.
type run struct {
	req      meme.Request
	arrived  time.Time
	answerBy time.Time
	rec      meme.Record
	stageMS  map[string]int64
}

// Generate always returns a contract answer.
func (p *Pipeline) Generate(ctx context.Context, req meme.Request, arrived time.Time) meme.Answer {
	if arrived.IsZero() {
		arrived = p.o.Now()
	}
	r := &run{req: req, arrived: arrived, answerBy: arrived.Add(p.o.Deadline), stageMS: map[string]int64{}}
	if dl, ok := ctx.Deadline(); ok && dl.Add(-lambdaMargin).Before(r.answerBy) {
		r.answerBy = dl.Add(-lambdaMargin)
	}
	ctx, cancel := context.WithDeadline(ctx, r.answerBy)
	defer cancel()

	ans := p.generate(ctx, r)
	p.record(ctx, r, ans)
	return ans
}

func (p *Pipeline) generate(ctx context.Context, r *run) meme.Answer {
	log := p.o.Logger
	plan, source := p.plan(ctx, r)
	r.rec.Lang = plan.Lang
	r.rec.Caption = plan.Caption()
	r.rec.Text = plan.Text
	r.rec.Strategy = source + "-" + plan.Layout

	format := plan.Format
	if p.o.FormatPolicy != "auto" {
		format = p.o.FormatPolicy
	}
	if format == meme.TypeText {
		r.rec.Strategy = source + "-text"
		return p.text(r, plan.Text, "")
	}

	pic := p.picture(ctx, r, plan)

	start := time.Now()
	out, info, err := render.Meme(pic, render.Caption{Layout: plan.Layout, Top: plan.Top, Bottom: plan.Bottom})
	r.stage("render", start)
	if err != nil {
		log.ErrorContext(ctx, "render failed", "error", err)
		return p.text(r, plan.Text, "render")
	}
	if info.Layout != plan.Layout {
		r.rec.Strategy = source + "-" + info.Layout
	}
	start = time.Now()
	jpg, err := render.EncodeJPEG(out)
	render.Release(out)
	r.stage("encode", start)
	if err != nil {
		log.ErrorContext(ctx, "encode failed", "error", err)
		return p.text(r, plan.Text, "encode")
	}

	key := mediaKey(r, "jpg")
	start = time.Now()
	url, err := p.store(ctx, key, "image/jpeg", jpg)
	r.stage("store", start)
	if err != nil {
		log.ErrorContext(ctx, "store failed", "key", key, "error", err)
		return p.text(r, plan.Text, "media")
	}
	r.rec.Type, r.rec.MediaKey, r.rec.Bytes = meme.TypeImage, key, int64(len(jpg))
	return meme.Answer{Type: meme.TypeImage, URL: url}
}

// plan asks the planner within its share of the budget; on failure the
// offline plan stands in.
func (p *Pipeline) plan(ctx context.Context, r *run) (meme.Plan, string) {
	if _, isOffline := p.o.Planner.(offline.Planner); isOffline || p.o.Planner == nil {
		return offline.PlanFor(r.req.Prompt), "offline"
	}
	left := time.Until(r.answerBy) - finishReserve
	pctx, cancel := context.WithTimeout(ctx, time.Duration(float64(left)*planShare))
	defer cancel()
	start := time.Now()
	plan, err := p.o.Planner.Plan(pctx, r.req.Prompt)
	r.stage("plan", start)
	if err != nil {
		p.o.Logger.WarnContext(ctx, "plan failed; using offline plan", "error", err)
		r.fallback("plan")
		return offline.PlanFor(r.req.Prompt), "offline"
	}
	r.rec.ChatModel = p.o.ChatModel
	return plan, "llm"
}

// picture asks the imager, keeping the reserve for the steps after it; on
// failure the offline background stands in.
func (p *Pipeline) picture(ctx context.Context, r *run, plan meme.Plan) image.Image {
	if p.o.Imager != nil {
		ictx, cancel := context.WithDeadline(ctx, r.answerBy.Add(-finishReserve))
		defer cancel()
		start := time.Now()
		pic, model, err := p.o.Imager.Generate(ictx, plan.ImagePrompt+imagePromptEnd)
		r.stage("image", start)
		if err == nil {
			r.rec.ImageModel = model
			return pic
		}
		p.o.Logger.WarnContext(ctx, "image failed; using offline background", "error", err)
		r.fallback("image")
	}
	r.rec.ImageModel = offline.Model
	return offline.Background(r.req.Prompt, offline.Side, offline.Side)
}

func (p *Pipeline) store(ctx context.Context, key, contentType string, body []byte) (string, error) {
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
	if fallback != "" {
		r.fallback(fallback)
	}
	r.rec.Type, r.rec.Text, r.rec.MediaKey, r.rec.Bytes = meme.TypeText, text, "", 0
	return meme.Answer{Type: meme.TypeText, Text: text}
}

// record writes the result item; its failure is logged, never answered.
func (p *Pipeline) record(ctx context.Context, r *run, ans meme.Answer) {
	r.rec.LatencyMS = time.Since(r.arrived).Milliseconds()
	r.rec.StageMS = r.stageMS
	p.o.Logger.InfoContext(ctx, "answer", "type", ans.Type, "strategy", r.rec.Strategy,
		"fallback", r.rec.Fallback, "latency_ms", r.rec.LatencyMS, "stage_ms", r.stageMS, "bytes", r.rec.Bytes)
	if !r.req.HasResultID || p.o.Results == nil {
		return
	}
	r.rec.ResultID = r.req.ResultID
	r.rec.CreatedAt = r.arrived.UTC().Format(meme.TimeLayout)
	r.rec.CreatedDay = r.arrived.UTC().Format(meme.DayLayout)
	r.rec.Prompt = r.req.Prompt
	// The answer is made; the record may use a moment past the deadline
	// context but not past the Lambda's own.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := p.o.Results.PutGeneration(rctx, r.rec); err != nil {
		p.o.Logger.ErrorContext(ctx, "record failed", "error", err)
	}
}

func (r *run) stage(name string, start time.Time) {
	r.stageMS[name] += time.Since(start).Milliseconds()
}

func (r *run) fallback(rung string) {
	if r.rec.Fallback != "" {
		r.rec.Fallback += ","
	}
	r.rec.Fallback += rung
}

// mediaKey is media/<yyyy>/<mm>/<dd>/<result_id>-<random>.<ext>; the random
// part keeps retries and id-less requests from overwriting each other.
func mediaKey(r *run, ext string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := "anon"
	if r.req.HasResultID {
		id = strconv.FormatInt(r.req.ResultID, 10)
	}
	return fmt.Sprintf("media/%s/%s-%s.%s", r.arrived.UTC().Format("2006/01/02"), id, hex.EncodeToString(b[:]), ext)
}
