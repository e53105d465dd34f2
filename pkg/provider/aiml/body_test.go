package aiml_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"punchline/pkg/platform/config"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/providertest"
)

// roundTrip is body as the server decodes it.
func roundTrip(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// validate checks body against model's published schema, and that the
// check can fail: the same body with one undocumented field must not pass.
func validate(t *testing.T, model string, body map[string]any) {
	t.Helper()
	s, ok := providertest.Schemas[model]
	if !ok {
		t.Fatalf("no published schema kept for %s", model)
	}
	b := roundTrip(t, body)
	if errs := providertest.Validate(s.Request, b); len(errs) > 0 {
		t.Errorf("%s (%s): body refused by its schema:\n  %s\nbody: %.600s", model, s.Source, strings.Join(errs, "\n  "), mustJSON(b))
	}
	b["undocumented_field"] = true
	if errs := providertest.Validate(s.Request, b); len(errs) == 0 {
		t.Errorf("%s: a body with an undocumented field passed", model)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var jpeg = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}

// Every chat body the engine can build (the generator's: system prompt,
// temperature 1, JSON; the judge's: temperature 0, a 100-token cap, and
// with pictures) validates against each kept model's published schema:
// the defaults and at least one current model of each family.
func TestChatBodiesMatchPublishedSchemas(t *testing.T) {
	models := providertest.SchemaModels("/chat/completions")
	for _, want := range []string{"anthropic/claude-haiku-4.5", "openai/gpt-4.1-mini-2025-04-14", "openai/gpt-5-mini-2025-08-07", "google/gemini-2.5-flash", "google/gemini-3-5-flash"} {
		if !contains(models, want) {
			t.Errorf("no schema kept for %s", want)
		}
	}
	for _, m := range append(splitList(config.DefaultChatModel), splitList(config.DefaultJudgeModel)...) {
		if !contains(models, m) {
			t.Errorf("default %s has no schema kept", m)
		}
	}
	pictures := []aiml.Image{{Label: "Candidate 1 as drawn:", MIME: "image/jpeg", Data: jpeg}, {Label: "Candidate 3 as drawn:", MIME: "image/jpeg", Data: jpeg},
		{Label: "Candidate 4 as drawn:", MIME: "image/jpeg", Data: jpeg}}
	for _, model := range models {
		calls := map[string]aiml.Chat{
			"generator": {Model: model, System: "You write memes.", User: "Topic: cats", Temperature: 1, MaxTokens: 1280, JSON: true},
			"judge":     {Model: model, System: "You judge.", User: "Topic: cats\n\nCandidate 1: …", Temperature: 0, MaxTokens: 100, JSON: true},
			"vision":    {Model: model, System: "You judge.", User: "Topic: cats", MaxTokens: 100, JSON: true, Images: pictures},
			"hot":       {Model: model, User: "hi", Temperature: 1.7},
		}
		for name, c := range calls {
			t.Run(model+"/"+name, func(t *testing.T) { validate(t, model, aiml.ChatBody(c)) })
		}
	}
}

// What each family's body says beyond passing its schema.
func TestChatBodyPerFamily(t *testing.T) {
	judge := aiml.Chat{System: "sys", User: "u", Temperature: 0, MaxTokens: 100, JSON: true}
	tests := []struct {
		model string
		check func(t *testing.T, b map[string]any)
	}{
		{"anthropic/claude-haiku-4.5", func(t *testing.T, b map[string]any) {
			if b["system"] != "sys" {
				t.Errorf("system %v, want top-level", b["system"])
			}
			for _, m := range b["messages"].([]any) {
				if role := m.(map[string]any)["role"]; role != "user" && role != "assistant" {
					t.Errorf("role %v", role)
				}
			}
			if _, ok := b["response_format"]; ok {
				t.Error("response_format is not in Claude's schema")
			}
		}},
		{"openai/gpt-5-mini-2025-08-07", func(t *testing.T, b map[string]any) {
			if _, ok := b["temperature"]; ok {
				t.Error("a reasoning model's schema has no temperature")
			}
			if b["reasoning_effort"] != "low" || b["max_completion_tokens"].(float64) < 1000 {
				t.Errorf("reasoning fields %v %v: want low effort and room for reasoning", b["reasoning_effort"], b["max_completion_tokens"])
			}
		}},
		{"openai/gpt-4.1-mini-2025-04-14", func(t *testing.T, b map[string]any) {
			if v, ok := b["temperature"]; !ok || v != float64(0) {
				t.Errorf("temperature %v, want a real 0", v)
			}
			if rf, _ := b["response_format"].(map[string]any); rf["type"] != "json_object" {
				t.Errorf("response_format %v", b["response_format"])
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.model, func(t *testing.T) {
			c := judge
			c.Model = tc.model
			tc.check(t, roundTrip(t, aiml.ChatBody(c)))
		})
	}
	hot := roundTrip(t, aiml.ChatBody(aiml.Chat{Model: "anthropic/claude-haiku-4.5", User: "u", Temperature: 1.7}))
	if hot["temperature"] != float64(1) {
		t.Errorf("Claude temperature %v, want clamped to 1", hot["temperature"])
	}
}

// Claude takes at most 5 content parts a message: with many pictures the
// labels move into the text and every part still fits.
func TestClaudePartsCap(t *testing.T) {
	var ims []aiml.Image
	for i := 0; i < 6; i++ {
		ims = append(ims, aiml.Image{Label: "Candidate " + string(rune('1'+i)) + ":", MIME: "image/png", Data: jpeg})
	}
	b := roundTrip(t, aiml.ChatBody(aiml.Chat{Model: "anthropic/claude-haiku-4.5", User: "u", Images: ims, MaxTokens: 10}))
	parts := b["messages"].([]any)[0].(map[string]any)["content"].([]any)
	if len(parts) != 5 {
		t.Fatalf("%d parts, want 5", len(parts))
	}
	if txt := parts[0].(map[string]any)["text"].(string); !strings.Contains(txt, "Candidate 1: Candidate 2:") {
		t.Errorf("labels not in the text: %q", txt)
	}
	validate(t, "anthropic/claude-haiku-4.5", b)
}

func TestImageBodiesMatchPublishedSchemas(t *testing.T) {
	models := providertest.SchemaModels("/images/generations")
	for _, m := range splitList(config.DefaultImageModels) {
		if !contains(models, m) {
			t.Errorf("default %s has no schema kept", m)
		}
	}
	long := strings.Repeat("a tired cat at a desk ", 300) // over every documented prompt limit
	for _, model := range models {
		t.Run(model, func(t *testing.T) { validate(t, model, aiml.ImageBody(model, long)) })
	}
	if got := aiml.ImageBody("google/imagen-4.0-fast-generate-001", long)["prompt"].(string); len([]rune(got)) > 400 {
		t.Errorf("Imagen prompt %d characters, over its 400", len([]rune(got)))
	}
}

func TestSpeechBodiesMatchPublishedSchemas(t *testing.T) {
	for _, model := range providertest.SchemaModels("/tts") {
		t.Run(model, func(t *testing.T) {
			voice, err := aiml.Voice(model, "")
			if err != nil {
				t.Fatal(err)
			}
			validate(t, model, aiml.SpeechBody(model, "hello there", voice))
		})
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The voice follows the prompt's language where the family lists voices
// per language, and TTS_VOICE, when set, wins.
func TestVoiceFor(t *testing.T) {
	for _, c := range []struct{ model, configured, lang, want string }{
		{"deepgram/aura-2", "", "es", "celeste"},
		{"deepgram/aura-2", "", "en", "thalia"},
		{"deepgram/aura-2", "", "de", "thalia"}, // no German voices: the default
		{"deepgram/aura-2", "orion", "es", "orion"},
		{"openai/gpt-4o-mini-tts", "", "ru", "alloy"}, // multilingual voices
		{"openai/gpt-4o-mini-tts", "Nova", "ru", "nova"},
	} {
		if got := aiml.VoiceFor(c.model, c.configured, c.lang); got != c.want {
			t.Errorf("VoiceFor(%s, %q, %s) = %q, want %q", c.model, c.configured, c.lang, got, c.want)
		}
	}
	for _, model := range []string{"deepgram/aura-2", "openai/tts-1", "elevenlabs/eleven_turbo_v2_5"} {
		f := aiml.SpeechFamilyOf(model)
		for lang, vs := range f.LangVoices {
			for _, v := range vs {
				if !slices.Contains(f.Voices, v) {
					t.Errorf("%s: %s voice %q is not among its documented voices", f.Family, lang, v)
				}
			}
		}
	}
}

func TestVideoBodiesMatchPublishedSchemas(t *testing.T) {
	models := providertest.SchemaModels("/video/generations")
	if len(models) < 2 {
		t.Fatalf("video schemas for %v; want at least two", models)
	}
	for _, model := range models {
		t.Run(model, func(t *testing.T) {
			body := aiml.VideoBody(model, "a slow dramatic turn to the camera", 42)
			validate(t, model, body)
			if body["generate_audio"] != true {
				t.Errorf("%s: no sound asked for: %v", model, body)
			}
		})
	}
}
