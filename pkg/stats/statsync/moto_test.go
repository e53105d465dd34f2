package statsync_test

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"punchline/pkg/stats/arena"
	"punchline/pkg/stats/arena/arenatest"
	"punchline/pkg/stats/statsync"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// countingDB counts the write requests sent to DynamoDB.
type countingDB struct {
	*dynamodb.Client
	updates atomic.Int64
}

func (c *countingDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.updates.Add(1)
	return c.Client.UpdateItem(ctx, in, opts...)
}

func newMotoEnv(t *testing.T) (*env, *countingDB) {
	t.Helper()
	moto := mototest.Start(t)
	db := &countingDB{Client: moto.DynamoDB()}
	return newEnv(t, dynamo.NewResults(db, moto.ResultsTable(t)), dynamo.NewState(moto.DynamoDB(), moto.StateTable(t))), db
}

// Against DynamoDB (moto_server): the items match the served battles, an
// unchanged second run sends no write at all, and a run killed half-way
// then re-run ends in the same table as one clean run.
func TestDynamoDB(t *testing.T) {
	items := arenatest.Generate(200, 40, now, 1)
	items[2].Result = "SAME"
	both := items[9]

	clean, db := newMotoEnv(t)
	clean.serve(items, firstSide)
	clean.ours(func(int64) time.Time { return both.Date }, both.Result2ID)
	generation := db.updates.Load()
	sum := clean.run(clean.opts())
	if !sum.Complete || sum.Written != 201 || db.updates.Load()-generation != 201 {
		t.Fatalf("first run: %+v, %d updates", sum, db.updates.Load()-generation)
	}
	tab := clean.table()
	for _, c := range []struct {
		id      int64
		outcome string
	}{{items[0].Result1ID, "win"}, {items[2].Result1ID, "tie"}, {both.Result1ID, "win"}, {both.Result2ID, "loss"}} {
		if got := tab[str(c.id)]; got["outcome"] != c.outcome || got["created_day"] == nil {
			t.Errorf("result %d: %v, want outcome %s beside the generation attributes", c.id, got, c.outcome)
		}
	}
	before := db.updates.Load()
	if again := clean.run(clean.opts()); again.Written != 0 || db.updates.Load() != before {
		t.Fatalf("second run: %+v, %d write requests", again, db.updates.Load()-before)
	}

	e, _ := newMotoEnv(t)
	e.serve(items, firstSide)
	e.ours(func(int64) time.Time { return both.Date }, both.Result2ID)
	ctx, cancel := context.WithCancel(context.Background())
	k := &killer{store: e.results, cancel: cancel}
	k.left.Store(90)
	o := e.opts()
	o.Results = k
	if _, err := statsync.Run(ctx, o); err == nil {
		t.Fatal("killed run: no error")
	}
	e.run(e.opts())
	if !reflect.DeepEqual(e.table(), tab) {
		t.Error("killed and rerun differs from one clean run")
	}
}

// peakHeap runs fn and returns the most heap it saw in use while fn ran
// (sampled every 2 ms).
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	return peak.Load()
}

// hugePage writes an answer of n valid battles, streamed.
func hugePage(n int) func(w io.Writer) {
	return func(w io.Writer) {
		bw := bufio.NewWriterSize(w, 64<<10)
		defer bw.Flush()
		bw.WriteString(`{"items":[`)
		for i := 1; i <= n; i++ {
			if i > 1 {
				bw.WriteByte(',')
			}
			if _, err := fmt.Fprintf(bw, `{"battle_id":%d,"date":"2026-11-21T10:00:00Z","prompt":"p","result_1_id":%d,"result_2_id":%d,"battle_result":"first","num_votes":{"first":1}}`, i, 2*i, 2*i+1); err != nil {
				return // the client stopped reading
			}
		}
		bw.WriteString(`]}`)
	}
}

