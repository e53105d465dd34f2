package learn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/wait"
)

// State keys of the policy.
const (
	LatestKey     = "policy/latest"
	dailyKeyStart = "policy/"
)

// Results is what Update reads of the results table.
type Results interface {
	Created(ctx context.Context, from, to time.Time) ([]int64, error)
	Fetch(ctx context.Context, ids []int64, attrs ...string) ([]map[string]any, error)
}

// Saver stores the policy (the state table), and reads the leaderboard
// snapshot beside it.
type Saver interface {
	Save(ctx context.Context, key string, v any) error
	Load(ctx context.Context, key string, v any) (bool, error)
}

// attrs are the attributes Compute reads.
var attrs = []string{"created_at", "recipe", "lang", "prompt", "outcome", "battle_date", "opponent_result_id", "template",
	"image_model", "image_order", "stage_ms"}

// chorusKey is ModelChorus' latest snapshot in the state table.
const chorusKey = "modelchorus/latest"

// Update recomputes the policy from the results created in the window (a
// battle comes after its result) and saves it as policy/latest and a dated
// copy. It is run after each stats pass.
func Update(ctx context.Context, res Results, st Saver, now time.Time, s Settings) (Policy, error) {
	ids, err := res.Created(ctx, now.Add(-s.Window), now)
	if err != nil {
		return Policy{}, fmt.Errorf("policy: recent results: %w", err)
	}
	items, err := res.Fetch(ctx, ids, attrs...)
	if err != nil {
		return Policy{}, fmt.Errorf("policy: read results: %w", err)
	}
	p := Compute(items, now, s)
	var board struct {
		Leaderboard []Standing `json:"image_leaderboard"`
	}
	if _, err := st.Load(ctx, chorusKey, &board); err != nil {
		board.Leaderboard = nil // no leaderboard: our own evidence alone
	}
	p.ImageModels = ModelScores(items, board.Leaderboard)
	if err := st.Save(ctx, LatestKey, p); err != nil {
		return p, fmt.Errorf("policy: save: %w", err)
	}
	if err := st.Save(ctx, dailyKeyStart+now.UTC().Format(meme.DayLayout), p); err != nil {
		return p, fmt.Errorf("policy: save dated copy: %w", err)
	}
	return p, nil
}

// Loader reads the policy (the state table).
type Loader interface {
	Load(ctx context.Context, key string, v any) (bool, error)
}

// Holder keeps the policy predict draws from; it is swapped whole.
type Holder struct {
	p atomic.Pointer[Policy]
}

// NewHolder starts on the prior.
func NewHolder() *Holder {
	h := &Holder{}
	prior := Prior()
	h.p.Store(&prior)
	return h
}

// Policy is the current policy.
func (h *Holder) Policy() *Policy { return h.p.Load() }

// errFuture is a policy stamped later than now: a clock or a writer is wrong.
var errFuture = errors.New("policy is from the future")

// Refresh reads policy/latest. A policy that is missing, cannot be read or
// decoded, is empty, or claims to come from the future leaves predict on
// the prior, with a warning; a good one replaces the current one.
func (h *Holder) Refresh(ctx context.Context, st Loader, now time.Time, log *slog.Logger) {
	var p Policy
	found, err := st.Load(ctx, LatestKey, &p)
	if err == nil && found {
		err = check(p, now)
	}
	switch {
	case err != nil:
		log.WarnContext(ctx, "policy unreadable; drawing from the prior", "error", err)
		prior := Prior()
		h.p.Store(&prior)
	case !found:
		log.WarnContext(ctx, "no policy yet; drawing from the prior")
		prior := Prior()
		h.p.Store(&prior)
	default:
		if p.Arms == nil {
			p.Arms = map[string]Beta{}
		}
		if p.Templates == nil {
			p.Templates = map[string]Beta{}
		}
		h.p.Store(&p)
		log.InfoContext(ctx, "policy loaded", "version", p.Version, "battles", p.Battles, "arms", len(p.Arms))
	}
}

func check(p Policy, now time.Time) error {
	at, err := time.Parse(meme.TimeLayout, p.Version)
	if err != nil {
		return fmt.Errorf("policy version %q: %w", p.Version, err)
	}
	if at.After(now.Add(5 * time.Minute)) {
		return fmt.Errorf("%w: %s", errFuture, p.Version)
	}
	if !(p.Prior.A > 0 && p.Prior.B > 0) {
		return fmt.Errorf("policy prior %v: want positive parameters", p.Prior)
	}
	for k, b := range p.Arms {
		if !(b.A > 0 && b.B > 0) {
			return fmt.Errorf("policy arm %s %v: want positive parameters", k, b)
		}
	}
	return nil
}

// Watch refreshes the policy every interval until ctx ends, off the
// request path.
func (h *Holder) Watch(ctx context.Context, st Loader, every time.Duration, log *slog.Logger) {
	wait.Every(ctx, every, func(now time.Time) { h.Refresh(ctx, st, now, log) })
}
