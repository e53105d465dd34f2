package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"punchline/pkg/media/offline"
	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/serve/hedge"
)

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
				// Calls the health record skipped were never made.
				if !errors.Is(err, context.Canceled) && !aiml.Skipped(err) {
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
