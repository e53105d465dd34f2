package budget

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// memCounter is the state store's counter, in memory, optionally broken.
type memCounter struct {
	mu     sync.Mutex
	n      map[string]int64
	broken bool
}

func (m *memCounter) Take(_ context.Context, key string, n, limit int64, _ time.Time) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.broken {
		return 0, false, errors.New("throttled")
	}
	if m.n == nil {
		m.n = map[string]int64{}
	}
	if m.n[key]+n > limit {
		return m.n[key], false, nil
	}
	m.n[key] += n
	return m.n[key], true, nil
}

// TestBudgetFailOpenIsBounded: a budget store that failed let every
// request through, for ever; now this instance's share (a tenth) stands
// in, and past it requests are answered offline.
func TestBudgetFailOpenIsBounded(t *testing.T) {
	store := &memCounter{broken: true}
	caps := Caps{Calls: &Daily{Counter: store, Limit: 900, PerRequest: 9}, Local: &Local{Share: 0.1}}
	passed := 0
	for i := 0; i < 50; i++ {
		ok, err := caps.Take(context.Background())
		if ok {
			passed++
			if err == nil {
				t.Fatal("a pass on the local share must carry the store's error, to be logged")
			}
		}
	}
	if passed != 10 { // 90 calls of the 900 are this instance's, 9 a request
		t.Errorf("%d requests through a broken store, want 10", passed)
	}
	store.broken = false
	if ok, err := caps.Take(context.Background()); !ok || err != nil {
		t.Errorf("the store is back: %v %v", ok, err)
	}
}

// Dollars: a request goes online while the day is under its dollars, and
// books what it cost after.
func TestDollars(t *testing.T) {
	store := &memCounter{}
	caps := Caps{Dollars: &Dollars{Counter: store, Limit: 0.01}, Local: &Local{Share: 0.1}}
	n := 0
	for ; n < 10; n++ {
		ok, err := caps.Take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if err := caps.Spend(context.Background(), 0.004); err != nil {
			t.Fatal(err)
		}
	}
	if n != 3 { // 0, 0.004, 0.008 are under 0.01; 0.012 is not
		t.Errorf("%d requests went online, want 3", n)
	}
	store.broken = true
	if ok, _ := caps.Take(context.Background()); ok {
		t.Error("the local share (0.001 $) was already spent (0.012 $ booked), yet a request passed")
	}
}
