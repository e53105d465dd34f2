package aiml

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"punchline/pkg/meme"
)

// How long what an error taught is kept.
var (
	// AccountPause: after a 401/403 no call is made for this long (a key
	// or the credits come back by a person's hand, not in a second).
	AccountPause = time.Minute
	// ModelPause: a model that failed on its own (a 400 our body earned,
	// a 500 or maintenance) is skipped this long.
	ModelPause = 2 * time.Minute
	// RateLimitPause: after a 429 without Retry-After, calls wait this
	// long before going out (RetryAfter is honoured up to rateLimitMax).
	RateLimitPause = time.Second
	rateLimitMax   = 5 * time.Second
)

// Health is what the provider's errors taught this process: whether the
// account is usable, which models to skip, and whether to slow down. The
// chat, image and speech clients ask it before each call and tell it each
// outcome; it is safe for concurrent use.
type Health struct {
	mu       sync.Mutex
	now      func() time.Time
	account  mark
	slowTill time.Time
	models   map[string]mark // by folded name
	// OnEvent, when set, hears each new fact once (a model marked gone or
	// skipped, the account breaker opening), for logs and metrics.
	OnEvent func(Event)
}

type mark struct {
	until time.Time // zero: until the catalogue lists the model again
	kind  Kind
}

// holds reports whether the mark still applies at now.
func (m mark) holds(now time.Time) bool { return m.until.IsZero() || now.Before(m.until) }

// Event is a new fact about the provider.
type Event struct {
	Model string // "" for the account
	Kind  Kind
	Until time.Time // zero: until the catalogue lists the model again
	Err   error
}

// NewHealth returns a health record with nothing learnt.
func NewHealth() *Health {
	return &Health{now: time.Now, models: map[string]mark{}}
}

func fold(model string) string { return strings.ToLower(strings.TrimSpace(model)) }

// Allow reports whether a call to model may go out now: an error wrapping
// meme.ErrProviderAccount while the account breaker is open, or
// meme.ErrModelGone while the model is skipped. After a 429 it waits out
// the back-off first (within ctx), instead of piling on.
func (h *Health) Allow(ctx context.Context, model string) error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	now := h.now()
	acct, slow := h.account, h.slowTill
	m, marked := h.models[fold(model)]
	h.mu.Unlock()
	if now.Before(acct.until) {
		return fmt.Errorf("%s: %w: breaker open after %s, for %s", model, meme.ErrProviderAccount, acct.kind, acct.until.Sub(now).Round(time.Second))
	}
	if marked && m.holds(now) {
		return fmt.Errorf("%s: %w: skipped after %s", model, meme.ErrModelGone, m.kind)
	}
	if d := slow.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("%s: backing off after 429: %w", model, ctx.Err())
		}
	}
	return nil
}

// Observe learns from one call's outcome (nil: it worked) and counts it
// on ctx's meter.
func (h *Health) Observe(ctx context.Context, model string, err error) {
	if err == nil || h == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		return // transport errors and cancellations teach nothing lasting
	}
	note(ctx, e.Kind)
	h.mu.Lock()
	now := h.now()
	var ev *Event
	switch k := e.Kind; {
	case k.AccountWide():
		if !now.Before(h.account.until) {
			ev = &Event{Kind: k, Until: now.Add(AccountPause), Err: err}
		}
		h.account = mark{until: now.Add(AccountPause), kind: k}
	case k == KindGone:
		if _, ok := h.models[fold(model)]; !ok {
			ev = &Event{Model: model, Kind: k, Err: err}
		}
		h.models[fold(model)] = mark{kind: k} // until the catalogue says otherwise
	case k == KindValidation || k == KindModelFailed:
		if m, ok := h.models[fold(model)]; !ok || !m.holds(now) {
			ev = &Event{Model: model, Kind: k, Until: now.Add(ModelPause), Err: err}
		}
		h.models[fold(model)] = mark{until: now.Add(ModelPause), kind: k}
	case k == KindRateLimited:
		pause := RateLimitPause
		if e.RetryAfter > 0 {
			pause = min(e.RetryAfter, rateLimitMax)
		}
		if t := now.Add(pause); t.After(h.slowTill) {
			h.slowTill = t
		}
	}
	h.mu.Unlock()
	if ev != nil && h.OnEvent != nil {
		h.OnEvent(*ev)
	}
}

// Gone marks model unavailable, as the catalogue says (event included).
func (h *Health) Gone(model string) {
	h.mu.Lock()
	_, had := h.models[fold(model)]
	h.models[fold(model)] = mark{kind: KindGone}
	h.mu.Unlock()
	if !had && h.OnEvent != nil {
		h.OnEvent(Event{Model: model, Kind: KindGone})
	}
}

// Live clears a gone mark: the catalogue lists model again.
func (h *Health) Live(model string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m, ok := h.models[fold(model)]; ok && m.kind == KindGone {
		delete(h.models, fold(model))
	}
}

// Usable is models without those skipped now, in order.
func (h *Health) Usable(models []string) []string {
	if h == nil {
		return models
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	out := make([]string, 0, len(models))
	for _, m := range models {
		if mk, ok := h.models[fold(m)]; ok && mk.holds(now) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// Account is the breaker's state: the kind that opened it, and whether it
// is open now.
func (h *Health) Account() (Kind, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.account.kind, h.now().Before(h.account.until)
}

// Skipped reports an error the health record made without a call (the
// breaker open, a model skipped): no provider error happened.
func Skipped(err error) bool {
	var e *Error
	return (errors.Is(err, meme.ErrProviderAccount) || errors.Is(err, meme.ErrModelGone)) && !errors.As(err, &e)
}

// note counts a failure kind on ctx's meter.
func note(ctx context.Context, k Kind) {
	if m, ok := ctx.Value(meterKey{}).(*Meter); ok && m != nil {
		m.mu.Lock()
		if m.kinds == nil {
			m.kinds = map[Kind]int{}
		}
		m.kinds[k]++
		m.mu.Unlock()
	}
}

// Failures is how many failed calls of kind k the meter saw.
func (m *Meter) Failures(k Kind) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kinds[k]
}
