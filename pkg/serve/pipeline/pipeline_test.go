package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
)

type planFunc func(ctx context.Context, prompt string) (meme.Plan, error)

func (f planFunc) Plan(ctx context.Context, p string) (meme.Plan, error) { return f(ctx, p) }

// fakeImager has models with per-model behaviour, and counts calls and the
// calls still running.
type fakeImager struct {
	models []string
	do     func(ctx context.Context, model, prompt string) (image.Image, error)
	calls  atomic.Int32
	live   atomic.Int32
	mu     sync.Mutex
	prompt []string
}

func (f *fakeImager) Models() []string { return f.models }

func (f *fakeImager) GenerateWith(ctx context.Context, model, prompt string) (image.Image, error) {
	f.calls.Add(1)
	f.live.Add(1)
	defer f.live.Add(-1)
	f.mu.Lock()
	f.prompt = append(f.prompt, prompt)
	f.mu.Unlock()
	return f.do(ctx, model, prompt)
}

func (f *fakeImager) prompts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.prompt...)
}

// oneModel is an imager with the one model flux/schnell.
func oneModel(do func(ctx context.Context, prompt string) (image.Image, error)) *fakeImager {
	return &fakeImager{models: []string{"flux/schnell"}, do: func(ctx context.Context, _, prompt string) (image.Image, error) {
		return do(ctx, prompt)
	}}
}

type memMedia struct {
	mu   sync.Mutex
	objs map[string][]byte
	err  error
}

func (m *memMedia) Put(_ context.Context, key, _ string, body []byte) error {
	if m.err != nil {
		return m.err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[key] = body
	return nil
}

func (m *memMedia) URL(_ context.Context, key string) (string, error) { return "https://m/" + key, nil }

// memResults is an in-memory results table with claims.
type memResults struct {
	mu        sync.Mutex
	recs      []meme.Record
	err       error // every PutGeneration fails with it
	failPuts  int   // the first failPuts calls fail
	claimErr  error
	items     map[int64]meme.Claim
	conflicts map[int64]int
	beside    map[int64]map[string]meme.Record // conflicting answers by prompt hash
}

func (r *memResults) PutGeneration(_ context.Context, rec meme.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	if r.err != nil {
		return r.err
	}
	if r.failPuts > 0 {
		r.failPuts--
		return errors.New("throttled")
	}
	if r.items == nil {
		r.items = map[int64]meme.Claim{}
	}
	r.items[rec.ResultID] = meme.Claim{State: rec.Status, Type: rec.Type, MediaKey: rec.MediaKey, Text: rec.Text, PromptHash: meme.PromptHash(rec.Prompt)}
	return nil
}

func (r *memResults) Claim(_ context.Context, id int64, promptHash string, _, _ time.Time) (meme.Claim, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.claimErr != nil {
		return meme.Claim{}, r.claimErr
	}
	if r.items == nil {
		r.items = map[int64]meme.Claim{}
	}
	if c, ok := r.items[id]; ok {
		return c, nil
	}
	r.items[id] = meme.Claim{State: meme.StatusPending, PromptHash: promptHash}
	return meme.Claim{Claimed: true}, nil
}

func (r *memResults) Conflict(_ context.Context, id int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conflicts == nil {
		r.conflicts = map[int64]int{}
	}
	r.conflicts[id]++
	return nil
}

func (r *memResults) PutConflict(_ context.Context, id int64, promptHash string, rec meme.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.beside == nil {
		r.beside = map[int64]map[string]meme.Record{}
	}
	if r.beside[id] == nil {
		r.beside[id] = map[string]meme.Record{}
	}
	r.beside[id][promptHash] = rec
	return nil
}

func (r *memResults) Lookup(_ context.Context, id int64) (meme.Claim, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.items[id], nil
}

func (r *memResults) records() []meme.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]meme.Record(nil), r.recs...)
}

var goodPlan = planFunc(func(context.Context, string) (meme.Plan, error) {
	return meme.Plan{Lang: "en", Format: "image", Layout: "classic", Top: "top", Bottom: "bottom", ImagePrompt: "cat", Text: "text meme"}, nil
})

func goodImage() *fakeImager {
	return oneModel(func(context.Context, string) (image.Image, error) {
		return image.NewRGBA(image.Rect(0, 0, 320, 320)), nil
	})
}

