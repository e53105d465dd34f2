// Package hedge runs redundant attempts at one slow call: the next attempt
// starts when the current one is late or has failed, the first success
// wins, and the losers are cancelled and waited for, so no goroutine
// outlives the call.
package hedge

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Options tune First.
type Options struct {
	// After is how long an attempt may run before the next one starts
	// beside it; 0 or less never hedges (the next starts only on failure).
	After time.Duration
	// Final reports errors that make further attempts pointless (a
	// refused prompt); nil treats every error as worth another try.
	Final func(error) bool
}

// Outcome says how First ended.
type Outcome struct {
	Winner  int     // index of the attempt that succeeded, -1 if none
	Started int     // attempts started
	Hedged  bool    // an attempt was started because another was late
	Errors  []error // of the attempts that failed, in the order they did
}

// First runs attempts as Options say and returns the first success.
func First[T any](ctx context.Context, o Options, attempts ...func(context.Context) (T, error)) (T, Outcome, error) {
	var zero T
	out := Outcome{Winner: -1}
	if len(attempts) == 0 {
		return zero, out, errors.New("hedge: no attempts")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		v   T
		err error
		i   int
	}
	results := make(chan result, len(attempts))
	var wg sync.WaitGroup
	start := func() {
		i := out.Started
		out.Started++
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := attempts[i](ctx)
			results <- result{v, err, i}
		}()
	}
	var timer *time.Timer
	var late <-chan time.Time
	arm := func() {
		if o.After <= 0 || out.Started >= len(attempts) {
			late = nil
			return
		}
		if timer == nil {
			timer = time.NewTimer(o.After)
		} else {
			timer.Reset(o.After)
		}
		late = timer.C
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	start()
	arm()
	running := 1
	final := false
	for running > 0 {
		select {
		case r := <-results:
			running--
			if r.err == nil {
				cancel()
				wg.Wait() // the losers see the cancellation and return
				out.Winner = r.i
				return r.v, out, nil
			}
			out.Errors = append(out.Errors, r.err)
			if o.Final != nil && o.Final(r.err) {
				final = true
				cancel()
			}
			if !final && ctx.Err() == nil && out.Started < len(attempts) {
				start()
				running++
				arm()
			}
		case <-late:
			start()
			running++
			out.Hedged = true
			arm()
		}
	}
	wg.Wait()
	if len(out.Errors) == 0 {
		return zero, out, ctx.Err()
	}
	return zero, out, errors.Join(out.Errors...)
}
