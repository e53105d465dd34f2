package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/emf"
	"punchline/pkg/platform/reqlog"
)

type genFunc func(ctx context.Context, req meme.Request, arrived time.Time) meme.Answer

func (f genFunc) Generate(ctx context.Context, req meme.Request, arrived time.Time) meme.Answer {
	return f(ctx, req, arrived)
}

func echoGen() genFunc {
	return func(_ context.Context, req meme.Request, _ time.Time) meme.Answer {
		return meme.Answer{Type: meme.TypeText, Text: "echo: " + req.Prompt}
	}
}

func do(t *testing.T, h http.Handler, method, target, body string, header map[string]string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var got map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s %s: body is not JSON: %q", method, target, rec.Body.String())
		}
	}
	return rec, got
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestRoutes(t *testing.T) {
	media := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("jpeg")) })
	s := NewServer(Options{Generator: echoGen(), Media: media})
	tests := []struct {
		name, method, target, body string
		header                     map[string]string
		status                     int
		code                       string // error code, or "" for a success
	}{
		{"predict at root", "POST", "/", `{"prompt":"hi"}`, nil, 200, ""},
		{"predict at documented path", "POST", "/api/v1/predict", `{"prompt":"hi"}`, nil, 200, ""},
		{"any content type", "POST", "/", `{"prompt":"hi"}`, map[string]string{"Content-Type": "text/plain"}, 200, ""},
		{"form content type", "POST", "/", `{"prompt":"hi"}`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 200, ""},
		{"GET predict", "GET", "/api/v1/predict", "", nil, 405, meme.CodeMethodNotAllowed},
		{"PUT root", "PUT", "/", `{"prompt":"hi"}`, nil, 405, meme.CodeMethodNotAllowed},
		{"bad body", "POST", "/", `{"prompt":1}`, nil, 400, meme.CodeBadRequest},
		{"healthz", "GET", "/healthz", "", nil, 200, ""},
		{"POST healthz", "POST", "/healthz", "", nil, 405, meme.CodeMethodNotAllowed},
		{"unknown path", "POST", "/api/v2/predict", `{"prompt":"hi"}`, nil, 404, meme.CodeNotFound},
		{"media", "GET", "/media/2026/x.jpg", "", nil, 200, ""},
		{"POST media", "POST", "/media/2026/x.jpg", "", nil, 405, meme.CodeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.code != "" {
				var body map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || errCode(body) != tt.code {
					t.Errorf("body %s, want error code %s", rec.Body, tt.code)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("error Content-Type = %q", ct)
				}
			}
			if tt.status == 405 && rec.Header().Get("Allow") == "" {
				t.Errorf("405 without Allow header")
			}
		})
	}
}

func TestAuthToken(t *testing.T) {
	s := NewServer(Options{Generator: echoGen(), AuthToken: "s3cret"})
	tests := []struct {
		name, target string
		header       map[string]string
		status       int
	}{
		{"no token", "/", nil, 401},
		{"wrong bearer", "/", map[string]string{"Authorization": "Bearer nope"}, 401},
		{"wrong scheme", "/", map[string]string{"Authorization": "Basic s3cret"}, 401},
		{"prefix of token", "/?token=s3c", nil, 401},
		{"bearer", "/", map[string]string{"Authorization": "Bearer s3cret"}, 200},
		{"bearer any case", "/", map[string]string{"Authorization": "bearer s3cret"}, 200},
		{"query token", "/api/v1/predict?token=s3cret", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, body := do(t, s, "POST", tt.target, `{"prompt":"hi"}`, tt.header)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			if tt.status == 401 && errCode(body) != meme.CodeUnauthorized {
				t.Errorf("body %v, want UNAUTHORIZED", body)
			}
		})
	}
	// Health checks stay open: load balancers and humans need them.
	if rec, _ := do(t, s, "GET", "/healthz", "", nil); rec.Code != 200 {
		t.Errorf("healthz with auth on: %d", rec.Code)
	}
}

// A panic anywhere in generation still answers 200 with a text meme and
// is logged with the request's result_id.
// A prompt (or a model) with bidi overrides and control characters used
// to have them echoed into the text answer, where they reorder what it
// says; newlines stay.
func TestTextAnswerDoesNotEchoBidiOrControls(t *testing.T) {
	s := NewServer(Options{Generator: genFunc(func(_ context.Context, req meme.Request, _ time.Time) meme.Answer {
		return meme.Answer{Type: meme.TypeText, Text: "Me: " + req.Prompt + "\n\x1b[31mred\x00"}
	})})
	_, body := do(t, s, "POST", "/", `{"prompt":"pay \u202egnp.exe\u202c now\u0007"}`, nil)
	if got, want := body["text"], "Me: pay gnp.exe now\n[31mred"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}

