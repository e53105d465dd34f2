package chat_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/chat"
	"punchline/pkg/provider/providertest"
)

// Every chat model with a kept schema answers through the stand-in, which
// refuses any body its published schema does not allow; the cost is
// metered from the header, or from meta.usage without it.
func TestCompleteEveryFamily(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	cl := chat.New(srv.Client(), srv.URL+"/v1", "key", aiml.NewHealth())
	for i, model := range providertest.SchemaModels("/chat/completions") {
		t.Run(model, func(t *testing.T) {
			srv.Set(func(b *providertest.Behavior) { b.ChatContent, b.NoCostHeader = `{"ranking":[1]}`, i%2 == 1 })
			m := &aiml.Meter{}
			got, err := cl.Complete(aiml.WithMeter(context.Background(), m), aiml.Chat{Model: model, System: "s", User: "u", MaxTokens: 50, JSON: true,
				Images: []aiml.Image{{Label: "Candidate 1:", MIME: "image/jpeg", Data: []byte{0xFF, 0xD8, 0xFF}}}})
			if err != nil || got != `{"ranking":[1]}` {
				t.Fatalf("%q %v", got, err)
			}
			if m.USD() != providertest.ChatUSD {
				t.Errorf("cost %v", m.USD())
			}
		})
	}
	if r := srv.Refusals(); len(r) > 0 {
		t.Errorf("refused: %q", r)
	}
}

// Errors by meaning: out of credits opens the breaker (the next call is
// not made), a deprecated model is skipped, a refusal-looking validation
// error stays a validation error.
func TestCompleteErrors(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	ctx := context.Background()
	h := aiml.NewHealth()
	cl := chat.New(srv.Client(), srv.URL, "key", h)
	req := aiml.Chat{Model: "openai/gpt-4.1-mini-2025-04-14", User: "u", MaxTokens: 10}

	srv.Set(func(b *providertest.Behavior) { b.Account = providertest.AccountNoCredits })
	if _, err := cl.Complete(ctx, req); aiml.KindOf(err) != aiml.KindCredits {
		t.Fatalf("%v, want credits", err)
	}
	before := srv.Chats.Load()
	if _, err := cl.Complete(ctx, aiml.Chat{Model: "anthropic/claude-haiku-4.5", User: "u"}); !errors.Is(err, meme.ErrProviderAccount) || srv.Chats.Load() != before {
		t.Errorf("breaker open: %v, %d more calls", err, srv.Chats.Load()-before)
	}

	h2 := aiml.NewHealth()
	cl2 := chat.New(srv.Client(), srv.URL, "key", h2)
	srv.Set(func(b *providertest.Behavior) { b.Account = "" })
	if _, err := cl2.Complete(ctx, aiml.Chat{Model: "claude-3-5-haiku-20241022", User: "u"}); aiml.KindOf(err) != aiml.KindGone {
		t.Errorf("deprecated judge: %v", err)
	}
	if _, err := cl2.Complete(ctx, aiml.Chat{Model: "claude-3-5-haiku-20241022", User: "u"}); !errors.Is(err, meme.ErrModelGone) || srv.Calls("claude-3-5-haiku-20241022") != 1 {
		t.Errorf("gone model called again: %v (%d calls)", err, srv.Calls("claude-3-5-haiku-20241022"))
	}

	srv.Set(func(b *providertest.Behavior) { b.RateLimited = true })
	if _, err := cl2.Complete(ctx, req); aiml.KindOf(err) != aiml.KindRateLimited {
		t.Errorf("429: %v", err)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		body, want, err string
	}{
		{`{"choices":[{"message":{"content":"hi"}}]}`, "hi", ""},
		{`{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]}`, "ab", ""},
		{`{"choices":[{"finish_reason":"length","message":{"content":""}}]}`, "", "token cap"},
		{`{"choices":[{"message":{"content":null,"refusal":"no"}}]}`, "", "refused"},
		{`{"choices":[]}`, "", "no choices"},
		{`[1]`, "", "decode"},
	}
	for _, tc := range tests {
		got, err := chat.Text([]byte(tc.body))
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %q %v", tc.body, got, err)
		}
	}
}

// An answer over the cap is refused before it is parsed.
func TestAnswerCap(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	srv.Set(func(b *providertest.Behavior) { b.ChatContent = strings.Repeat("[", chat.MaxAnswerBytes) })
	_, err := chat.New(srv.Client(), srv.URL, "key", nil).Complete(context.Background(), aiml.Chat{Model: "gpt-4o-mini", User: "u"})
	if err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("%v", err)
	}
}

// FuzzText: any answer body is read without panicking.
func FuzzText(f *testing.F) {
	for _, s := range []string{`{"choices":[{"message":{"content":"x"}}]}`, `{"choices":[{"message":{"content":[{"text":1}]}}]}`, `{}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		text, err := chat.Text(body)
		if err == nil && strings.TrimSpace(text) == "" {
			t.Fatal("empty text without an error")
		}
	})
}
