package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/local"
	"punchline/pkg/store/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// counterLease is what the daily budget and the stats lease need of a
// state store.
type counterLease interface {
	Take(ctx context.Context, key string, n, limit int64, expires time.Time) (int64, bool, error)
	Lease(ctx context.Context, key, owner string, now, until time.Time) (bool, error)
	Release(ctx context.Context, key, owner string) error
}

// backends are both state stores: the local file and DynamoDB (moto).
// Moto applies conditional updates without serialising concurrent ones
// (DynamoDB does: a condition and its update are one atomic step), so the
// races are run against the local store and the conditions against both.
func backends(t *testing.T) map[string]counterLease {
	st, err := local.OpenState(filepath.Join(t.TempDir(), "state.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	moto := mototest.Start(t)
	return map[string]counterLease{"local": st, "dynamodb": dynamo.NewState(moto.DynamoDB(), moto.StateTable(t))}
}

// Take never lets the total pass the limit, even with many takers at once
// (at once on the local store; see backends).
func TestTakeIsAtomic(t *testing.T) {
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			exp := time.Now().Add(72 * time.Hour)
			var took atomic.Int64
			run(t, name, 30, func() {
				if _, ok, err := st.Take(ctx, "budget/day", 3, 20, exp); err != nil {
					t.Error(err)
				} else if ok {
					took.Add(1)
				}
			})
			if took.Load() != 6 { // 6×3 = 18 ≤ 20 < 21
				t.Errorf("%d takes of 3 within 20, want 6", took.Load())
			}
			if total, ok, _ := st.Take(ctx, "budget/day", 2, 20, exp); !ok || total != 20 {
				t.Errorf("the last 2: ok=%v total=%d", ok, total)
			}
			if _, ok, _ := st.Take(ctx, "budget/day", 1, 20, exp); ok {
				t.Error("took past the limit")
			}
			if total, ok, _ := st.Take(ctx, "budget/other-day", 1, 20, exp); !ok || total != 1 {
				t.Errorf("another key: ok=%v total=%d", ok, total)
			}
		})
	}
}

// A lease is held by one owner at a time, renewable by its holder, free
// again once released or once its holder's time ran out.
func TestLease(t *testing.T) {
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Now()
			steps := []struct {
				what  string
				owner string
				now   time.Time
				want  bool
			}{
				{"free: a takes it", "a", t0, true},
				{"held: b cannot", "b", t0.Add(time.Minute), false},
				{"a renews", "a", t0.Add(2 * time.Minute), true},
				{"a's time ran out: b takes it", "b", t0.Add(20 * time.Minute), true},
				{"now a cannot", "a", t0.Add(21 * time.Minute), false},
			}
			for _, s := range steps {
				got, err := st.Lease(ctx, "lease/stats", s.owner, s.now, s.now.Add(5*time.Minute))
				if err != nil || got != s.want {
					t.Fatalf("%s: got %v, %v", s.what, got, err)
				}
			}
			if err := st.Release(ctx, "lease/stats", "a"); err != nil { // not a's: no effect
				t.Fatal(err)
			}
			if got, _ := st.Lease(ctx, "lease/stats", "c", t0.Add(22*time.Minute), t0.Add(27*time.Minute)); got {
				t.Error("a released a lease it did not hold")
			}
			if err := st.Release(ctx, "lease/stats", "b"); err != nil {
				t.Fatal(err)
			}
			if got, _ := st.Lease(ctx, "lease/stats", "c", t0.Add(22*time.Minute), t0.Add(27*time.Minute)); !got {
				t.Error("c could not take a released lease")
			}
			// Many at once (in turn on moto): exactly one wins.
			var won atomic.Int64
			var next atomic.Int32
			run(t, name, 10, func() {
				owner := string(rune('a' + next.Add(1)))
				if ok, _ := st.Lease(ctx, "lease/race", owner, t0, t0.Add(time.Minute)); ok {
					won.Add(1)
				}
			})
			if won.Load() != 1 {
				t.Errorf("%d owners took one lease", won.Load())
			}
		})
	}
}

// run calls f n times: at once on the local store, in turn on moto.
func run(t *testing.T, backend string, n int, f func()) {
	t.Helper()
	if backend != "local" {
		for range n {
			f()
		}
		return
	}
	var wg sync.WaitGroup
	for range n {
		wg.Go(f)
	}
	wg.Wait()
}
