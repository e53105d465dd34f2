package hedge

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// attempt returns after d with v, or fails with err, honouring ctx; live
// counts attempts still running.
func attempt(live *atomic.Int32, d time.Duration, v string, err error) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		live.Add(1)
		defer live.Add(-1)
		select {
		case <-time.After(d):
			return v, err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

var errRefused = errors.New("refused")

func TestFirst(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name     string
		after    time.Duration
		attempts []struct {
			d   time.Duration
			v   string
			err error
		}
		want       string
		winner     int
		hedged     bool
		started    int
		wantErr    bool
		maxElapsed time.Duration
	}{
		{name: "first is fast", after: 50 * ms, attempts: []struct {
			d   time.Duration
			v   string
			err error
		}{{5 * ms, "a", nil}, {5 * ms, "b", nil}},
			want: "a", winner: 0, started: 1, maxElapsed: 40 * ms},
		{name: "first is slow: hedge wins", after: 20 * ms, attempts: []struct {
			d   time.Duration
			v   string
			err error
		}{{2 * time.Second, "a", nil}, {5 * ms, "b", nil}},
			want: "b", winner: 1, hedged: true, started: 2, maxElapsed: 500 * ms},
		{name: "first fails: next at once", after: time.Second, attempts: []struct {
			d   time.Duration
			v   string
			err error
		}{{5 * ms, "", errors.New("500")}, {5 * ms, "b", nil}},
			want: "b", winner: 1, started: 2, maxElapsed: 500 * ms},
		{name: "no hedging: failure only", after: 0, attempts: []struct {
			d   time.Duration
			v   string
			err error
		}{{60 * ms, "a", nil}, {5 * ms, "b", nil}},
			want: "a", winner: 0, started: 1},
		{name: "refusal is final", after: time.Second, attempts: []struct {
			d   time.Duration
			v   string
			err error
		}{{5 * ms, "", errRefused}, {5 * ms, "b", nil}},
			winner: -1, started: 1, wantErr: true},
		{name: "all fail", after: 10 * ms, attempts: []struct {
			d   time.Duration
			v   string
			err error
		}{{5 * ms, "", errors.New("x")}, {5 * ms, "", errors.New("y")}},
			winner: -1, started: 2, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var live atomic.Int32
			var fns []func(context.Context) (string, error)
			for _, a := range c.attempts {
				fns = append(fns, attempt(&live, a.d, a.v, a.err))
			}
			start := time.Now()
			v, out, err := First(context.Background(), Options{After: c.after, Final: func(err error) bool { return errors.Is(err, errRefused) }}, fns...)
			if (err != nil) != c.wantErr || v != c.want || out.Winner != c.winner || out.Hedged != c.hedged || out.Started != c.started {
				t.Errorf("got %q %+v %v", v, out, err)
			}
			if c.maxElapsed > 0 && time.Since(start) > c.maxElapsed {
				t.Errorf("took %v", time.Since(start))
			}
			if n := live.Load(); n != 0 {
				t.Errorf("%d attempts still running after First returned", n)
			}
		})
	}
}

// The caller's deadline ends everything, and First still waits for the
// attempts to leave.
func TestDeadline(t *testing.T) {
	var live atomic.Int32
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, out, err := First(ctx, Options{After: 10 * time.Millisecond},
		attempt(&live, time.Hour, "a", nil), attempt(&live, time.Hour, "b", nil), attempt(&live, time.Hour, "c", nil))
	if err == nil || out.Started != 3 || !out.Hedged || live.Load() != 0 {
		t.Errorf("err=%v out=%+v live=%d", err, out, live.Load())
	}
}