// A client that disconnected used to cancel the pipeline, which then
// recorded a degraded offline meme as done for the retry to replay. The
// work now runs to its own deadline, and the platform's deadline stays.
func TestClientGoneKeepsWorking(t *testing.T) {
	tests := []struct {
		name         string
		withDeadline bool
	}{{"no platform deadline", false}, {"Lambda deadline kept", true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type seen struct {
				err      error
				deadline time.Time
				has      bool
			}
			got := make(chan seen, 1)
			s := NewServer(Options{Generator: genFunc(func(ctx context.Context, _ meme.Request, _ time.Time) meme.Answer {
				time.Sleep(100 * time.Millisecond) // the client hangs up meanwhile
				dl, has := ctx.Deadline()
				got <- seen{ctx.Err(), dl, has}
				return meme.Answer{Type: meme.TypeText, Text: "full meme"}
			})})
			ctx, cancel := context.WithCancel(context.Background())
			want := time.Now().Add(time.Hour)
			if tc.withDeadline {
				ctx, cancel = context.WithDeadline(context.Background(), want)
			}
			req := httptest.NewRequest("POST", "/", strings.NewReader(`{"result_id":1,"prompt":"hi"}`)).WithContext(ctx)
			time.AfterFunc(10*time.Millisecond, cancel)
			s.ServeHTTP(httptest.NewRecorder(), req)
			g := <-got
			if g.err != nil {
				t.Errorf("generator's context: %v after the client left", g.err)
			}
			if g.has != tc.withDeadline || (tc.withDeadline && !g.deadline.Equal(want)) {
				t.Errorf("deadline %v (%v), want %v (%v)", g.deadline, g.has, want, tc.withDeadline)
			}
		})
	}
}

func TestPanicAnswersWithTextMeme(t *testing.T) {
	var logs bytes.Buffer
	s := NewServer(Options{
		Generator: genFunc(func(context.Context, meme.Request, time.Time) meme.Answer { panic("boom") }),
		Logger:    reqlog.New(&logs, slog.LevelInfo),
	})
	rec, body := do(t, s, "POST", "/", `{"result_id":77,"prompt":"кот и понедельник"}`, nil)
	if rec.Code != 200 || body["type"] != "text" {
		t.Fatalf("status %d body %v, want 200 text answer", rec.Code, body)
	}
	if text, _ := body["text"].(string); !strings.Contains(text, "кот и понедельник") {
		t.Errorf("text meme %q does not use the prompt", text)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if entry["result_id"] != float64(77) {
			t.Errorf("log line without result_id 77: %s", line)
		}
		if entry["msg"] == "panic" {
			found = true
		}
	}
	if !found {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

func TestArrivalAndResultIDReachGenerator(t *testing.T) {
	arrival := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var gotArrival time.Time
	var gotID int64
	s := NewServer(Options{
		Now: func() time.Time { return arrival },
		Generator: genFunc(func(ctx context.Context, req meme.Request, arrived time.Time) meme.Answer {
			gotArrival = arrived
			gotID, _ = reqlog.ResultID(ctx)
			return meme.Answer{Type: "image", URL: "https://x/y.jpg"}
		}),
	})
	rec, body := do(t, s, "POST", "/", `{"result_id":"9","prompt":"hi"}`, nil)
	if rec.Code != 200 || body["url"] != "https://x/y.jpg" || body["type"] != "image" {
		t.Fatalf("status %d body %v", rec.Code, body)
	}
	if _, hasText := body["text"]; hasText {
		t.Errorf("image answer carries a text field: %v", body)
	}
	if !gotArrival.Equal(arrival) || gotID != 9 {
		t.Errorf("generator saw arrival %v id %d", gotArrival, gotID)
	}
}

// Requests the generator never answers (rejections) and panics still
// write a metrics line, valid EMF, by rung and type, so error rates and
// latency see them.
func TestErrorPathsWriteMetrics(t *testing.T) {
	panicky := genFunc(func(context.Context, meme.Request, time.Time) meme.Answer { panic("boom") })
	for _, tc := range []struct {
		name, method, target, body string
		gen                        Generator
		header                     map[string]string
		rung, typ, metric          string
	}{
		{"malformed JSON", "POST", "/", `{"result_id":`, echoGen(), nil, "bad-request", "error", "Rejected"},
		{"no token", "POST", "/", `{"result_id":1,"prompt":"x"}`, echoGen(), nil, "unauthorized", "error", "Rejected"},
		{"GET predict", "GET", "/api/v1/predict", ``, echoGen(), nil, "method-not-allowed", "error", "Rejected"},
		{"no route", "GET", "/nope", ``, echoGen(), nil, "not-found", "error", "Rejected"},
		{"panic", "POST", "/", `{"result_id":1,"prompt":"x"}`, panicky, map[string]string{"Authorization": "Bearer s3cret"}, "panic", "text", "Panics"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			token := ""
			if tc.name != "malformed JSON" && tc.name != "GET predict" && tc.name != "no route" {
				token = "s3cret"
			}
			s := NewServer(Options{Generator: tc.gen, Logger: reqlog.New(&logs, slog.LevelInfo), AuthToken: token})
			h := tc.header
			do(t, s, tc.method, tc.target, tc.body, h)
			var line map[string]any
			for _, l := range bytes.Split(logs.Bytes(), []byte("\n")) {
				if bytes.Contains(l, []byte(`"_aws"`)) {
					if err := emf.Validate(l); err != nil {
						t.Fatalf("%v\n%s", err, l)
					}
					_ = json.Unmarshal(l, &line)
				}
			}
			if line == nil {
				t.Fatalf("no metrics line:\n%s", logs.String())
			}
			if line["Rung"] != tc.rung || line["Type"] != tc.typ || line[tc.metric] != 1.0 || line["LatencyMs"] == nil {
				t.Errorf("metrics line %v, want rung %s type %s %s=1", line, tc.rung, tc.typ, tc.metric)
			}
		})
	}
	// A good request leaves the metrics to the generator (the pipeline).
	var logs bytes.Buffer
	s := NewServer(Options{Generator: echoGen(), Logger: reqlog.New(&logs, slog.LevelInfo)})
	do(t, s, "POST", "/", `{"result_id":1,"prompt":"x"}`, nil)
	if bytes.Contains(logs.Bytes(), []byte(`"_aws"`)) {
		t.Errorf("the server wrote metrics for an answered request:\n%s", logs.String())
	}
}