// A hostile arena cannot make the pass overrun its budget, lose its
// checkpoint, exhaust memory or fail on one bad battle. Each case runs
// against DynamoDB on moto_server; peak heap is logged per case.
func TestHostileArena(t *testing.T) {
	const budget = 3 * time.Second
	// Cases that check the work gets done get more than the budget that
	// cuts a hang: -race under a loaded make test is slow.
	budgets := map[string]time.Duration{"a 1,000,000-battle page": 10 * time.Second}
	cases := []struct {
		name  string
		setup func(e *env)
		check func(t *testing.T, e *env, sum statsync.Summary)
	}{
		{"hangs for a minute", func(e *env) {
			e.serve(arenatest.Generate(20, 10, now, 1), firstSide)
			e.arena.Hostile(time.Minute, false, nil)
		}, func(t *testing.T, e *env, sum statsync.Summary) {
			if sum.Complete || sum.Stopped != "budget" {
				t.Errorf("summary %+v, want stopped by the budget", sum)
			}
		}},
		{"ignores to", func(e *env) {
			items := arenatest.Generate(3000, 600, now, 1)
			e.arena.Put(items...)
			e.serve(items[:5], firstSide) // a few of ours: the budget is for discovery
			e.arena.Hostile(0, true, nil)
		}, func(t *testing.T, e *env, sum statsync.Summary) {
			if sum.Complete || sum.Stopped != "arena-ignores-to" || sum.Requests > 40 {
				t.Errorf("summary %+v, want discovery stopped after a few requests", sum)
			}
		}},
		{"a 1,000,000-battle page", func(e *env) {
			e.ours(func(int64) time.Time { return now }, 2, 4, 6, 20_000, 20_002) // battles 1, 2, 3, 10,000 and 10,001
			e.arena.Hostile(0, false, hugePage(1_000_000))
		}, func(t *testing.T, e *env, sum statsync.Summary) {
			if sum.Truncated == 0 || sum.Written != 4 { // 20,000 is past the first MaxItems battles
				t.Errorf("summary %+v, want truncated answers and the 4 sides within the first %d written", sum, arena.MaxItems)
			}
		}},
		{"a 450 KB battle_result", func(e *env) {
			items := arenatest.Generate(30, 10, now, 1)
			items[4].Result = strings.Repeat("x", 450<<10)
			e.serve(items, firstSide)
		}, func(t *testing.T, e *env, sum statsync.Summary) {
			if !sum.Complete || sum.Skipped == 0 || sum.Written != 29 {
				t.Errorf("summary %+v, want complete with the bad battle quarantined and 29 written", sum)
			}
		}},
		{"negative votes", func(e *env) {
			items := arenatest.Generate(5, 5, now, 1)
			items[0].Result, items[0].Votes = "first", map[string]int64{"first": -5, "second": -100}
			e.serve(items, firstSide)
		}, func(t *testing.T, e *env, sum statsync.Summary) {
			got := e.table()[str(arenatest.Generate(5, 5, now, 1)[0].Result1ID)]
			if !sum.Complete || str(got["votes_first"]) != "0" || str(got["votes_second"]) != "0" || got["outcome"] != "pending" {
				t.Errorf("summary %+v; item %v, want votes clamped to 0 and pending, not a loss", sum, got)
			}
		}},
		{"both sides ours", func(e *env) {
			items := arenatest.Generate(5, 5, now, 1)
			items[2].Result2ID = items[2].Result1ID
			e.serve(items, firstSide)
		}, func(t *testing.T, e *env, sum statsync.Summary) {
			before := e.table()
			if again := e.run(e.opts()); again.Written != 0 || !reflect.DeepEqual(e.table(), before) {
				t.Errorf("rerun wrote %d sides; the outcome must be stable", again.Written)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _ := newMotoEnv(t)
			c.setup(e)
			o := e.opts()
			budget := cmp.Or(budgets[c.name], budget)
			o.Budget = budget
			e.retry.PerTry = 2 * budget // the budget, not the per-try timeout, must cut the hang
			var sum statsync.Summary
			var err error
			start := time.Now()
			peak := peakHeap(func() { sum, err = statsync.Run(context.Background(), o) })
			elapsed := time.Since(start)
			t.Logf("peak heap %.1f MB, %v, summary %+v", float64(peak)/(1<<20), elapsed.Round(time.Millisecond), sum)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if elapsed > budget+2*time.Second {
				t.Errorf("the pass took %v with a %v budget", elapsed, budget)
			}
			if peak > 256<<20 {
				t.Errorf("peak heap %d MB, want under 256", peak>>20)
			}
			var cp statsync.Checkpoint
			if ok, err := e.state.Load(context.Background(), statsync.CheckpointKey, &cp); !ok || err != nil || cp.LastRun == "" {
				t.Errorf("checkpoint %+v (%v, %v): want it saved by this pass", cp, ok, err)
			}
			c.check(t, e, sum)
		})
	}
}
