package httpapi

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"punchline/pkg/meme"
)

func TestParseRequestAccepts(t *testing.T) {
	long := strings.Repeat("я", meme.MaxPromptRunes) // 10,000 runes, 20,000 bytes
	tests := []struct {
		name   string
		body   string
		id     int64
		hasID  bool
		prompt string
	}{
		{"seed example", `{"result_id": 12345, "prompt": "Cybercab steering wheel confuses Tesla's robot vibe"}`, 12345, true, "Cybercab steering wheel confuses Tesla's robot vibe"},
		{"russian", `{"result_id":1,"prompt":"кот и понедельник"}`, 1, true, "кот и понедельник"},
		{"no result_id", `{"prompt":"hi"}`, 0, false, "hi"},
		{"null result_id", `{"result_id":null,"prompt":"hi"}`, 0, false, "hi"},
		{"zero id", `{"result_id":0,"prompt":"hi"}`, 0, true, "hi"},
		{"numeric string id", `{"result_id":"42","prompt":"hi"}`, 42, true, "hi"},
		{"padded string id", `{"result_id":" 42 ","prompt":"hi"}`, 42, true, "hi"},
		{"integral float id", `{"result_id":42.0,"prompt":"hi"}`, 42, true, "hi"},
		{"exponent id", `{"result_id":4.2e1,"prompt":"hi"}`, 42, true, "hi"},
		{"max int64", `{"result_id":9223372036854775807,"prompt":"hi"}`, 9223372036854775807, true, "hi"},
		{"trimmed prompt", `{"prompt":"  \n hi \t "}`, 0, false, "hi"},
		{"unknown fields ignored", `{"prompt":"hi","extra":{"a":[1,2]},"model":"x"}`, 0, false, "hi"},
		{"whitespace around", " \n{\"prompt\":\"hi\"}\n ", 0, false, "hi"},
		{"escaped unicode", `{"prompt":"\u043a\u043e\u0442"}`, 0, false, "кот"},
		{"exactly max runes", `{"prompt":"` + long + `"}`, 0, false, long},
		{"chat transcript", `{"prompt":"A: hi\nB: hello\nA: why"}`, 0, false, "A: hi\nB: hello\nA: why"},
		{"emoji", `{"prompt":"🙂 мем"}`, 0, false, "🙂 мем"},
		{"emoji only", `{"prompt":"🙂"}`, 0, false, "🙂"},
		{"integer id past 2^53 is exact", `{"result_id":9007199254740993,"prompt":"hi"}`, 9007199254740993, true, "hi"},
		{"decimal id just below 2^53", `{"result_id":9007199254740991.0,"prompt":"hi"}`, 9007199254740991, true, "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseRequest([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseRequest: %v", err)
			}
			if req.ResultID != tt.id || req.HasResultID != tt.hasID || req.Prompt != tt.prompt {
				t.Errorf("got id=%d has=%v prompt=%.40q; want id=%d has=%v prompt=%.40q",
					req.ResultID, req.HasResultID, req.Prompt, tt.id, tt.hasID, tt.prompt)
			}
		})
	}
}

