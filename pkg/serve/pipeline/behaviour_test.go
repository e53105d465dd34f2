package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"punchline/pkg/media/video"
	"punchline/pkg/meme"
	"punchline/pkg/platform/emf"
)

func pic() image.Image { return image.NewRGBA(image.Rect(0, 0, 256, 256)) }

// sleepFor returns after d, or fails when ctx ends first.
func sleepFor(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func slowPlan(d time.Duration) Planner {
	return planFunc(func(ctx context.Context, p string) (meme.Plan, error) {
		if err := sleepFor(ctx, d); err != nil {
			return meme.Plan{}, err
		}
		return goodPlan(ctx, p)
	})
}

func TestHedgingSpeculationRefusal(t *testing.T) {
	cases := []struct {
		name       string
		models     []string
		do         func(ctx context.Context, model, prompt string) (image.Image, error)
		hedge      time.Duration
		speculate  bool
		wantModel  string
		wantRung   string
		wantSpec   bool
		wantHedged bool
		maxLatency time.Duration
		wantLog    string // why a picture failed, logged
		check      func(t *testing.T, f *fakeImager)
	}{
		{
			name: "slow first model is hedged by the second", models: []string{"slow", "fast"}, hedge: 100 * time.Millisecond,
			do: func(ctx context.Context, model, _ string) (image.Image, error) {
				if model == "slow" {
					return nil, sleepFor(ctx, time.Hour)
				}
				return pic(), sleepFor(ctx, 20*time.Millisecond)
			},
			wantModel: "fast", wantRung: rungFull, wantHedged: true, maxLatency: time.Second,
		},
		{
			name: "without hedging the slow call runs to the deadline", models: []string{"slow", "fast"}, hedge: 0,
			do: func(ctx context.Context, model, _ string) (image.Image, error) {
				if model == "slow" {
					return nil, sleepFor(ctx, time.Hour)
				}
				return pic(), nil
			},
			wantModel: "offline", wantRung: rungOffline,
		},
		{
			name: "planned picture fails: the speculative one is used", models: []string{"m"}, speculate: true,
			do: func(ctx context.Context, _, prompt string) (image.Image, error) {
				if strings.HasPrefix(prompt, "cat") { // the planned prompt
					return nil, errors.New("500")
				}
				return pic(), nil
			},
			wantModel: "m", wantRung: rungFull, wantSpec: true, maxLatency: time.Second,
			wantLog: `"msg":"image call failed","error":"image model m: 500"`,
		},
		{
			name: "refused prompt is retried softened", models: []string{"m"},
			do: func(ctx context.Context, _, prompt string) (image.Image, error) {
				if !strings.HasPrefix(prompt, softPrompt) {
					return nil, meme.ErrRefused
				}
				return pic(), nil
			},
			wantModel: "m", wantRung: rungFull, maxLatency: time.Second,
			check: func(t *testing.T, f *fakeImager) {
				if n := f.calls.Load(); n != 2 {
					t.Errorf("%d image calls, want the refused one and one softened: %q", n, f.prompts())
				}
			},
		},
		{
			name: "refused twice drops a rung", models: []string{"m", "n"},
			do:        func(context.Context, string, string) (image.Image, error) { return nil, meme.ErrRefused },
			wantModel: "offline", wantRung: rungOffline, maxLatency: time.Second,
			wantLog: `"msg":"image call failed","error":"image model m: ` + meme.ErrRefused.Error() + `"`,
			check: func(t *testing.T, f *fakeImager) {
				if n := f.calls.Load(); n != 2 {
					t.Errorf("%d image calls: a refusal must not be tried on other models", n)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeImager{models: c.models, do: c.do}
			var logs bytes.Buffer
			results := &memResults{}
			p := New(Options{Planner: slowPlan(50 * time.Millisecond), Imager: f, Media: &memMedia{objs: map[string][]byte{}},
				Results: results, Deadline: 2 * time.Second, HedgeAfter: c.hedge, Speculate: c.speculate,
				Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			start := time.Now()
			ans := p.Generate(context.Background(), meme.Request{ResultID: 5, HasResultID: true, Prompt: "a dog on friday"}, start)
			elapsed := time.Since(start)
			if f.live.Load() != 0 {
				t.Errorf("%d image calls still running after the answer", f.live.Load())
			}
			if ans.Type != meme.TypeImage || elapsed > 2*time.Second || (c.maxLatency > 0 && elapsed > c.maxLatency) {
				t.Errorf("answer %+v after %v", ans, elapsed)
			}
			recs := results.records()
			if len(recs) != 1 || recs[0].ImageModel != c.wantModel {
				t.Fatalf("records %+v, want image model %s", recs, c.wantModel)
			}
			m := emfLine(t, logs.Bytes())
			if m["Rung"] != c.wantRung || (m["SpeculativeUsed"] == 1.0) != c.wantSpec || (m["HedgeFired"] == 1.0) != c.wantHedged {
				t.Errorf("metrics %v", m)
			}
			// Only stages that ran are reported: a still has no clip or voice.
			for _, s := range []Stage{StageVideo, StageVoice, StageReplay} {
				if _, ok := m[s.Metric()]; ok {
					t.Errorf("%s on a still answered first time: %v", s.Metric(), m)
				}
			}
			for _, s := range []Stage{StagePlan, StageImage, StageRender, StageEncode, StageStore} {
				if _, ok := m[s.Metric()].(float64); !ok {
					t.Errorf("%s missing from a still's metrics: %v", s.Metric(), m)
				}
			}
			if c.check != nil {
				c.check(t, f)
			}
			if c.wantLog != "" && !strings.Contains(logs.String(), c.wantLog) {
				t.Errorf("logs lack %s:\n%s", c.wantLog, logs.String())
			}
		})
	}
}

// emfLine finds the Embedded Metric Format line and checks its shape.
func emfLine(t *testing.T, logs []byte) map[string]any {
	t.Helper()
	for _, line := range bytes.Split(logs, []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) != nil || m["_aws"] == nil {
			continue
		}
		if err := emf.Validate(line); err != nil {
			t.Errorf("EMF line breaks the specification: %v\n%s", err, line)
		}
		aws := m["_aws"].(map[string]any)
		defs := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
		if defs["Namespace"] != emf.Namespace || fmt.Sprint(defs["Dimensions"]) != "[[] [Rung] [Type]]" {
			t.Errorf("EMF directive %v", aws)
		}
		for _, d := range defs["Metrics"].([]any) {
			name := d.(map[string]any)["Name"].(string)
			if _, ok := m[name].(float64); !ok {
				t.Errorf("metric %s missing from the line", name)
			}
		}
		return m
	}
	t.Fatalf("no EMF line in logs:\n%s", logs)
	return nil
}

// A result_id answered once is answered again with the same file, quickly,
// and concurrent duplicates make one meme.
func TestIdempotentResultID(t *testing.T) {
	f := &fakeImager{models: []string{"m"}, do: func(ctx context.Context, _, _ string) (image.Image, error) {
		return pic(), sleepFor(ctx, 300*time.Millisecond)
	}}
	media := &memMedia{objs: map[string][]byte{}}
	results := &memResults{}
	p := New(Options{Planner: goodPlan, Imager: f, Media: media, Results: results, Deadline: 3 * time.Second})
	req := meme.Request{ResultID: 77, HasResultID: true, Prompt: "x"}

	var wg sync.WaitGroup
	answers := make([]meme.Answer, 4)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = p.Generate(context.Background(), req, time.Now())
		}()
	}
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d image calls for one result_id", n)
	}
	for _, a := range answers {
		if a.Type != meme.TypeImage || a.URL != answers[0].URL {
			t.Errorf("answers differ: %+v vs %+v", a, answers[0])
		}
	}
	start := time.Now()
	again := p.Generate(context.Background(), req, time.Now())
	if again.URL != answers[0].URL || time.Since(start) > 200*time.Millisecond || len(media.objs) != 1 {
		t.Errorf("retry: %+v after %v, %d files", again, time.Since(start), len(media.objs))
	}
	if recs := results.records(); len(recs) != 1 {
		t.Errorf("%d records, want the one of the request that made the meme", len(recs))
	}
}