func TestLadder(t *testing.T) {
	failPlan := planFunc(func(context.Context, string) (meme.Plan, error) { return meme.Plan{}, errors.New("planner down") })
	failImage := oneModel(func(context.Context, string) (image.Image, error) { return nil, errors.New("image down") })
	slowImage := oneModel(func(ctx context.Context, _ string) (image.Image, error) {
		<-ctx.Done() // honours its deadline, as the real client does
		return nil, ctx.Err()
	})
	textPlan := planFunc(func(context.Context, string) (meme.Plan, error) {
		return meme.Plan{Lang: "en", Format: "text", Layout: "classic", Bottom: "b", Text: "pure words"}, nil
	})
	tests := []struct {
		name       string
		planner    Planner
		imager     Imager
		mediaErr   error
		policy     string
		wantType   string
		wantFall   string
		wantStrat  string
		wantModel  string
		wantTextIs string
	}{
		{"full meme", goodPlan, goodImage(), nil, "auto", "image", "", "llm-classic", "flux/schnell", ""},
		{"planner fails", failPlan, goodImage(), nil, "auto", "image", "plan", "offline-classic", "flux/schnell", ""},
		{"image fails", goodPlan, failImage, nil, "auto", "image", "image", "llm-classic", "offline", ""},
		{"image too slow", goodPlan, slowImage, nil, "auto", "image", "image", "llm-classic", "offline", ""},
		{"both fail", failPlan, failImage, nil, "auto", "image", "plan,image", "offline-classic", "offline", ""},
		{"media fails", goodPlan, goodImage(), errors.New("s3 down"), "auto", "text", "media", "llm-classic", "flux/schnell", "text meme"},
		{"plan asks for text", textPlan, goodImage(), nil, "auto", "text", "", "llm-text", "", "pure words"},
		{"policy forces text", goodPlan, goodImage(), nil, "text", "text", "", "llm-text", "", "text meme"},
		{"policy forces image", textPlan, goodImage(), nil, "image", "image", "", "llm-classic", "flux/schnell", ""},
		{"offline", nil, nil, nil, "auto", "image", "", "offline-classic", "offline", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			media := &memMedia{objs: map[string][]byte{}, err: tt.mediaErr}
			results := &memResults{}
			p := New(Options{Offline: tt.planner == nil, Planner: tt.planner, ChatModel: "chat", Imager: tt.imager, Media: media, Results: results,
				Deadline: 2 * time.Second, FormatPolicy: tt.policy})
			start := time.Now()
			ans := p.Generate(context.Background(), meme.Request{ResultID: 3, HasResultID: true, Prompt: "a cat on monday"}, start)
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("answered after %s, deadline 2s", elapsed)
			}
			if ans.Type != tt.wantType {
				t.Fatalf("answer %+v, want type %s", ans, tt.wantType)
			}
			if tt.wantType == "image" && (!strings.HasPrefix(ans.URL, "https://m/media/") || len(media.objs) != 1) {
				t.Errorf("image answer %+v, media %d objects", ans, len(media.objs))
			}
			if tt.wantTextIs != "" && ans.Text != tt.wantTextIs {
				t.Errorf("text %q, want %q", ans.Text, tt.wantTextIs)
			}
			if len(results.recs) != 1 {
				t.Fatalf("records = %d", len(results.recs))
			}
			rec := results.recs[0]
			if rec.Fallback != tt.wantFall || rec.Strategy != tt.wantStrat || rec.ImageModel != tt.wantModel || rec.Type != tt.wantType {
				t.Errorf("record fallback=%q strategy=%q image_model=%q type=%q", rec.Fallback, rec.Strategy, rec.ImageModel, rec.Type)
			}
			if rec.ResultID != 3 || rec.Prompt != "a cat on monday" || rec.CreatedAt.IsZero() || rec.StageMS == nil {
				t.Errorf("record %+v", rec)
			}
			if tt.wantType == "image" && (rec.Bytes == 0 || !strings.HasPrefix(rec.MediaKey, "media/") || !strings.Contains(rec.MediaKey, "/3-")) {
				t.Errorf("record media %q %d", rec.MediaKey, rec.Bytes)
			}
		})
	}
}

func TestResultsFailureDoesNotFailAnswer(t *testing.T) {
	results := &memResults{err: errors.New("dynamodb down"), claimErr: errors.New("dynamodb down")}
	p := New(Options{Planner: goodPlan, Imager: goodImage(), Media: &memMedia{objs: map[string][]byte{}}, Results: results})
	ans := p.Generate(context.Background(), meme.Request{ResultID: 1, HasResultID: true, Prompt: "x"}, time.Now())
	if ans.Type != "image" || len(results.recs) != 3 { // the record is retried, then given up
		t.Fatalf("answer %+v after %d record attempts", ans, len(results.recs))
	}
}

