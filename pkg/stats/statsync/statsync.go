// Package statsync pulls the arena's battle results into the results
// table: a refresh of our recent results by id (votes keep arriving), and
// a discovery pass paging back by date to the last checkpoint. Each side of
// ours is written only when it changed, the pass is checkpointed in the
// state table, and a run stops inside its time budget and resumes on the
// next, so nothing is lost or written twice.
package statsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/emf"
	"punchline/pkg/stats/arena"
	"punchline/pkg/store/item"
)

// Arena answers battle queries (arena.Client).
type Arena interface {
	Battles(ctx context.Context, q arena.Query) ([]arena.Battle, int, error)
}

// Results is the results table (dynamo.Results or local.Results).
type Results interface {
	Created(ctx context.Context, from, to time.Time) ([]int64, error)
	BattleTargets(ctx context.Context, ids []int64) (map[int64]item.Target, error)
	PutBattle(ctx context.Context, id int64, b meme.BattleSide) (bool, error)
	PutConflictBattle(ctx context.Context, id int64, promptHash string, b meme.BattleSide) (bool, error)
}

// State holds checkpoints (dynamo.State or local.State).
type State interface {
	Load(ctx context.Context, key string, v any) (bool, error)
	Save(ctx context.Context, key string, v any) error
}

// CheckpointKey is the state item of the discovery pass.
const CheckpointKey = "sync/arena"

// Options configure a run.
type Options struct {
	Arena         Arena
	Results       Results
	State         State
	Logger        *slog.Logger
	RefreshWindow time.Duration // our results created this recently are re-read by id
	// SweepWindow: once a day every result created this recently (beyond
	// the refresh window) is re-read by id, a day at a time, so late votes
	// reach the table; 0 turns the sweep off.
	SweepWindow time.Duration
	Concurrency int // parallel arena queries and writes; default 4
	// Budget is how long the run may keep starting work; when it is spent
	// the run saves its place and returns. 0: until ctx's deadline less 20s,
	// or unbounded without one.
	Budget time.Duration
	Now    func() time.Time
}

// Checkpoint is the discovery state saved between runs.
type Checkpoint struct {
	// Through: every battle dated on or before this day has been seen.
	Through string `json:"through,omitempty"`
	// An unfinished pass: the day it began, and the next "to" to ask for.
	PassStart string `json:"pass_start,omitempty"`
	NextTo    string `json:"next_to,omitempty"`
	LastRun   string `json:"last_run,omitempty"`
}

// Summary is what a run did.
type Summary struct {
	Refreshed  int            `json:"refreshed"`         // our recent results asked for by id
	Swept      int            `json:"swept"`             // results re-read by a daily sweep that finished in this pass
	Requests   int            `json:"requests"`          // arena queries
	Battles    int            `json:"battles"`           // distinct battles seen
	Ours       int            `json:"ours"`              // sides that are results of ours
	Written    int            `json:"written"`           // items changed
	Unchanged  int            `json:"unchanged"`         // sides already up to date
	Foreign    int            `json:"foreign"`           // sides that are not ours
	Skipped    int            `json:"skipped"`           // malformed or over-cap battles in answers, quarantined by arena.Decode
	Rejected   int            `json:"rejected"`          // sides the table refused to store (logged and skipped)
	Truncated  int            `json:"truncated"`         // answers past arena.MaxItems battles, read no further
	Outcomes   map[string]int `json:"outcomes"`          // of the sides written
	Complete   bool           `json:"complete"`          // discovery reached its checkpoint
	Stopped    string         `json:"stopped,omitempty"` // why discovery stopped short: budget, arena-ignores-to, page-limit
	Checkpoint Checkpoint     `json:"checkpoint"`        // as saved
	ElapsedMS  int64          `json:"elapsed_ms"`
}

// errBudget is returned inside a run when its budget is spent; Run turns
// it into an incomplete summary, not an error.
var errBudget = errors.New("time budget spent")

// Limits that keep a pass bounded whatever the arena sends.
const (
	// MaxPagesPerPass bounds discovery in one pass (a million battles);
	// the next pass resumes from the saved place.
	MaxPagesPerPass = 1000
	// saveReserve is kept for the checkpoint: saves run on their own
	// context, so a budget spent inside a call still saves the place.
	saveReserve = 5 * time.Second
	// deadlineMargin is what a pass leaves of its Lambda's time: the
	// budget ends this long before the deadline, the save reserve within.
	deadlineMargin = 20 * time.Second
)

