package item

import (
	"testing"

	"punchline/pkg/meme"
)

func TestClaim(t *testing.T) {
	hash := meme.PromptHash("a prompt")
	tests := []struct {
		name  string
		attrs map[string]string
		want  meme.Claim
	}{
		{"nothing yet", nil, meme.Claim{}},
		{"pending claim", map[string]string{Status: meme.StatusPending, PromptHash: hash}, meme.Claim{State: meme.StatusPending, PromptHash: hash}},
		{"done", map[string]string{Status: meme.StatusDone, Type: "image", MediaKey: "k.jpg", PromptHash: hash, Prompt: "a prompt"},
			meme.Claim{State: meme.StatusDone, Type: "image", MediaKey: "k.jpg", PromptHash: hash}},
		// Recorded before statuses and prompt hashes existed: done, and
		// bound to its stored prompt.
		{"legacy record", map[string]string{CreatedAt: "2026-01-02T03:04:05.000Z", Type: "text", Text: "t", Prompt: "  a   prompt"},
			meme.Claim{State: meme.StatusDone, Type: "text", Text: "t", PromptHash: hash}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Claim(func(n string) string { return tc.attrs[n] }); got != tc.want {
				t.Errorf("Claim = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPromptHashNormalisesWhiteSpaceOnly(t *testing.T) {
	if meme.PromptHash("a b") != meme.PromptHash(" a\n\tb ") {
		t.Error("white space changed the hash")
	}
	for _, other := range []string{"A b", "ab", "a b.", ""} {
		if meme.PromptHash("a b") == meme.PromptHash(other) {
			t.Errorf("%q hashes like %q", other, "a b")
		}
	}
}