func TestNoResultIDIsNotRecorded(t *testing.T) {
	results := &memResults{}
	media := &memMedia{objs: map[string][]byte{}}
	p := New(Options{Planner: goodPlan, Imager: goodImage(), Media: media, Results: results})
	ans := p.Generate(context.Background(), meme.Request{Prompt: "x"}, time.Now())
	if ans.Type != "image" || len(results.recs) != 0 {
		t.Fatalf("answer %+v, records %d", ans, len(results.recs))
	}
	for k := range media.objs {
		if !strings.Contains(k, "/anon-") {
			t.Errorf("key %s", k)
		}
	}
}

// The Lambda's own deadline wins when it is sooner than DEADLINE.
func TestLambdaDeadlineShortensBudget(t *testing.T) {
	var imageDeadline time.Time
	img := oneModel(func(ctx context.Context, _ string) (image.Image, error) {
		imageDeadline, _ = ctx.Deadline()
		return image.NewRGBA(image.Rect(0, 0, 64, 64)), nil
	})
	p := New(Options{Planner: goodPlan, Imager: img, Media: &memMedia{objs: map[string][]byte{}}, Deadline: 12 * time.Second})
	now := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(5*time.Second))
	defer cancel()
	p.Generate(ctx, meme.Request{Prompt: "x"}, now)
	want := now.Add(5*time.Second - lambdaMargin - finishReserve)
	if d := imageDeadline.Sub(want); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("image deadline %v, want %v", imageDeadline, want)
	}
}

type budgetFunc func(ctx context.Context) (bool, error)

func (f budgetFunc) Take(ctx context.Context) (bool, error) { return f(ctx) }

func (f budgetFunc) Spend(context.Context, float64) error { return nil }

