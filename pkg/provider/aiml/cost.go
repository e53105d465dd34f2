package aiml

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
)

// CostHeader is where AIML puts a non-streaming JSON call's price in USD
// (capabilities/request-tracing-and-cost); meta.usage.usd_spent in the
// body says the same.
const CostHeader = "X-Aimlapi-Usd-Spent"

// maxCallUSD bounds what one call may claim to cost: a hostile or broken
// answer must not blow the day's dollar budget by itself.
const maxCallUSD = 100

// Spent is what a call cost by its answer: the header, else
// meta.usage.usd_spent in a JSON body; 0 when neither says (binary audio).
// Non-finite, negative or absurd values count as 0.
func Spent(header http.Header, body []byte) float64 {
	if v, err := strconv.ParseFloat(header.Get(CostHeader), 64); err == nil {
		return sane(v)
	}
	if len(body) == 0 || body[0] != '{' {
		return 0
	}
	var b struct {
		Meta *struct {
			Usage *struct {
				USD *float64 `json:"usd_spent"`
			} `json:"usage"`
		} `json:"meta"`
	}
	if json.Unmarshal(body, &b) != nil || b.Meta == nil || b.Meta.Usage == nil || b.Meta.Usage.USD == nil {
		return 0
	}
	return sane(*b.Meta.Usage.USD)
}

func sane(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > maxCallUSD {
		return 0
	}
	return v
}

// Meter adds up what one request's provider calls cost; the clients add
// to the meter in their call's context.
type Meter struct {
	mu    sync.Mutex
	usd   float64
	calls int
	kinds map[Kind]int // failed calls by kind
}

type meterKey struct{}

// WithMeter returns ctx carrying m.
func WithMeter(ctx context.Context, m *Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// Charge adds one call of usd to ctx's meter, if it has one.
func Charge(ctx context.Context, usd float64) {
	if m, ok := ctx.Value(meterKey{}).(*Meter); ok && m != nil {
		m.mu.Lock()
		m.usd += sane(usd)
		m.calls++
		m.mu.Unlock()
	}
}

// USD is the total so far; Calls how many calls were answered.
func (m *Meter) USD() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.usd
}

// Calls is how many answered calls the meter has seen.
func (m *Meter) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}
