// Package budget caps what a day of requests may spend at the provider:
// counters per UTC day in the state table, taken atomically before a
// request goes online, so a leaked function URL costs a bounded amount.
// Calls (DAILY_PROVIDER_CALLS) are reserved at their worst case before
// the request; dollars (DAILY_BUDGET_USD) are booked after it, at what the
// provider said the calls cost, and a request starts only while the day
// is under its dollars.
package budget

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Counter is the state store's atomic counter.
type Counter interface {
	Take(ctx context.Context, key string, n, limit int64, expires time.Time) (int64, bool, error)
}

// Daily reserves PerRequest provider calls for each online request against
// Limit a UTC day.
type Daily struct {
	Counter    Counter
	Limit      int64
	PerRequest int64 // the most provider calls one request can make
}

// KeyPrefix is where the day's call counters live in the state table;
// USDKeyPrefix the day's spend, in micro-dollars.
const (
	KeyPrefix    = "budget/provider-calls/"
	USDKeyPrefix = "budget/usd-micro/"
)

// Take reserves one request's calls; false once the day's budget is spent.
func (d *Daily) Take(ctx context.Context) (bool, error) {
	day := time.Now().UTC()
	_, ok, err := d.Counter.Take(ctx, KeyPrefix+day.Format("2006-01-02"), d.PerRequest, d.Limit, day.Add(72*time.Hour))
	return ok, err
}

// Dollars caps a UTC day's spend at Limit US dollars: a request goes
// online only while the day's booked spend is under it, and books its own
// cost when done. Requests running at once may together pass the cap by
// what they cost (a few cents each).
type Dollars struct {
	Counter Counter
	Limit   float64
}

func usdKey(day time.Time) string { return USDKeyPrefix + day.UTC().Format("2006-01-02") }

// micro is usd in whole micro-dollars, rounded up so that a spend is
// never booked as nothing.
func micro(usd float64) int64 { return int64(math.Ceil(usd * 1e6)) }

// Take reports whether the day is still under its dollars (it takes
// nothing: the cost is not known until the calls are made).
func (d *Dollars) Take(ctx context.Context) (bool, error) {
	day := time.Now().UTC()
	limit := micro(d.Limit)
	// Adding one micro-dollar succeeds exactly while the total is under
	// the limit; it is booked with the request's cost.
	_, ok, err := d.Counter.Take(ctx, usdKey(day), 1, limit, day.Add(72*time.Hour))
	return ok, err
}

// Spend books usd on the day.
func (d *Dollars) Spend(ctx context.Context, usd float64) error {
	day := time.Now().UTC()
	_, _, err := d.Counter.Take(ctx, usdKey(day), micro(usd), math.MaxInt64/2, day.Add(72*time.Hour))
	return err
}

// Caps are the caps in force: calls, dollars, or both (nil for none).
// When the state store fails, Local (if set) stands in for it: this
// instance alone may spend its share of each cap that day, so a store
// outage fails open by a bounded amount, not without limit.
type Caps struct {
	Calls   *Daily
	Dollars *Dollars
	Local   *Local
}

// Take passes when every cap in force does. A store that fails hands the
// decision to the local share (true with the store's error, so it is
// logged; false once the share is spent).
func (c Caps) Take(ctx context.Context) (bool, error) {
	var failed error
	if c.Calls != nil {
		ok, err := c.Calls.Take(ctx)
		switch {
		case err != nil:
			failed = err
		case !ok:
			return false, nil
		}
	}
	if c.Dollars != nil {
		ok, err := c.Dollars.Take(ctx)
		switch {
		case err != nil:
			failed = errors.Join(failed, err)
		case !ok:
			return false, nil
		}
	}
	if failed == nil {
		return true, nil
	}
	if c.Local == nil {
		return false, failed // the caller decides (the pipeline goes on)
	}
	if !c.Local.take(c) {
		return false, nil // this instance's share is spent too
	}
	return true, fmt.Errorf("budget store: %w (within this instance's share)", failed)
}

// Spend books usd on the dollar cap, if there is one (and on the local
// share, which counts every instance's own spend).
func (c Caps) Spend(ctx context.Context, usd float64) error {
	if c.Dollars == nil || usd <= 0 {
		return nil
	}
	if c.Local != nil {
		c.Local.spend(usd)
	}
	return c.Dollars.Spend(ctx, usd)
}

// Local is one instance's share of the caps for when the state store
// cannot be read: Share of each day's calls and dollars.
type Local struct {
	Share float64 // e.g. 0.1 with at most 10 instances (PredictConcurrency)
	mu    sync.Mutex
	day   string
	calls int64
	usd   float64
}

func (l *Local) take(c Caps) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if day := time.Now().UTC().Format("2006-01-02"); day != l.day {
		l.day, l.calls, l.usd = day, 0, 0
	}
	if c.Calls != nil {
		if l.calls+c.Calls.PerRequest > int64(l.Share*float64(c.Calls.Limit)) {
			return false
		}
	}
	if c.Dollars != nil && l.usd >= l.Share*c.Dollars.Limit {
		return false
	}
	if c.Calls != nil {
		l.calls += c.Calls.PerRequest
	}
	return true
}

func (l *Local) spend(usd float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if day := time.Now().UTC().Format("2006-01-02"); day != l.day {
		l.day, l.calls, l.usd = day, 0, 0
	}
	l.usd += usd
}