// The daily budget: within it the provider is used; past it the answer is
// offline with no provider call, recorded (fallback budget) and counted
// (BudgetReached); a budget store that fails or hangs lets requests go on.
func TestDailyBudget(t *testing.T) {
	for _, tc := range []struct {
		name       string
		budget     Budget
		online     bool
		fallback   string
		overMetric float64
	}{
		{"within", budgetFunc(func(context.Context) (bool, error) { return true, nil }), true, "", 0},
		{"spent", budgetFunc(func(context.Context) (bool, error) { return false, nil }), false, "budget", 1},
		{"store fails", budgetFunc(func(context.Context) (bool, error) { return false, errors.New("throttled") }), true, "", 0},
		{"store hangs", budgetFunc(func(ctx context.Context) (bool, error) { <-ctx.Done(); return false, ctx.Err() }), true, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var plans atomic.Int32
			planner := planFunc(func(ctx context.Context, p string) (meme.Plan, error) { plans.Add(1); return goodPlan(ctx, p) })
			img := goodImage()
			results := &memResults{}
			var logs bytes.Buffer
			p := New(Options{Planner: planner, Imager: img, Media: &memMedia{objs: map[string][]byte{}}, Results: results,
				Budget: tc.budget, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			start := time.Now()
			ans := p.Generate(context.Background(), meme.Request{ResultID: 9, HasResultID: true, Prompt: "a cat on monday"}, start)
			if ans.Type != meme.TypeImage || time.Since(start) > 2*time.Second {
				t.Fatalf("answer %+v after %v", ans, time.Since(start))
			}
			called := plans.Load() > 0 || img.calls.Load() > 0
			if called != tc.online {
				t.Errorf("provider called %v (plans %d, images %d), want %v", called, plans.Load(), img.calls.Load(), tc.online)
			}
			rec := results.records()[0]
			if rec.Fallback != tc.fallback || (rec.ImageModel == meme.OfflineModel) == tc.online {
				t.Errorf("record fallback %q image model %q", rec.Fallback, rec.ImageModel)
			}
			if m := emfLine(t, logs.Bytes()); m["BudgetReached"] != tc.overMetric {
				t.Errorf("BudgetReached = %v", m["BudgetReached"])
			}
		})
	}
}

type span struct {
	name       string
	start, end time.Time
}

type spanRecorder struct {
	mu    sync.Mutex
	spans []span
}

func (s *spanRecorder) Span(_ context.Context, name string, start, end time.Time, _ bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spans = append(s.spans, span{name, start, end})
}

// Each step of a request is a span (an X-Ray subsegment on Lambda), so a
// slow request shows where its time went: plan, judge, image, render,
// encode, store, record, each within the request and in order.
func TestStagesAreTraced(t *testing.T) {
	judged := planFunc(func(ctx context.Context, p string) (meme.Plan, error) {
		time.Sleep(30 * time.Millisecond)
		plan, _ := goodPlan(ctx, p)
		plan.JudgeModel, plan.JudgeMS, plan.JudgeRank = "judge", 20, []int{0}
		return plan, nil
	})
	rec := &spanRecorder{}
	p := New(Options{Planner: judged, Imager: goodImage(), Media: &memMedia{objs: map[string][]byte{}}, Results: &memResults{},
		Speculate: false, Tracer: rec})
	start := time.Now()
	p.Generate(context.Background(), meme.Request{ResultID: 3, HasResultID: true, Prompt: "a cat"}, start)
	end := time.Now()
	got := map[string]span{}
	var order []string
	for _, s := range rec.spans {
		got[s.name] = s
		order = append(order, s.name)
		if s.start.Before(start) || s.end.After(end) || s.end.Before(s.start) {
			t.Errorf("span %s %v..%v outside the request %v..%v", s.name, s.start, s.end, start, end)
		}
	}
	for _, want := range []Stage{StagePlan, StageJudge, StageImage, StageRender, StageEncode, StageStore, StageRecord} {
		if _, ok := got[string(want)]; !ok {
			t.Errorf("no %s span in %v", want, order)
		}
	}
	if j, pl := got["judge"], got["plan"]; j.end.Sub(j.start) != 20*time.Millisecond || j.start.Before(pl.start) {
		t.Errorf("judge span %v inside plan %v", j, pl)
	}
	if got["render"].start.Before(got["image"].end) || got["record"].start.Before(got["store"].end) {
		t.Errorf("spans out of order: %v", order)
	}
}

// What the provider said the calls cost is recorded on the item and
// booked on the day's budget; and an account-wide refusal is never hedged,
// not even by a second call to the only model.
func TestCostAndAccountErrors(t *testing.T) {
	costly := planFunc(func(ctx context.Context, p string) (meme.Plan, error) {
		aiml.Charge(ctx, 0.0012) // the chat client meters its calls so
		return goodPlan(ctx, p)
	})
	img := oneModel(func(ctx context.Context, _ string) (image.Image, error) {
		aiml.Charge(ctx, 0.003)
		return image.NewRGBA(image.Rect(0, 0, 320, 320)), nil
	})
	results := &memResults{}
	var booked float64
	spend := spendFunc(func(_ context.Context, usd float64) error { booked += usd; return nil })
	var logs bytes.Buffer
	p := New(Options{Planner: costly, Imager: img, Media: &memMedia{objs: map[string][]byte{}}, Results: results, Budget: spend,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	p.Generate(context.Background(), meme.Request{Prompt: "cats", ResultID: 1, HasResultID: true}, time.Time{})
	recs := results.records()
	if len(recs) != 1 || math.Abs(recs[0].CostUSD-0.0042) > 1e-9 || math.Abs(booked-0.0042) > 1e-9 {
		t.Fatalf("cost %v, booked %v", recs, booked)
	}
	if !strings.Contains(logs.String(), `"CostUsd":0.0042`) {
		t.Errorf("no CostUsd metric: %s", logs.String())
	}

	// Failing at once: the hedge (a second call to the only model) would
	// start as the first attempt fails, unless the failure is final.
	refused := oneModel(func(ctx context.Context, _ string) (image.Image, error) {
		return nil, fmt.Errorf("image: %w", meme.ErrProviderAccount)
	})
	p = New(Options{Planner: goodPlan, Imager: refused, Media: &memMedia{objs: map[string][]byte{}}, HedgeAfter: 200 * time.Millisecond})
	p.Generate(context.Background(), meme.Request{Prompt: "cats"}, time.Time{})
	if n := refused.calls.Load(); n != 1 {
		t.Errorf("%d calls to the only model after an account-wide refusal, want 1", n)
	}
}

// spendFunc is a budget that always lets requests through and books costs.
type spendFunc func(context.Context, float64) error

func (spendFunc) Take(context.Context) (bool, error)             { return true, nil }
func (f spendFunc) Spend(ctx context.Context, usd float64) error { return f(ctx, usd) }