type syncer struct {
	o        Options
	saveCtx  context.Context // the run's own context: saves outlive the budget
	deadline time.Time       // zero: none
	mu       sync.Mutex
	seen     map[int64]bool
	sum      Summary
}

// Run makes one pass: refresh, then discovery from the checkpoint.
func Run(ctx context.Context, o Options) (Summary, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	start := o.Now()
	s := &syncer{o: o, seen: map[int64]bool{}, sum: Summary{Outcomes: map[string]int{}}, saveCtx: ctx}
	// Every call and write runs under the budget (in real time; o.Now may
	// be a test clock): an arena that hangs is cut off with time left to
	// save the place.
	var end time.Time // zero: no budget
	if o.Budget > 0 {
		end = time.Now().Add(o.Budget)
	}
	if dl, ok := ctx.Deadline(); ok && (end.IsZero() || dl.Add(-deadlineMargin).Before(end)) {
		end = dl.Add(-deadlineMargin)
	}
	work := ctx
	if !end.IsZero() {
		s.deadline = start.Add(time.Until(end))
		var cancel context.CancelFunc
		work, cancel = context.WithDeadline(ctx, end)
		defer cancel()
	}
	err := s.refresh(work)
	if err == nil {
		err = s.discover(work)
	}
	if err == nil {
		err = s.sweep(work)
	}
	if s.sum.Checkpoint.LastRun == "" {
		// Discovery did not get to save (the budget went on the refresh,
		// or it failed first): the reserve still records the run.
		if serr := s.touchCheckpoint(); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	s.sum.ElapsedMS = o.Now().Sub(start).Milliseconds()
	if errors.Is(err, errBudget) || (work.Err() != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded)) {
		o.Logger.InfoContext(ctx, "stats budget spent; the next run resumes", "next_to", s.sum.Checkpoint.NextTo, "error", err)
		if s.sum.Stopped == "" {
			s.sum.Stopped = "budget"
		}
		s.sum.Complete = false
		err = nil
	}
	b := map[bool]int64{true: 1}
	emf.Log(ctx, o.Logger, "stats metrics", o.Now(), emf.Line{Metrics: []emf.Metric{
		{Name: "BattlesSeen", Unit: "Count", Value: int64(s.sum.Battles)},
		{Name: "SidesWritten", Unit: "Count", Value: int64(s.sum.Written)},
		{Name: "BattlesQuarantined", Unit: "Count", Value: int64(s.sum.Skipped)},
		{Name: "SidesRejected", Unit: "Count", Value: int64(s.sum.Rejected)},
		{Name: "SyncFailed", Unit: "Count", Value: b[err != nil]},
		{Name: "SyncOK", Unit: "Count", Value: b[err == nil]},
		{Name: "SyncMs", Unit: "Milliseconds", Value: s.sum.ElapsedMS},
	}})
	return s.sum, err
}

// touchCheckpoint saves the checkpoint as it is, with this run's time.
func (s *syncer) touchCheckpoint() error {
	sctx, cancel := s.reserve()
	defer cancel()
	var cp Checkpoint
	if _, err := s.o.State.Load(sctx, CheckpointKey, &cp); err != nil {
		return fmt.Errorf("load checkpoint: %w", err)
	}
	cp.LastRun = s.o.Now().UTC().Format(meme.TimeLayout)
	s.sum.Checkpoint = cp
	if err := s.o.State.Save(sctx, CheckpointKey, cp); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// reserve is the context of a save: the run's own, not the budget's, and
// bounded by saveReserve.
func (s *syncer) reserve() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(s.saveCtx), saveReserve)
}

func (s *syncer) spent() bool { return !s.deadline.IsZero() && s.o.Now().After(s.deadline) }

// refresh asks for our recent results by id, in URL-sized chunks.
func (s *syncer) refresh(ctx context.Context) error {
	if s.o.RefreshWindow <= 0 {
		return nil
	}
	now := s.o.Now().UTC()
	ids, err := s.o.Results.Created(ctx, now.Add(-s.o.RefreshWindow), now)
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	s.sum.Refreshed = len(ids)
	return s.byIDs(ctx, ids)
}

