// Package budget caps what a day of requests may spend at the provider: a
// counter per UTC day in the state table, taken atomically before a
// request goes online, so a leaked function URL costs a bounded amount.
package budget

import (
	"context"
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

// KeyPrefix is where the day counters live in the state table.
const KeyPrefix = "budget/provider-calls/"

// Take reserves one request's calls; false once the day's budget is spent.
func (d *Daily) Take(ctx context.Context) (bool, error) {
	day := time.Now().UTC()
	_, ok, err := d.Counter.Take(ctx, KeyPrefix+day.Format("2006-01-02"), d.PerRequest, d.Limit, day.Add(72*time.Hour))
	return ok, err
}
