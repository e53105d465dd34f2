package aiml_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/providertest"
)

func aimlBody(status int, msg string) []byte {
	return []byte(`{"message":` + quote(msg) + `,"path":"/v1/images/generations","requestId":"r-1","statusCode":` +
		quote(http.StatusText(status)) + `,"timestamp":"2026-03-11T07:13:27.813Z"}`)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Errors are read for what they mean (the provider's
// docs/errors-and-messages): a body-validation 400 that names a field
// such as safety_setting or moderation is never a content refusal.
func TestClassify(t *testing.T) {
	tests := []struct {
		status int
		msg    string
		want   aiml.Kind
	}{
		{401, "This request requires a valid API key.", aiml.KindAuth},
		{403, "You've run out of credits. Please top up your balance", aiml.KindCredits},
		{404, "", aiml.KindGone},
		{429, "Too Many Requests", aiml.KindRateLimited},
		{500, "The model is under maintenance, please contact us at help@aimlapi.com.", aiml.KindModelFailed},
		{502, "Bad Gateway", aiml.KindUnavailable},
		{503, "Service unavailable", aiml.KindUnavailable},
		{504, "Generation timeout", aiml.KindTimeout},
		{400, "Body validation error!\nInvalid enum value. Expected 'block_low_and_above', received 'x' at safety_setting", aiml.KindValidation},
		{400, "Body validation error! moderation: Expected 'low' | 'auto'", aiml.KindValidation},
		{400, "Unsupported value: 'messages[0].role' does not support 'system' with this model.", aiml.KindValidation},
		{400, "Your prompt was flagged by our content_policy", aiml.KindRefused},
		{400, "Request blocked by the safety system", aiml.KindRefused},
		{418, "teapot", aiml.KindOther},
	}
	for _, tc := range tests {
		e := aiml.Classify("m", tc.status, http.Header{}, aimlBody(tc.status, tc.msg))
		if e.Kind != tc.want {
			t.Errorf("%d %q: %s, want %s", tc.status, tc.msg, e.Kind, tc.want)
		}
		if e.RequestID != "r-1" {
			t.Errorf("request id %q", e.RequestID)
		}
		if errors.Is(e, meme.ErrRefused) != (tc.want == aiml.KindRefused) {
			t.Errorf("%d %q: ErrRefused is %v", tc.status, tc.msg, errors.Is(e, meme.ErrRefused))
		}
		if errors.Is(e, meme.ErrProviderAccount) != (tc.status == 401 || tc.status == 403) {
			t.Errorf("%d: account-wide is %v", tc.status, errors.Is(e, meme.ErrProviderAccount))
		}
	}
	// OpenAI's error shape and plain text are read too; Retry-After both ways.
	e := aiml.Classify("m", 429, http.Header{"Retry-After": {"3"}}, []byte(`{"error":{"message":"slow down"}}`))
	if e.Message != "slow down" || e.RetryAfter != 3*time.Second {
		t.Errorf("%+v", e)
	}
	if e := aiml.Classify("m", 500, http.Header{}, []byte("<html>oops</html>")); e.Message != "<html>oops</html>" || e.Kind != aiml.KindModelFailed {
		t.Errorf("%+v", e)
	}
}

func TestSpent(t *testing.T) {
	tests := []struct {
		header string
		body   string
		want   float64
	}{
		{"0.001240000", `{}`, 0.00124},
		{"", `{"meta":{"usage":{"credits_used":2480,"usd_spent":0.00124}}}`, 0.00124},
		{"NaN", `{"meta":{"usage":{"usd_spent":0.5}}}`, 0},
		{"", `{"meta":{"usage":{"usd_spent":-1}}}`, 0},
		{"", `{"meta":{"usage":{"usd_spent":1e308}}}`, 0},
		{"", `RIFF....`, 0},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.header != "" {
			h.Set(aiml.CostHeader, tc.header)
		}
		if got := aiml.Spent(h, []byte(tc.body)); got != tc.want {
			t.Errorf("%q %q: %v, want %v", tc.header, tc.body, got, tc.want)
		}
	}
	m := &aiml.Meter{}
	ctx := aiml.WithMeter(context.Background(), m)
	aiml.Charge(ctx, 0.25)
	aiml.Charge(ctx, 0.5)
	aiml.Charge(context.Background(), 7) // no meter: nothing
	if m.USD() != 0.75 || m.Calls() != 2 {
		t.Errorf("meter %v over %d calls", m.USD(), m.Calls())
	}
}

// An account-wide error opens the breaker for every model; a gone model
// stays skipped until the catalogue lists it again; a model failing on
// its own is skipped for a while; a 429 makes the next call wait.
func TestHealth(t *testing.T) {
	ctx := context.Background()
	h := aiml.NewHealth()
	var events []aiml.Event
	h.OnEvent = func(ev aiml.Event) { events = append(events, ev) }

	h.Observe(ctx, "flux/schnell", aiml.Classify("flux/schnell", 404, nil, nil))
	h.Observe(ctx, "flux/schnell", aiml.Classify("flux/schnell", 404, nil, nil))
	if err := h.Allow(ctx, "flux/schnell"); !errors.Is(err, meme.ErrModelGone) {
		t.Errorf("gone model allowed: %v", err)
	}
	if got := h.Usable([]string{"flux/schnell", "alibaba/z-image-turbo"}); len(got) != 1 || got[0] != "alibaba/z-image-turbo" {
		t.Errorf("usable %v", got)
	}
	h.Live("flux/schnell")
	if err := h.Allow(ctx, "flux/schnell"); err != nil {
		t.Errorf("listed again, still skipped: %v", err)
	}

	h.Observe(ctx, "openai/gpt-4.1-mini-2025-04-14", aiml.Classify("m", 500, nil, aimlBody(500, "The model is under maintenance")))
	if err := h.Allow(ctx, "openai/gpt-4.1-mini-2025-04-14"); !errors.Is(err, meme.ErrModelGone) {
		t.Errorf("failing model allowed: %v", err)
	}

	h.Observe(ctx, "anthropic/claude-haiku-4.5", aiml.Classify("m", 403, nil, aimlBody(403, "You've run out of credits")))
	for _, m := range []string{"anthropic/claude-haiku-4.5", "alibaba/z-image-turbo"} {
		if err := h.Allow(ctx, m); !errors.Is(err, meme.ErrProviderAccount) {
			t.Errorf("%s allowed with the breaker open: %v", m, err)
		}
	}
	if k, open := h.Account(); !open || k != aiml.KindCredits {
		t.Errorf("account %s open=%v", k, open)
	}
	if len(events) != 3 {
		t.Errorf("%d events, want one each for gone, failing and credits: %+v", len(events), events)
	}

	slow := aiml.NewHealth()
	slow.Observe(ctx, "m", aiml.Classify("m", 429, http.Header{}, aimlBody(429, "Too Many Requests")))
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := slow.Allow(short, "m"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("after a 429 a call went at once: %v", err)
	}
}

// The catalogue from the stand-in: ids and aliases match, ?id= narrows
// it, the ETag gives a 304.
func TestFetchCatalogue(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	ctx := context.Background()
	cat, err := aiml.FetchCatalogue(ctx, srv.Client(), srv.URL+"/v1", nil, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Models) < 300 {
		t.Errorf("%d models", len(cat.Models))
	}
	m, ok := cat.Resolve("claude-haiku-4-5") // an alias
	if !ok || m.ID != "anthropic/claude-haiku-4.5" || !m.Vision || m.Role() != "chat" {
		t.Errorf("alias resolved to %+v %v", m, ok)
	}
	if _, ok := cat.Resolve("claude-3-5-haiku-20241022"); ok {
		t.Error("a deprecated model is listed")
	}
	if _, err := aiml.FetchCatalogue(ctx, srv.Client(), srv.URL, nil, cat.ETag, time.Now()); !errors.Is(err, aiml.ErrNotModified) {
		t.Errorf("same ETag: %v, want not modified", err)
	}
	few, err := aiml.FetchCatalogue(ctx, srv.Client(), srv.URL, []string{"flux/schnell", "CLAUDE-HAIKU-4-5", "gone-model"}, "", time.Now())
	if err != nil || len(few.Models) != 2 || !few.Partial {
		t.Fatalf("by id: %v %+v", err, few)
	}
	srv.Set(func(b *providertest.Behavior) { b.Deprecated = []string{"flux/schnell"} })
	after, err := aiml.FetchCatalogue(ctx, srv.Client(), srv.URL, nil, cat.ETag, time.Now())
	if err != nil {
		t.Fatalf("changed catalogue: %v", err)
	}
	if _, ok := after.Resolve("flux/schnell"); ok {
		t.Error("deprecated since, still listed")
	}
}

func TestDecodeCatalogueHostile(t *testing.T) {
	for _, body := range []string{`[]`, `{"data":null}`, `not json`} {
		if _, err := aiml.DecodeCatalogue([]byte(body)); err == nil {
			t.Errorf("%q accepted", body)
		}
	}
	cat, err := aiml.DecodeCatalogue([]byte(`{"data":[{"id":7},{"id":""},{"id":"a\u0000b"},{"id":"ok/model","aliases":["x",5],"info":{"developer":"Open AI"},"capabilities":["vision"]}]}`))
	if err != nil || len(cat.Models) != 1 || cat.Models[0].Aliases[0] != "x" || !cat.Models[0].Vision {
		t.Errorf("%v %+v", err, cat)
	}
}

// FuzzDecodeCatalogue: whatever the catalogue answers, decoding never
// panics and every model it keeps has a clean id.
func FuzzDecodeCatalogue(f *testing.F) {
	for _, s := range []string{`{"object":"list","data":[{"id":"a","aliases":["b"],"info":{"developer":"D"}}]}`, `{"data":[{}]}`, `{}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		cat, err := aiml.DecodeCatalogue(body)
		if err != nil {
			return
		}
		for _, m := range cat.Models {
			if m.ID == "" || meme.CleanText(m.ID) != m.ID {
				t.Fatalf("kept id %q", m.ID)
			}
			_, _ = cat.Resolve(m.ID)
		}
	})
}

// FuzzClassify: any error answer is read without panicking, and a
// body-validation message is never a refusal.
func FuzzClassify(f *testing.F) {
	f.Add(400, []byte(`{"message":"Body validation error! safety_setting"}`))
	f.Add(403, []byte(`{"message":["a","b"],"requestId":"x"}`))
	f.Add(500, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := aiml.Classify("m", status, http.Header{}, body)
		if e.Kind == aiml.KindRefused && strings.Contains(strings.ToLower(e.Message), "body validation") {
			t.Fatalf("validation read as a refusal: %q", e.Message)
		}
		_ = e.Error()
	})
}

// The lineup: gone models skipped and reported, the judge always of
// another developer than the first generator.
func TestChoose(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	cat, err := aiml.FetchCatalogue(context.Background(), srv.Client(), srv.URL, nil, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l := aiml.Choose(aiml.Prefs{
		Chat:   []string{"claude-3-5-haiku-20241022", "openai/gpt-4.1-mini-2025-04-14"},
		Judge:  []string{"gpt-4o-mini", "claude-haiku-4-5", "google/gemini-2.5-flash"},
		Image:  []string{"flux/schnell", "no-such/model"},
		Speech: []string{"openai/tts-1"},
	}, cat)
	if len(l.Chat) != 1 || l.Chat[0] != "openai/gpt-4.1-mini-2025-04-14" {
		t.Errorf("chat %v", l.Chat)
	}
	if len(l.Judge) != 2 || l.Judge[0] != "claude-haiku-4-5" || len(l.SameFamily) != 1 || l.SameFamily[0] != "gpt-4o-mini" {
		t.Errorf("judges %v, dropped %v", l.Judge, l.SameFamily)
	}
	if len(l.Gone) != 2 || l.Speech != "openai/tts-1" || !l.Vision["claude-haiku-4-5"] {
		t.Errorf("%+v", l)
	}
	// Without a catalogue every configured model counts as live.
	if l := aiml.Choose(aiml.Prefs{Chat: []string{"x"}, Judge: []string{"y"}}, nil); len(l.Chat) != 1 || len(l.Judge) != 1 {
		t.Errorf("%+v", l)
	}
}

func TestSkipped(t *testing.T) {
	h := aiml.NewHealth()
	ctx := context.Background()
	real := aiml.Classify("m", 403, http.Header{}, aimlBody(403, "You've run out of credits"))
	h.Observe(ctx, "m", real)
	local := h.Allow(ctx, "m")
	if aiml.Skipped(real) || !aiml.Skipped(local) || aiml.Skipped(errors.New("x")) {
		t.Errorf("real %v, local %v", aiml.Skipped(real), aiml.Skipped(local))
	}
}
