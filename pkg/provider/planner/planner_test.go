package planner

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"punchline/pkg/meme"
	"punchline/pkg/provider/providertest"
)

func TestParsePlan(t *testing.T) {
	const obj = `{"lang":"ru","format":"image","layout":"bar","top":"Я в понедельник","bottom":"кот в понедельник","image_prompt":"a sleepy cat","text":"Понедельник — это кот."}`
	tests := []struct {
		name, answer, prompt string
		want                 meme.Plan
		wantErr              string
	}{
		{name: "bare", answer: obj, prompt: "кот",
			want: meme.Plan{Lang: "ru", Format: "image", Layout: "bar", Top: "Я в понедельник", Bottom: "кот в понедельник", ImagePrompt: "a sleepy cat", Text: "Понедельник — это кот."}},
		{name: "fenced with prose", answer: "Sure! Here it is:\n```json\n" + obj + "\n```\nHope you like it {not json}", prompt: "кот",
			want: meme.Plan{Lang: "ru", Format: "image", Layout: "bar", Top: "Я в понедельник", Bottom: "кот в понедельник", ImagePrompt: "a sleepy cat", Text: "Понедельник — это кот."}},
		{name: "braces inside strings", answer: `{"top":"a } b","bottom":"c { d","text":"t"}`, prompt: "x",
			want: meme.Plan{Lang: "en", Format: "image", Layout: "classic", Top: "a } b", Bottom: "c { d", ImagePrompt: "a } b / c { d", Text: "t"}},
		{name: "prose brace before object", answer: `I think {this} works: {"bottom":"ok","text":"t"}`, prompt: "hello",
			want: meme.Plan{Lang: "en", Format: "image", Layout: "classic", Bottom: "ok", ImagePrompt: "ok", Text: "t"}},
		{name: "alternative keys and defaults", answer: `{"top_text":"one","bottom_text":"two"}`, prompt: "hello there",
			want: meme.Plan{Lang: "en", Format: "image", Layout: "classic", Top: "one", Bottom: "two", ImagePrompt: "one / two", Text: "one / two"}},
		{name: "lone top becomes punchline", answer: `{"top":"only this"}`, prompt: "hi",
			want: meme.Plan{Lang: "en", Format: "image", Layout: "classic", Bottom: "only this", ImagePrompt: "only this", Text: "only this"}},
		{name: "unknown format and layout", answer: `{"format":"gif","layout":"diagonal","bottom":"b","text":"t"}`, prompt: "hi",
			want: meme.Plan{Lang: "en", Format: "image", Layout: "classic", Bottom: "b", ImagePrompt: "b", Text: "t"}},
		{name: "text format", answer: `{"format":"text","text":"just words"}`, prompt: "hi",
			want: meme.Plan{Lang: "en", Format: "text", Layout: "classic", Bottom: "just words", ImagePrompt: "just words", Text: "just words"}},
		{name: "wrong types ignored", answer: `{"top":42,"bottom":["x"],"text":"t","lang":7}`, prompt: "кот",
			want: meme.Plan{Lang: "ru", Format: "image", Layout: "classic", Bottom: "t", ImagePrompt: "t", Text: "t"}},
		{name: "no object", answer: "I cannot help with that.", wantErr: "no JSON object"},
		{name: "empty", answer: "", wantErr: "no JSON object"},
		{name: "truncated", answer: `{"top":"a","bottom":"b"`, wantErr: "no JSON object"},
		{name: "nothing usable", answer: `{"lang":"en","format":"image"}`, wantErr: "neither captions nor text"},
		{name: "array", answer: `[{"top":"a"}]`, prompt: "hi",
			want: meme.Plan{Lang: "en", Format: "image", Layout: "classic", Bottom: "a", ImagePrompt: "a", Text: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePlan(tt.answer, tt.prompt)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePlan: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParsePlanCapsLengths(t *testing.T) {
	long := strings.Repeat("слово ", 300)
	got, err := ParsePlan(`{"top":"`+long+`","bottom":"`+long+`","text":"`+long+`","image_prompt":"`+long+`"}`, "x")
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"top": got.Top, "bottom": got.Bottom} {
		if n := len([]rune(v)); n > maxCaptionRunes {
			t.Errorf("%s has %d runes, cap %d", name, n, maxCaptionRunes)
		}
	}
	if n := len([]rune(got.Text)); n > maxTextRunes {
		t.Errorf("text has %d runes", n)
	}
}

func newClient(url string) *openai.Client {
	cfg := openai.DefaultConfig("test-key")
	cfg.BaseURL = url
	return openai.NewClientWithConfig(cfg)
}

// The real go-openai client against the provider test server.
func TestPlanThroughGoOpenAI(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	p := New(newClient(srv.URL), "test-chat")
	plan, err := p.Plan(context.Background(), "Cybercab steering wheel confuses Tesla's robot vibe")
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if plan.Top != "when the test server" || plan.Bottom != "answers like a real provider" || plan.Lang != "en" {
		t.Errorf("plan %+v", plan)
	}

	srv.Set(func(b *providertest.Behavior) { b.ChatContent = "Sorry, I can't do memes." })
	if _, err := p.Plan(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "no JSON object") {
		t.Errorf("prose answer: err = %v", err)
	}
	srv.Set(func(b *providertest.Behavior) { b.ChatStatus = 429 })
	if _, err := p.Plan(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "429") {
		t.Errorf("429: err = %v", err)
	}
	srv.Set(func(b *providertest.Behavior) { b.ChatStatus, b.ChatHang = 0, true })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := p.Plan(ctx, "x"); err == nil {
		t.Errorf("hanging provider: no error")
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("hanging provider held the planner for %s past its deadline", waited)
	}
}

// FuzzParsePlan: whatever the model answers, no panic, and an accepted
// plan is normalised: a known format and layout, a punchline, capped and
// valid UTF-8 fields, a picture prompt and a text fallback.
func FuzzParsePlan(f *testing.F) {
	for _, s := range []string{
		"Here is your meme:\n```json\n" + `{"lang":"en","format":"image","layout":"classic","top":"a","bottom":"b","image_prompt":"c","text":"d"}` + "\n```",
		`{"top_text":"только верх"}`,
		`{"format":"text","text":"just words"}`,
		`prose {"a": "}"} more {"bottom": "x", "layout": "BAR"}`,
		`{"bottom": 5, "top": ["x"], "text": null}`,
		`{{{{`,
		"{\"bottom\":\"\xff\xfe\"}",
	} {
		f.Add(s, "prompt")
	}
	f.Fuzz(func(t *testing.T, answer, prompt string) {
		p, err := ParsePlan(answer, prompt)
		if err != nil {
			return
		}
		switch p.Format {
		case meme.TypeImage, meme.TypeVideo, meme.TypeText:
		default:
			t.Fatalf("format %q", p.Format)
		}
		switch p.Layout {
		case meme.LayoutClassic, meme.LayoutBar, meme.LayoutCard:
		default:
			t.Fatalf("layout %q", p.Layout)
		}
		if p.Bottom == "" || p.ImagePrompt == "" || p.Text == "" {
			t.Fatalf("incomplete plan %+v", p)
		}
		for _, s := range []string{p.Top, p.Bottom} {
			if utf8.RuneCountInString(s) > maxCaptionRunes {
				t.Fatalf("caption of %d runes", utf8.RuneCountInString(s))
			}
		}
		if utf8.RuneCountInString(p.ImagePrompt) > maxImagePrompt || utf8.RuneCountInString(p.Text) > maxTextRunes {
			t.Fatal("field over its cap")
		}
	})
}