// A duplicate whose original never finishes answers with text by the
// deadline instead of making a second meme.
func TestDuplicateOfStuckRequest(t *testing.T) {
	results := &memResults{items: map[int64]meme.Claim{9: {State: meme.StatusPending}}}
	f := &fakeImager{models: []string{"m"}, do: func(context.Context, string, string) (image.Image, error) { return pic(), nil }}
	p := New(Options{Planner: goodPlan, Imager: f, Media: &memMedia{objs: map[string][]byte{}}, Results: results, Deadline: 2 * time.Second})
	start := time.Now()
	ans := p.Generate(context.Background(), meme.Request{ResultID: 9, HasResultID: true, Prompt: "x"}, start)
	if ans.Type != meme.TypeText || time.Since(start) > 2*time.Second || f.calls.Load() != 0 {
		t.Errorf("answer %+v after %v with %d image calls", ans, time.Since(start), f.calls.Load())
	}
}

// Someone who posts a guessed future result_id first cannot pre-set the
// meme the arena's request for it gets: the claim binds the prompt.
func TestPresetMemeForFutureResultID(t *testing.T) {
	tests := []struct {
		name        string
		first, then string
		replayed    bool
	}{
		{"another prompt gets its own meme", "an attacker's preset joke", "the arena's real prompt", false},
		{"the same prompt is a retry", "monday again", "monday again", true},
		{"white space does not make a prompt new", "monday again", "  monday\tagain ", true},
		{"case does", "monday again", "Monday again", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			results := &memResults{}
			media := &memMedia{objs: map[string][]byte{}}
			var logs bytes.Buffer
			p := New(Options{Planner: goodPlan, Imager: goodImage(), Media: media, Results: results,
				Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			first := p.Generate(context.Background(), meme.Request{ResultID: 5000, HasResultID: true, Prompt: tc.first}, time.Now())
			logs.Reset()
			then := p.Generate(context.Background(), meme.Request{ResultID: 5000, HasResultID: true, Prompt: tc.then}, time.Now())
			if first.Type != meme.TypeImage || then.Type != meme.TypeImage {
				t.Fatalf("answers %+v, %+v", first, then)
			}
			if got := then.URL == first.URL; got != tc.replayed {
				t.Errorf("replayed = %v (%s vs %s), want %v", got, then.URL, first.URL, tc.replayed)
			}
			if m := emfLine(t, logs.Bytes()); (m["PromptConflict"] == 1.0) == tc.replayed {
				t.Errorf("PromptConflict = %v on the second request", m["PromptConflict"])
			}
			recs := results.records()
			wantConflicts := map[bool]int{true: 0, false: 1}[tc.replayed]
			if len(recs) != 1 || recs[0].Prompt != tc.first || results.conflicts[5000] != wantConflicts {
				t.Errorf("%d records (%+v), %d conflicts; want the first request's record only and %d conflicts",
					len(recs), recs, results.conflicts[5000], wantConflicts)
			}
			// The conflicting answer is kept beside the claim, under its
			// prompt's hash, for its battle's votes to find
			// (TestVotesOnAPresetResultID, in statsync).
			beside := results.beside[5000][meme.PromptHash(tc.then)]
			if tc.replayed != (beside.Prompt == "") || (!tc.replayed && (beside.MediaKey == "" || beside.Type != meme.TypeImage)) {
				t.Errorf("conflicting answer kept: %+v", beside)
			}
		})
	}
}

// A record write that fails is retried within the budget.
func TestRecordRetried(t *testing.T) {
	results := &memResults{failPuts: 2}
	p := New(Options{Planner: goodPlan, Imager: goodImage(), Media: &memMedia{objs: map[string][]byte{}}, Results: results})
	p.Generate(context.Background(), meme.Request{ResultID: 4, HasResultID: true, Prompt: "x"}, time.Now())
	if c, _ := results.Lookup(context.Background(), 4); c.State != meme.StatusDone || len(results.records()) != 3 {
		t.Errorf("after 2 failures: %+v, %d attempts", c, len(results.records()))
	}
}

type fakeClipper struct {
	delay time.Duration
	err   error
	mu    sync.Mutex
	specs []video.Spec
}

func (f *fakeClipper) RenderClip(ctx context.Context, s video.ClipSpec) ([]byte, error) {
	if err := sleepFor(ctx, f.delay); err != nil {
		return nil, err
	}
	return []byte("mp4"), f.err
}

func (f *fakeClipper) Render(ctx context.Context, s video.Spec) ([]byte, error) {
	f.mu.Lock()
	f.specs = append(f.specs, s)
	f.mu.Unlock()
	if err := sleepFor(ctx, f.delay); err != nil {
		return nil, err
	}
	return []byte("mp4"), f.err
}

type speakFunc func(ctx context.Context, text string) ([]byte, error)

func (f speakFunc) Speak(ctx context.Context, text, _ string) ([]byte, error) { return f(ctx, text) }

func TestVideoLadder(t *testing.T) {
	quickVoice := speakFunc(func(context.Context, string) ([]byte, error) { return []byte("RIFF"), nil })
	stuckVoice := speakFunc(func(ctx context.Context, _ string) ([]byte, error) { return nil, sleepFor(ctx, time.Hour) })
	slowPic := &fakeImager{models: []string{"m"}, do: func(ctx context.Context, _, _ string) (image.Image, error) {
		return pic(), sleepFor(ctx, 100*time.Millisecond)
	}}
	cases := []struct {
		name      string
		clipper   *fakeClipper
		voice     Speaker
		deadline  time.Duration
		wantType  string
		wantStrat string
		wantFall  string
		wantVoice bool
	}{
		{"video with voice", &fakeClipper{}, quickVoice, 6 * time.Second, "video", "llm-video-voice", "", true},
		{"voice too slow: silent clip", &fakeClipper{}, stuckVoice, 6 * time.Second, "video", "llm-video", "", false},
		{"clip fails: the still", &fakeClipper{err: errors.New("ffmpeg: exit 1")}, nil, 6 * time.Second, "image", "llm-classic", "video", false},
		{"clip too slow: the still", &fakeClipper{delay: time.Hour}, nil, 6 * time.Second, "image", "llm-classic", "video", false},
		{"no time for a clip", &fakeClipper{}, nil, 3 * time.Second, "image", "llm-classic", "video-budget", false},
		{"no ffmpeg", nil, nil, 6 * time.Second, "image", "llm-classic", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			results := &memResults{}
			var logs bytes.Buffer
			o := Options{Planner: goodPlan, Imager: slowPic, Media: &memMedia{objs: map[string][]byte{}}, Results: results,
				Deadline: c.deadline, FormatPolicy: meme.TypeVideo, Voice: c.voice, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
			if c.clipper != nil {
				o.Video = c.clipper
			}
			start := time.Now()
			ans := New(o).Generate(context.Background(), meme.Request{ResultID: 1, HasResultID: true, Prompt: "x"}, start)
			if ans.Type != c.wantType || time.Since(start) > c.deadline {
				t.Fatalf("answer %+v after %v", ans, time.Since(start))
			}
			rec := results.records()[0]
			if rec.Strategy != c.wantStrat || rec.Fallback != c.wantFall || rec.Type != c.wantType {
				t.Errorf("record strategy=%q fallback=%q type=%q", rec.Strategy, rec.Fallback, rec.Type)
			}
			if c.wantType == "video" && !strings.HasSuffix(rec.MediaKey, ".mp4") {
				t.Errorf("media key %s", rec.MediaKey)
			}
			// A clip that was rendered is timed in stage_ms and in the metrics.
			if rendered := c.clipper != nil && len(c.clipper.specs) > 0; rendered {
				if _, ok := rec.StageMS["video"]; !ok {
					t.Errorf("stage_ms %v has no video", rec.StageMS)
				}
				v, ok := emfLine(t, logs.Bytes())["VideoMs"].(float64)
				if !ok {
					t.Errorf("no VideoMs for a clip that was rendered")
				}
				if c.clipper.delay > 0 && v < 1000 {
					t.Errorf("VideoMs = %v for a clip that ran out its budget", v)
				}
				if _, voiced := emfLine(t, logs.Bytes())["VoiceMs"]; voiced != (c.voice != nil) {
					t.Errorf("VoiceMs reported %v with a voice %v", voiced, c.voice != nil)
				}
			}
			if c.clipper != nil && len(c.clipper.specs) > 0 {
				s := c.clipper.specs[0]
				if (s.Voice != nil) != c.wantVoice || len(s.Layers) != 2 || s.Base.Rect.Dx()%2 != 0 {
					t.Errorf("spec voice=%v layers=%d base=%v", s.Voice != nil, len(s.Layers), s.Base.Rect)
				}
			}
		})
	}
}

// TestVideoEstimateRecovers: after one slow burst the estimate stayed above
// the time left and no clip was tried again for the life of the process.
// Skipped clips now pull it back, and once none has run for videoProbe one
// is tried anyway; a fast one brings video back.
func TestVideoEstimateRecovers(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	clipper := &fakeClipper{}
	results := &memResults{}
	p := New(Options{Planner: goodPlan, Imager: goodImage(), Media: &memMedia{objs: map[string][]byte{}}, Results: results,
		Deadline: 6 * time.Second, FormatPolicy: meme.TypeVideo, Video: clipper, Now: clock})
	for i := 0; i < 5; i++ {
		p.learn(30 * time.Second) // a burst of slow clips
	}
	stuck := time.Duration(p.videoEst.Load())
	ask := func(id int64) meme.Answer {
		return p.Generate(context.Background(), meme.Request{ResultID: id, HasResultID: true, Prompt: "x"}, time.Now())
	}
	if ans := ask(1); ans.Type != meme.TypeImage {
		t.Fatalf("with a %v estimate: %+v", stuck, ans)
	}
	if est := time.Duration(p.videoEst.Load()); est >= stuck {
		t.Errorf("a skipped clip left the estimate at %v", est)
	}
	now.Add(int64(31 * time.Second)) // idle long enough: a probe
	if ans := ask(2); ans.Type != meme.TypeVideo {
		t.Fatalf("no probe after 31 s idle: %+v", ans)
	}
	for id := int64(3); id < 20 && time.Duration(p.videoEst.Load()) > firstVideoEst; id++ {
		ask(id) // each fast probe or clip teaches the estimate
		now.Add(int64(31 * time.Second))
	}
	if ans := ask(99); ans.Type != meme.TypeVideo {
		t.Errorf("video did not come back: estimate %v", time.Duration(p.videoEst.Load()))
	}
}