// byIDs fetches and applies the battles of ids, Concurrency chunks at once.
func (s *syncer) byIDs(ctx context.Context, ids []int64) error {
	var chunks [][]int64
	for start := 0; start < len(ids); start += arena.MaxIDsPerQuery {
		chunks = append(chunks, ids[start:min(start+arena.MaxIDsPerQuery, len(ids))])
	}
	return s.parallel(ctx, len(chunks), func(ctx context.Context, i int) error {
		if s.spent() {
			return errBudget
		}
		battles, err := s.query(ctx, arena.Query{ResultIDs: chunks[i]})
		if err != nil {
			return err
		}
		return s.apply(ctx, battles)
	})
}

func (s *syncer) query(ctx context.Context, q arena.Query) ([]arena.Battle, error) {
	battles, skipped, err := s.o.Arena.Battles(ctx, q)
	truncated := errors.Is(err, arena.ErrTruncated)
	if truncated {
		// A hostile answer: its first battles are used, the rest unread.
		s.o.Logger.WarnContext(ctx, "arena answer truncated", "battles", len(battles), "error", err)
		err = nil
	}
	s.mu.Lock()
	s.sum.Requests++
	s.sum.Skipped += skipped
	if truncated {
		s.sum.Truncated++
	}
	s.mu.Unlock()
	return battles, err
}

// SweepKey is the state item of the daily sweep.
const SweepKey = "sync/sweep"

// Sweep is the daily sweep's progress, saved after every day it reads.
type Sweep struct {
	Started string `json:"started,omitempty"`  // the running sweep's start (TimeLayout)
	NextDay string `json:"next_day,omitempty"` // the next creation day it reads
	Done    string `json:"done,omitempty"`     // when the last sweep finished
	Days    int    `json:"days"`               // days read by the running (or last) sweep
	Results int    `json:"results"`            // results re-read by it
}

// sweep re-reads, once a day, the results created in the sweep window but
// older than the refresh window, a day at a time from the oldest, saving
// its place after each day so a pass that runs out of budget resumes.
func (s *syncer) sweep(ctx context.Context) error {
	if s.o.SweepWindow <= s.o.RefreshWindow {
		return nil
	}
	var sw Sweep
	if _, err := s.o.State.Load(ctx, SweepKey, &sw); err != nil {
		return fmt.Errorf("load sweep: %w", err)
	}
	now := s.o.Now().UTC()
	if sw.Started == "" {
		if done, err := time.Parse(meme.TimeLayout, sw.Done); err == nil && now.Sub(done) < 24*time.Hour {
			return nil // swept less than a day ago
		}
		sw = Sweep{Started: now.Format(meme.TimeLayout), NextDay: now.Add(-s.o.SweepWindow).Format(meme.DayLayout)}
	}
	until := now.Add(-s.o.RefreshWindow) // the refresh reads the rest
	for {
		day, err := time.Parse(meme.DayLayout, sw.NextDay)
		if err != nil {
			return fmt.Errorf("sweep next_day %q: %w", sw.NextDay, err)
		}
		if !day.Before(until) {
			sw.Started, sw.NextDay, sw.Done = "", "", now.Format(meme.TimeLayout)
			s.sum.Swept = sw.Results
			return s.saveSweep(ctx, sw)
		}
		if s.spent() {
			return errBudget
		}
		ids, err := s.o.Results.Created(ctx, day, minTime(day.Add(24*time.Hour-time.Millisecond), until))
		if err != nil {
			return fmt.Errorf("sweep %s: %w", sw.NextDay, err)
		}
		if err := s.byIDs(ctx, ids); err != nil {
			return err
		}
		sw.Days++
		sw.Results += len(ids)
		sw.NextDay = day.Add(24 * time.Hour).Format(meme.DayLayout)
		if err := s.saveSweep(ctx, sw); err != nil {
			return err
		}
	}
}

