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
	"math"
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
type Caps struct {
	Calls   *Daily
	Dollars *Dollars
}

// Take passes when every cap in force does.
func (c Caps) Take(ctx context.Context) (bool, error) {
	if c.Calls != nil {
		if ok, err := c.Calls.Take(ctx); err != nil || !ok {
			return ok, err
		}
	}
	if c.Dollars != nil {
		return c.Dollars.Take(ctx)
	}
	return true, nil
}

// Spend books usd on the dollar cap, if there is one.
func (c Caps) Spend(ctx context.Context, usd float64) error {
	if c.Dollars == nil || usd <= 0 {
		return nil
	}
	return c.Dollars.Spend(ctx, usd)
}