func TestParseRequestRejects(t *testing.T) {
	tooLong := `{"prompt":"` + strings.Repeat("a", meme.MaxPromptRunes+1) + `"}`
	tests := []struct {
		name string
		body string
		want string // in the message
	}{
		{"empty body", ``, "empty"},
		{"whitespace body", "  \n\t", "empty"},
		{"not json", `hello`, "JSON object"},
		{"array", `[{"prompt":"hi"}]`, "JSON object"},
		{"string", `"hi"`, "JSON object"},
		{"number", `42`, "JSON object"},
		{"null", `null`, "JSON object"},
		{"truncated", `{"prompt":"hi"`, "not valid JSON"},
		{"trailing comma", `{"prompt":"hi",}`, "not valid JSON"},
		{"single quotes", `{'prompt':'hi'}`, "not valid JSON"},
		{"trailing data", `{"prompt":"hi"} {"prompt":"again"}`, "after the JSON object"},
		{"trailing garbage", `{"prompt":"hi"}xyz`, "after the JSON object"},
		{"missing prompt", `{"result_id":1}`, "prompt is required"},
		{"null prompt", `{"prompt":null}`, "prompt is required"},
		{"empty object", `{}`, "prompt is required"},
		{"number prompt", `{"prompt":42}`, "prompt must be a string"},
		{"array prompt", `{"prompt":["hi"]}`, "prompt must be a string"},
		{"object prompt", `{"prompt":{"text":"hi"}}`, "prompt must be a string"},
		{"bool prompt", `{"prompt":true}`, "prompt must be a string"},
		{"empty prompt", `{"prompt":""}`, "prompt is empty"},
		{"blank prompt", `{"prompt":"  \n\t "}`, "prompt is empty"},
		{"too long prompt", tooLong, "at most 10000"},
		{"negative id", `{"result_id":-1,"prompt":"hi"}`, "≥ 0"},
		{"negative string id", `{"result_id":"-5","prompt":"hi"}`, "≥ 0"},
		{"fraction id", `{"result_id":1.5,"prompt":"hi"}`, "fraction"},
		{"bool id", `{"result_id":true,"prompt":"hi"}`, "must be an integer"},
		{"object id", `{"result_id":{},"prompt":"hi"}`, "must be an integer"},
		{"array id", `{"result_id":[1],"prompt":"hi"}`, "must be an integer"},
		{"word id", `{"result_id":"abc","prompt":"hi"}`, "must be an integer"},
		{"empty string id", `{"result_id":"","prompt":"hi"}`, "empty string"},
		{"huge id", `{"result_id":99999999999999999999,"prompt":"hi"}`, "out of range"},
		{"huge float id", `{"result_id":1e300,"prompt":"hi"}`, "out of range"},
		// 9007199254740993.0 used to read as …992 and replay that id's meme.
		{"decimal id past 2^53 read as a neighbour", `{"result_id":9007199254740993.0,"prompt":"hi"}`, "below 2^53"},
		{"decimal id at 2^53", `{"result_id":9007199254740992.0,"prompt":"hi"}`, "below 2^53"},
		{"exponent id at 2^53", `{"result_id":9.007199254740992e15,"prompt":"hi"}`, "below 2^53"},
		// A prompt with nothing to draw used to get a captionless image.
		{"zero-width prompt", `{"prompt":"\u200b\u200c\u200d\ufeff"}`, "no visible characters"},
		{"bidi-only prompt", `{"prompt":"\u202e\u2066\u2069"}`, "no visible characters"},
		{"control-only prompt", `{"prompt":"\u0001\u0007\u007f"}`, "no visible characters"},
		{"invalid utf8", "{\"prompt\":\"\xff\xfe\"}", "UTF-8"},
		{"oversized body", `{"prompt":"` + strings.Repeat("a", meme.MaxBodyBytes) + `"}`, "exceeds 65536 bytes"},
	}
	if len(tests) < 20 {
		t.Fatalf("want at least 20 bad inputs, have %d", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRequest([]byte(tt.body))
			if err == nil {
				t.Fatalf("ParseRequest(%.60q) succeeded, want error containing %q", tt.body, tt.want)
			}
			var me *meme.Error
			if !errors.As(err, &me) || me.Code != meme.CodeBadRequest {
				t.Fatalf("error %v is not a BAD_REQUEST *meme.Error", err)
			}
			if !strings.Contains(me.Message, tt.want) {
				t.Errorf("message %q does not contain %q", me.Message, tt.want)
			}
		})
	}
}

func TestDecodeRequestCapsReading(t *testing.T) {
	// An endless body must not be read past the cap.
	r := strings.NewReader(`{"prompt":"` + strings.Repeat("a", 10*meme.MaxBodyBytes))
	if _, err := DecodeRequest(r); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("err = %v, want body cap error", err)
	}
	if left := r.Len(); left < 8*meme.MaxBodyBytes {
		t.Errorf("decoder read %d bytes past the cap", 10*meme.MaxBodyBytes-left)
	}
}

// FuzzParseRequest: any input either parses into a request that satisfies
// the contract or fails with a BAD_REQUEST error; it never panics.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"result_id": 12345, "prompt": "Cybercab steering wheel confuses Tesla's robot vibe"}`,
		`{"result_id":"7","prompt":"кот и понедельник"}`,
		`{"prompt":"  "}`, `{"result_id":1e3,"prompt":"x"}`, `[]`, `{"prompt":"\ud800"}`, "{\"prompt\":\"\xff\"}",
		`{"result_id":9007199254740993.0,"prompt":"\u200b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseRequest(body)
		if err != nil {
			var me *meme.Error
			if !errors.As(err, &me) || me.Code != meme.CodeBadRequest || me.Message == "" {
				t.Fatalf("error %v is not a BAD_REQUEST with a message", err)
			}
			return
		}
		n := utf8.RuneCountInString(req.Prompt)
		if n == 0 || n > meme.MaxPromptRunes || !utf8.ValidString(req.Prompt) || strings.TrimSpace(req.Prompt) != req.Prompt || !meme.Visible(req.Prompt) {
			t.Fatalf("accepted prompt violates the contract: %q", req.Prompt)
		}
		if req.ResultID < 0 || (!req.HasResultID && req.ResultID != 0) {
			t.Fatalf("accepted bad result_id %d (has=%v)", req.ResultID, req.HasResultID)
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
	})
}
