package statsync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/httpretry"
	"punchline/pkg/stats/arena"
	"punchline/pkg/stats/arena/arenatest"
	"punchline/pkg/stats/statsync"
	"punchline/pkg/store/local"
)

// now is the tests' clock: battles are generated back from this day.
var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// store is what a test runs against: results and state, and a scan to
// compare tables.
type store interface {
	statsync.Results
	PutGeneration(context.Context, meme.Record) error
	Scan(context.Context, func(map[string]any) error) error
}

type env struct {
	t       *testing.T
	arena   *arenatest.Server
	results store
	state   statsync.State
	waits   []time.Duration
	mu      sync.Mutex
	retry   *httpretry.Client
}

func newLocalEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	res, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := local.OpenState(filepath.Join(dir, "state.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Close(); st.Close() })
	return newEnv(t, res, st)
}

func newEnv(t *testing.T, results store, state statsync.State) *env {
	e := &env{t: t, arena: arenatest.New(), results: results, state: state}
	t.Cleanup(e.arena.Close)
	e.retry = &httpretry.Client{HTTP: e.arena.Client(), Base: time.Millisecond, Sleep: func(_ context.Context, d time.Duration) error {
		e.mu.Lock()
		e.waits = append(e.waits, d)
		e.mu.Unlock()
		return nil
	}}
	return e
}

// ours records generation items for ids, created at the given times.
func (e *env) ours(at func(id int64) time.Time, ids ...int64) {
	e.t.Helper()
	for _, id := range ids {
		if err := e.results.PutGeneration(context.Background(), meme.Record{
			ResultID: id, CreatedAt: at(id),
			Prompt: "p", Type: meme.TypeImage, Strategy: "llm-classic",
		}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// serve puts battles on the arena and makes the given side of each ours.
func (e *env) serve(items []arenatest.Item, side func(arenatest.Item) []int64) {
	e.arena.Put(items...)
	for _, it := range items {
		date := it.Date
		e.ours(func(int64) time.Time { return date }, side(it)...)
	}
}

func firstSide(it arenatest.Item) []int64 { return []int64{it.Result1ID} }

func (e *env) opts() statsync.Options {
	return statsync.Options{
		Arena:   arena.New(e.retry, e.arena.BattlesURL(), ""),
		Results: e.results, State: e.state,
		RefreshWindow: 72 * time.Hour, Concurrency: 4,
		Now: func() time.Time { return now },
	}
}

func (e *env) run(o statsync.Options) statsync.Summary {
	e.t.Helper()
	sum, err := statsync.Run(context.Background(), o)
	if err != nil {
		e.t.Fatalf("run: %v", err)
	}
	return sum
}

// table is the results table without stats_at (the time of writing).
func (e *env) table() map[string]map[string]any {
	e.t.Helper()
	out := map[string]map[string]any{}
	err := e.results.Scan(context.Background(), func(item map[string]any) error {
		delete(item, "stats_at")
		out[fmt.Sprint(item["result_id"])] = item
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func str(v any) string { return fmt.Sprint(v) }

func TestSyncWritesOurSides(t *testing.T) {
	e := newLocalEnv(t)
	items := arenatest.Generate(50, 10, now, 1)
	items[3].Result, items[3].Votes = "SECOND", map[string]int64{"second": 2} // a loss for side 1
	items[4].Result, items[4].OldField = "SAME_SHIT", true                    // meh, under the old field name
	items[5].Result = "both_bad"                                              // unknown: kept raw
	items[6].Votes = nil                                                      // no votes yet: pending
	e.serve(items, firstSide)
	both := items[7]
	e.ours(func(int64) time.Time { return both.Date }, both.Result2ID) // this battle is ours on both sides

	sum := e.run(e.opts())
	if !sum.Complete || sum.Battles != 50 || sum.Ours != 51 || sum.Written != 51 || sum.Foreign != 49 {
		t.Fatalf("summary %+v", sum)
	}
	tab := e.table()
	want := map[int64]map[string]string{
		items[0].Result1ID: {"outcome": "win", "side": "1", "battle_result": "first", "votes_first": "3", "votes_meh": "1", "opponent_result_id": str(items[0].Result2ID)},
		items[3].Result1ID: {"outcome": "loss", "battle_result": "SECOND", "votes_second": "2", "votes_first": "0"},
		items[4].Result1ID: {"outcome": "meh", "battle_result": "SAME_SHIT"},
		items[5].Result1ID: {"outcome": "unknown", "battle_result": "both_bad"},
		items[6].Result1ID: {"outcome": "pending", "votes_first": "0"},
		both.Result1ID:     {"outcome": "win", "side": "1"},
		both.Result2ID:     {"outcome": "loss", "side": "2", "opponent_result_id": str(both.Result1ID)},
	}
	for id, attrs := range want {
		item := tab[str(id)]
		for k, v := range attrs {
			if str(item[k]) != v {
				t.Errorf("result %d: %s = %v, want %s", id, k, item[k], v)
			}
		}
		if item["created_at"] == nil || item["strategy"] != "llm-classic" {
			t.Errorf("result %d: generation attributes clobbered: %v", id, item)
		}
	}
	if _, ok := tab[str(items[0].Result2ID)]; ok {
		t.Error("a result that is not ours got an item")
	}
	if len(tab) != 51 {
		t.Errorf("%d items, want 51", len(tab))
	}
}

// An unchanged arena means an unchanged table: zero writes. Votes that
// change are written, and only those.
func TestIdempotentAndChanges(t *testing.T) {
	e := newLocalEnv(t)
	items := arenatest.Generate(40, 10, now, 1)
	e.serve(items, firstSide)
	if sum := e.run(e.opts()); sum.Written != 40 {
		t.Fatalf("first run wrote %d", sum.Written)
	}
	if sum := e.run(e.opts()); sum.Written != 0 || sum.Unchanged != 40 {
		t.Fatalf("second run: %+v", sum)
	}
	// New votes on a recent battle (refresh finds it) and on one from days ago.
	e.arena.Update(items[0].BattleID, func(it *arenatest.Item) { it.Result = "second"; it.Votes["second"] = 9 })
	e.arena.Update(items[35].BattleID, func(it *arenatest.Item) { it.Votes["meh"] = 7 })
	sum := e.run(e.opts())
	if sum.Written != 2 {
		t.Fatalf("third run wrote %d, want 2: %+v", sum.Written, sum)
	}
	tab := e.table()
	if got := tab[str(items[0].Result1ID)]; got["outcome"] != "loss" || str(got["votes_second"]) != "9" {
		t.Errorf("changed battle: %v", got)
	}
	if got := tab[str(items[35].Result1ID)]; str(got["votes_meh"]) != "7" {
		t.Errorf("changed battle from days ago: %v", got)
	}
}

// Exactly a page of battles, and a day with more than a page: every side
// of ours is found, none is lost to the page limit.
func TestPageEdges(t *testing.T) {
	cases := []struct {
		name   string
		n, day int
	}{
		{"exactly 1000", 1000, 100},
		{"1500 on one day", 1500, 1500},
		{"2500 over three days", 2500, 1000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newLocalEnv(t)
			items := arenatest.Generate(c.n, c.day, now.Add(-5*24*time.Hour), 1) // older than the refresh window
			e.serve(items, firstSide)
			sum := e.run(e.opts())
			if !sum.Complete || sum.Written != c.n {
				t.Fatalf("summary %+v, want %d written", sum, c.n)
			}
			if again := e.run(e.opts()); again.Written != 0 {
				t.Errorf("second run wrote %d", again.Written)
			}
		})
	}
}

// A 429 with Retry-After is waited out; a 500 in the middle of a backfill
// is retried; a longer outage fails the run with its place saved, and the
// next run finishes the same table as an undisturbed one.
func TestFaults(t *testing.T) {
	items := arenatest.Generate(3000, 400, now.Add(-4*24*time.Hour), 1)
	clean := newLocalEnv(t)
	clean.serve(items, firstSide)
	clean.run(clean.opts())
	want := clean.table()

	t.Run("429 Retry-After and a 500", func(t *testing.T) {
		e := newLocalEnv(t)
		e.serve(items, firstSide)
		e.arena.FailAt(1, 429, "3")
		e.arena.FailAt(4, 500, "")
		sum := e.run(e.opts())
		if !sum.Complete || sum.Written != 3000 {
			t.Fatalf("summary %+v", sum)
		}
		if len(e.waits) != 2 || e.waits[0] != 3*time.Second {
			t.Errorf("waits %v, want Retry-After's 3s then a backoff", e.waits)
		}
		if !reflect.DeepEqual(e.table(), want) {
			t.Error("table differs from an undisturbed run")
		}
	})
	t.Run("outage mid-backfill, then resume", func(t *testing.T) {
		e := newLocalEnv(t)
		e.serve(items, firstSide)
		for n := int64(4); n < 4+5; n++ { // every try of the fourth query
			e.arena.FailAt(n, 503, "")
		}
		if _, err := statsync.Run(context.Background(), e.opts()); err == nil {
			t.Fatal("outage: want an error")
		}
		sum := e.run(e.opts())
		if !sum.Complete {
			t.Fatalf("resumed run incomplete: %+v", sum)
		}
		if !reflect.DeepEqual(e.table(), want) {
			t.Error("table differs from an undisturbed run")
		}
	})
}

// killer cancels the run after a number of writes, as a timeout or crash
// would.
type killer struct {
	store
	left   atomic.Int64
	cancel context.CancelFunc
}

func (k *killer) PutBattle(ctx context.Context, id int64, b meme.BattleSide) (bool, error) {
	if k.left.Add(-1) < 0 {
		k.cancel()
		return false, context.Canceled
	}
	return k.store.PutBattle(ctx, id, b)
}

func TestKilledHalfwayThenRerun(t *testing.T) {
	items := arenatest.Generate(2500, 500, now, 1)
	clean := newLocalEnv(t)
	clean.serve(items, firstSide)
	clean.run(clean.opts())

	e := newLocalEnv(t)
	e.serve(items, firstSide)
	ctx, cancel := context.WithCancel(context.Background())
	k := &killer{store: e.results, cancel: cancel}
	k.left.Store(1200)
	o := e.opts()
	o.Results = k
	if _, err := statsync.Run(ctx, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed run: %v", err)
	}
	sum := e.run(e.opts())
	if !sum.Complete || sum.Written+sum.Unchanged < 2500 {
		t.Fatalf("rerun: %+v", sum)
	}
	if !reflect.DeepEqual(e.table(), clean.table()) {
		t.Error("killed and rerun differs from one clean run")
	}
}

// A backfill longer than the budget stops with its place saved and
// finishes over the next runs; no side is written twice.
func TestBudgetResumes(t *testing.T) {
	items := arenatest.Generate(6000, 700, now.Add(-10*24*time.Hour), 1)
	e := newLocalEnv(t)
	e.serve(items, firstSide)
	var clock atomic.Int64 // each look at the clock is a second later
	o := e.opts()
	o.Now = func() time.Time { return now.Add(time.Duration(clock.Add(1)) * time.Second) }
	o.Budget = 4 * time.Second
	written, runs := 0, 0
	for ; runs < 50; runs++ {
		clock.Store(0)
		sum := e.run(o)
		written += sum.Written
		if sum.Complete {
			break
		}
		if sum.Checkpoint.NextTo == "" {
			t.Fatalf("incomplete run saved no place: %+v", sum)
		}
	}
	if runs < 2 || written != 6000 {
		t.Fatalf("%d runs wrote %d sides, want several runs and exactly 6000", runs+1, written)
	}
}

// The daily sweep re-reads a 10-day-old result whose votes changed (which
// neither the refresh window nor discovery reaches), shows its progress in
// the state table, and an unchanged sweep writes nothing.
func TestSweepFindsLateVotes(t *testing.T) {
	e := newLocalEnv(t)
	old := arenatest.Generate(20, 10, now.Add(-10*24*time.Hour), 1)
	e.serve(old, firstSide)
	// Newer battles fill more than a page, so discovery's first page stops
	// well short of ten days ago.
	e.arena.Put(arenatest.Generate(4000, 600, now, 100_000)...)
	if sum := e.run(e.opts()); sum.Written != 20 {
		t.Fatalf("first run wrote %d", sum.Written)
	}
	e.arena.Update(old[3].BattleID, func(it *arenatest.Item) { it.Result = "second"; it.Votes["second"] = 50 })
	if sum := e.run(e.opts()); sum.Written != 0 {
		t.Fatalf("without the sweep a 10-day-old change is missed, yet %d were written", sum.Written)
	}
	o := e.opts()
	o.SweepWindow = 30 * 24 * time.Hour
	sum := e.run(o)
	if sum.Written != 1 || sum.Swept != 20 {
		t.Fatalf("sweep: %+v", sum)
	}
	if got := e.table()[str(old[3].Result1ID)]; got["outcome"] != "loss" || str(got["votes_second"]) != "50" {
		t.Errorf("swept battle: %v", got)
	}
	var sw statsync.Sweep
	if ok, err := e.state.Load(context.Background(), statsync.SweepKey, &sw); !ok || err != nil || sw.Done == "" || sw.Days < 27 || sw.Results != 20 {
		t.Errorf("sweep progress %+v, %v", sw, err)
	}
	if sum := e.run(o); sum.Written != 0 || sum.Swept != 0 {
		t.Errorf("a second sweep the same day: %+v", sum)
	}
	o.Now = func() time.Time { return now.Add(25 * time.Hour) }
	if sum := e.run(o); sum.Written != 0 || sum.Swept != 20 {
		t.Errorf("an unchanged sweep a day later: %+v", sum)
	}
}

// A sweep that runs out of budget saves its place; the next pass resumes
// where it stopped and finishes.
func TestSweepResumes(t *testing.T) {
	e := newLocalEnv(t)
	e.serve(arenatest.Generate(30, 3, now.Add(-5*24*time.Hour), 1), firstSide)
	e.run(e.opts())
	o := e.opts()
	o.SweepWindow = 30 * 24 * time.Hour
	var calls int
	o.Now = func() time.Time { calls++; return now.Add(time.Duration(calls) * time.Second) }
	o.Budget = 40 * time.Second // a few days of the sweep, then the budget is spent
	e.run(o)
	var sw statsync.Sweep
	_, _ = e.state.Load(context.Background(), statsync.SweepKey, &sw)
	if sw.Started == "" || sw.Done != "" || sw.Days == 0 {
		t.Fatalf("a sweep cut short: %+v", sw)
	}
	firstDays := sw.Days
	o.Budget = 0
	e.run(o)
	_, _ = e.state.Load(context.Background(), statsync.SweepKey, &sw)
	if sw.Done == "" || sw.Days <= firstDays || sw.Results != 30 {
		t.Errorf("resumed sweep %+v (first part read %d days)", sw, firstDays)
	}
}

// rejecter makes the table refuse one result's battle, as DynamoDB does an
// item past 400 KB (ValidationException), or fail every write (outage).
type rejecter struct {
	store
	reject int64
	outage bool
}

func (r *rejecter) PutBattle(ctx context.Context, id int64, b meme.BattleSide) (bool, error) {
	switch {
	case r.outage:
		return false, errors.New("service unavailable")
	case id == r.reject:
		return false, fmt.Errorf("update battle of %d: %w: ValidationException: Item size has exceeded the maximum allowed size", id, meme.ErrRejected)
	}
	return r.store.PutBattle(ctx, id, b)
}

// One battle the table refuses used to fail the whole pass; it is now
// logged, counted and skipped. An outage still fails the pass, so the
// checkpoint never moves past battles that were not written.
func TestRejectedBattleDoesNotFailThePass(t *testing.T) {
	items := arenatest.Generate(40, 8, now, 1)
	e := newLocalEnv(t)
	e.serve(items, firstSide)
	var logs bytes.Buffer
	o := e.opts()
	o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	o.Results = &rejecter{store: e.results, reject: items[5].Result1ID}
	sum := e.run(o)
	if !sum.Complete || sum.Rejected != 1 || sum.Written != 39 {
		t.Fatalf("summary %+v, want complete with 1 rejected and 39 written", sum)
	}
	if !strings.Contains(logs.String(), `"SidesRejected":1`) || !strings.Contains(logs.String(), `{"Name":"SidesRejected","Unit":"Count"}`) {
		t.Errorf("no SidesRejected metric:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"battle quarantined: the table refused it"`) || !strings.Contains(logs.String(), fmt.Sprintf(`"result_id":%d`, items[5].Result1ID)) {
		t.Errorf("no quarantine log for result %d:\n%s", items[5].Result1ID, logs.String())
	}

	down := newLocalEnv(t)
	down.serve(items, firstSide)
	o = down.opts()
	o.Results = &rejecter{store: down.results, outage: true}
	if sum, err := statsync.Run(context.Background(), o); err == nil || sum.Complete {
		t.Fatalf("outage: %+v, %v; want the pass to fail incomplete", sum, err)
	}
	var cp statsync.Checkpoint
	if ok, _ := down.state.Load(context.Background(), statsync.CheckpointKey, &cp); ok && cp.Through != "" {
		t.Errorf("checkpoint moved through %s during an outage", cp.Through)
	}
}

// A result paired against itself has one item; writing both sides to it
// made its outcome flip on every run. Side 1 is written, once.
func TestBattleAgainstItselfIsStable(t *testing.T) {
	e := newLocalEnv(t)
	items := arenatest.Generate(3, 3, now, 1)
	items[1].Result2ID = items[1].Result1ID
	e.serve(items, firstSide)
	first := e.run(e.opts())
	before := e.table()[str(items[1].Result1ID)]
	if first.Written != 3 || str(before["side"]) != "1" || str(before["outcome"]) != "win" {
		t.Fatalf("first run %+v; item %v", first, before)
	}
	for range 3 {
		if again := e.run(e.opts()); again.Written != 0 {
			t.Fatalf("rerun wrote %d sides: %+v", again.Written, again)
		}
	}
	if after := e.table()[str(items[1].Result1ID)]; !reflect.DeepEqual(before, after) {
		t.Errorf("item changed across runs: %v -> %v", before, after)
	}
}

// conflicter is a results store that also keeps conflicting answers.
type conflicter interface {
	PutConflict(ctx context.Context, id int64, promptHash string, rec meme.Record) error
}

// TestVotesOnAPresetResultID: when someone claimed a result_id first with
// another prompt, the arena's answer was served but not recorded, and its
// battle's votes landed on the other prompt's item. The arena's answer is
// kept beside the claim under its prompt's hash, and the battle whose
// prompt matches it is written there; the claim's own item is untouched.
func TestVotesOnAPresetResultID(t *testing.T) {
	envs := map[string]func(t *testing.T) *env{
		"local":    newLocalEnv,
		"dynamodb": func(t *testing.T) *env { e, _ := newMotoEnv(t); return e },
	}
	for name, newE := range envs {
		t.Run(name, func(t *testing.T) {
			e := newE(t)
			ctx := context.Background()
			at := now.Add(-time.Hour)
			if err := e.results.PutGeneration(ctx, meme.Record{ResultID: 5000, CreatedAt: at, Prompt: "an attacker's preset joke",
				Type: meme.TypeText, Text: "preset", Strategy: "offline-text", Status: meme.StatusDone}); err != nil {
				t.Fatal(err)
			}
			arenaPrompt := "the arena's real prompt"
			if err := e.results.(conflicter).PutConflict(ctx, 5000, meme.PromptHash(arenaPrompt), meme.Record{ResultID: 5000, CreatedAt: at,
				Prompt: arenaPrompt, Type: meme.TypeImage, MediaKey: "media/x.jpg", Strategy: "llm-classic", Status: meme.StatusDone}); err != nil {
				t.Fatal(err)
			}
			e.arena.Put(arenatest.Item{BattleID: 77, Date: at, Prompt: arenaPrompt, Result1ID: 5000, Result2ID: 6000,
				Result: "FIRST", Votes: map[string]int64{"first": 5, "second": 1}})
			sum := e.run(e.opts())
			if sum.Written != 1 {
				t.Fatalf("summary %+v", sum)
			}
			it := e.table()["5000"]
			if _, ok := it["battle_id"]; ok {
				t.Errorf("the battle landed on the preset item: %v", it)
			}
			conflicts, _ := it["conflict"].(map[string]any)
			entry, _ := conflicts[meme.PromptHash(arenaPrompt)].(map[string]any)
			if str(entry["outcome"]) != "win" || str(entry["battle_id"]) != "77" || str(entry["prompt"]) != arenaPrompt {
				t.Errorf("conflict entry %v", entry)
			}
			// A second pass finds it unchanged.
			if sum := e.run(e.opts()); sum.Written != 0 || sum.Unchanged != 1 {
				t.Errorf("second pass %+v", sum)
			}
		})
	}
}