func (s *syncer) saveSweep(_ context.Context, sw Sweep) error {
	sctx, cancel := s.reserve()
	defer cancel()
	if err := s.o.State.Save(sctx, SweepKey, sw); err != nil {
		return fmt.Errorf("save sweep: %w", err)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// discover pages back by date from where the last pass stopped (or from
// today) to the checkpoint, saving its place after every page.
func (s *syncer) discover(ctx context.Context) error {
	var cp Checkpoint
	if _, err := s.o.State.Load(ctx, CheckpointKey, &cp); err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	today := s.o.Now().UTC().Format(meme.DayLayout)
	if cp.NextTo == "" { // a new pass
		cp.PassStart, cp.NextTo = today, today
	}
	save := func() error {
		cp.LastRun = s.o.Now().UTC().Format(meme.TimeLayout)
		s.sum.Checkpoint = cp
		sctx, cancel := s.reserve()
		defer cancel()
		if err := s.o.State.Save(sctx, CheckpointKey, cp); err != nil {
			return fmt.Errorf("save checkpoint: %w", err)
		}
		return nil
	}
	for pages := 0; ; pages++ {
		to, err := time.Parse(meme.DayLayout, cp.NextTo)
		if err != nil {
			return fmt.Errorf("checkpoint next_to %q: %w", cp.NextTo, err)
		}
		if cp.Through != "" && cp.NextTo < cp.Through {
			break // below the checkpoint: seen by an earlier pass
		}
		if s.spent() {
			if err := save(); err != nil {
				return err
			}
			return errBudget
		}
		if pages == MaxPagesPerPass {
			s.sum.Stopped = "page-limit"
			s.o.Logger.WarnContext(ctx, "discovery stopped at the page limit; the next pass resumes", "pages", pages, "next_to", cp.NextTo)
			return save()
		}
		page, err := s.query(ctx, arena.Query{To: to})
		if err != nil {
			return errors.Join(err, save())
		}
		oldest, newest := dayRange(page)
		if newest > cp.NextTo {
			// Battles after "to": the arena ignores it, and paging back by
			// date would walk back forever over the same page.
			s.sum.Stopped = "arena-ignores-to"
			s.o.Logger.WarnContext(ctx, "the arena answered battles after the asked-for day: it ignores to; discovery stopped",
				"to", cp.NextTo, "newest", newest)
			return errors.Join(s.apply(ctx, page), save())
		}
		if err := s.apply(ctx, page); err != nil {
			return errors.Join(err, save())
		}
		if len(page) < arena.MaxPage {
			break // everything up to "to" was in this page
		}
		switch {
		case oldest == "" || oldest >= cp.NextTo:
			// A whole page on one day: that day has a page or more of
			// battles and "to" cannot split it. Ask for our results of the
			// day by id instead, then go on from the day before.
			if err := s.completeDay(ctx, to); err != nil {
				return errors.Join(err, save())
			}
			cp.NextTo = to.Add(-24 * time.Hour).Format(meme.DayLayout)
		case cp.Through != "" && oldest < cp.Through:
			cp.NextTo = "" // the page reaches below the checkpoint: done
		default:
			cp.NextTo = oldest // the oldest day may be cut off: ask for it whole
		}
		if cp.NextTo == "" {
			break
		}
		if err := save(); err != nil {
			return err
		}
	}
	// The pass is complete. Battles can still be dated the day it started,
	// so the next pass reaches back to the day before.
	start, _ := time.Parse(meme.DayLayout, cp.PassStart)
	cp = Checkpoint{Through: start.Add(-24 * time.Hour).Format(meme.DayLayout)}
	s.sum.Complete = true
	return save()
}

// completeDay applies the battles of our results created on day or the
// day before (a battle can start just after midnight).
func (s *syncer) completeDay(ctx context.Context, day time.Time) error {
	ids, err := s.o.Results.Created(ctx, day.Add(-24*time.Hour), day.Add(24*time.Hour-time.Nanosecond))
	if err != nil {
		return fmt.Errorf("complete %s: %w", day.Format(meme.DayLayout), err)
	}
	return s.byIDs(ctx, ids)
}

// dayRange is the earliest and latest battle days in page ("" when no
// battle has a date).
func dayRange(page []arena.Battle) (oldest, newest string) {
	for _, b := range page {
		if b.Date.IsZero() {
			continue
		}
		d := b.Date.Format(meme.DayLayout)
		if oldest == "" || d < oldest {
			oldest = d
		}
		newest = max(newest, d)
	}
	return oldest, newest
}

// apply writes the sides of ours of battles not seen earlier in this run.
func (s *syncer) apply(ctx context.Context, battles []arena.Battle) error {
	var fresh []arena.Battle
	var ids []int64
	s.mu.Lock()
	for _, b := range battles {
		if s.seen[b.ID] {
			continue
		}
		s.seen[b.ID] = true
		fresh = append(fresh, b)
		ids = append(ids, b.Result1ID, b.Result2ID)
	}
	s.sum.Battles += len(fresh)
	s.mu.Unlock()
	if len(fresh) == 0 {
		return nil
	}
	targets, err := s.o.Results.BattleTargets(ctx, ids)
	if err != nil {
		return err
	}
	type write struct {
		id       int64
		conflict string // the prompt hash of a conflicting answer the battle belongs to; "" for the item
		side     meme.BattleSide
	}
	var writes []write
	unchanged, foreign := 0, 0
	for _, b := range fresh {
		for side := 1; side <= 2; side++ {
			id := b.Result1ID
			if side == 2 {
				id = b.Result2ID
				if id == b.Result1ID {
					// A result against itself has one item: writing both
					// sides made its outcome flip on every run.
					continue
				}
			}
			tgt, ours := targets[id]
			if !ours {
				foreign++
				continue
			}
			bs := sideOf(b, side)
			// A battle whose prompt is not the item's, but a conflicting
			// answer's (someone claimed the id first with another prompt),
			// belongs to that answer: its votes must not land on the other.
			stored, conflict := tgt.Hash, ""
			if ph := meme.PromptHash(b.Prompt); b.Prompt != "" && ph != tgt.PromptHash {
				if h, ok := tgt.Conflicts[ph]; ok {
					stored, conflict = h, ph
				}
			}
			if bs.Hash == stored {
				unchanged++
				continue
			}
			writes = append(writes, write{id, conflict, bs})
		}
	}
	s.mu.Lock()
	s.sum.Unchanged += unchanged
	s.sum.Foreign += foreign
	s.sum.Ours += unchanged + len(writes)
	s.mu.Unlock()
	now := s.o.Now().UTC().Format(meme.TimeLayout)
	return s.parallel(ctx, len(writes), func(ctx context.Context, i int) error {
		w := writes[i]
		w.side.StatsAt = now
		var changed bool
		var err error
		if w.conflict != "" {
			changed, err = s.o.Results.PutConflictBattle(ctx, w.id, w.conflict, w.side)
		} else {
			changed, err = s.o.Results.PutBattle(ctx, w.id, w.side)
		}
		if errors.Is(err, meme.ErrRejected) {
			// One bad battle must not fail the pass; an outage still does,
			// so the checkpoint does not move past unwritten battles.
			s.o.Logger.WarnContext(ctx, "battle quarantined: the table refused it",
				"battle_id", w.side.BattleID, "result_id", w.id, "error", err)
			s.mu.Lock()
			s.sum.Rejected++
			s.mu.Unlock()
			return nil
		}
		if err != nil {
			return err
		}
		s.mu.Lock()
		if changed {
			s.sum.Written++
			s.sum.Outcomes[w.side.Outcome]++
		} else {
			s.sum.Unchanged++ // another run wrote it first
		}
		s.mu.Unlock()
		return nil
	})
}

// sideOf is battle b from side's point of view, with its hash.
func sideOf(b arena.Battle, side int) meme.BattleSide {
	date := b.DateRaw
	if !b.Date.IsZero() {
		date = b.Date.Format(meme.TimeLayout)
	}
	bs := meme.BattleSide{
		BattleID: b.ID, BattleDate: date, OpponentResultID: b.Opponent(side), Side: side,
		BattleResult: b.ResultRaw, Outcome: b.Outcome(side),
		VotesFirst: b.Votes.First, VotesSecond: b.Votes.Second, VotesTie: b.Votes.Tie, VotesMeh: b.Votes.Meh,
	}
	h := sha256.New()
	for _, f := range []string{
		strconv.FormatInt(bs.BattleID, 10), bs.BattleDate, strconv.FormatInt(bs.OpponentResultID, 10), strconv.Itoa(side),
		bs.BattleResult, bs.Outcome, strconv.FormatInt(bs.VotesFirst, 10), strconv.FormatInt(bs.VotesSecond, 10),
		strconv.FormatInt(bs.VotesTie, 10), strconv.FormatInt(bs.VotesMeh, 10),
	} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	bs.Hash = hex.EncodeToString(h.Sum(nil)[:12])
	return bs
}

// parallel runs fn(0..n-1) on at most Concurrency goroutines and returns
// the first error; after an error no new calls start.
func (s *syncer) parallel(ctx context.Context, n int, fn func(context.Context, int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(s.o.Concurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel(err) })
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = context.Cause(ctx)
	}
	return first
}
