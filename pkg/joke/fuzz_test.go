package joke

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// FuzzParseCandidates: generator answers come from outside. Any answer
// parses or fails without panicking, and what Validate keeps is always
// renderable: an offered recipe, a known shortlisted template with exactly
// its slots, captions within limits.
func FuzzParseCandidates(f *testing.F) {
	for _, s := range []string{
		"```json\n{\"candidates\": [{\"recipe\": \"scene\", \"captions\": [\"a\", \"b\"], \"image_prompt\": \"c\", \"p\": 0.5}]}\n```",
		`[{"recipe":"template","template":"two-buttons","captions":["a","b","c","d"]}]`,
		`{"recipe":"text","captions":"x"}`,
		`{"candidates":[{"recipe":"reaction","template":"reaction-cry","captions":["when"]},{"recipe":"clip"}]}`,
		`prose [1, {"a": "]"}] {"candidates": {"recipe": "text", "captions": ["y"]}}`,
		"{\"candidates\":[{\"recipe\":\"text\",\"captions\":[\"\xff\xfe\"]}]}",
	} {
		f.Add(s, "Cats vs dogs")
	}
	lib := house(f)
	b := New(Options{Can: Can{Image: true, Video: true}}).Brief("Cats vs dogs", lib.Usable(), rand.New(rand.NewPCG(1, 1)))
	f.Fuzz(func(t *testing.T, answer, prompt string) {
		cands, err := ParseCandidates(answer, prompt)
		if err != nil {
			return
		}
		if len(cands) > maxCandidates {
			t.Fatalf("%d candidates", len(cands))
		}
		for _, c := range Validate(cands, b, lib) {
			if c.P < 0 || c.P > 1 {
				t.Fatalf("p %v", c.P)
			}
			if c.Template != "" {
				tp := lib.Get(c.Template)
				if tp == nil || len(c.Captions) != len(tp.Slots()) {
					t.Fatalf("template %q with %d captions", c.Template, len(c.Captions))
				}
			}
			for _, s := range c.Captions {
				if len([]rune(s)) > maxTextRunes {
					t.Fatalf("caption of %d runes", len([]rune(s)))
				}
			}
			_ = Plan(c, "en") // must not panic
		}
	})
}

// FuzzParseRanking: judge answers come from outside. The order returned
// is always a permutation of the positions shown.
func FuzzParseRanking(f *testing.F) {
	for _, s := range []string{`{"ranking": [2, 1, 3]}`, `[9, -1, 0, 2, 2]`, "no", `{"ranking": ["1", 1.5, null]}`} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, answer string, n int) {
		n = min(max(n, 0), 64)
		order, _ := ParseRanking(answer, n)
		if len(order) != n {
			t.Fatalf("%d positions for %d", len(order), n)
		}
		seen := make([]bool, n)
		for _, p := range order {
			if p < 0 || p >= n || seen[p] {
				t.Fatalf("order %v is not a permutation", order)
			}
			seen[p] = true
		}
		_ = strings.TrimSpace(answer)
	})
}

// Hostile answers cost linear time: 150,000 "[" (never closed, or closed),
// and a 100 KB judge answer of nested objects.
func BenchmarkParseHostile(b *testing.B) {
	for name, answer := range map[string]string{
		"150k-open":   strings.Repeat("[", 150_000),
		"150k-nested": strings.Repeat("[", 150_000) + strings.Repeat("]", 150_000),
		"100k-judge":  strings.Repeat(`{"ranking":[1,`, 7000),
		"honest":      `Sure! {"candidates":[{"recipe":"text","captions":["a"],"p":0.4}]}`,
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_, _ = ParseCandidates(answer, "topic")
				_, _ = ParseRanking(answer, 4)
			}
		})
	}
}

// The spans found in one pass are those the bracket-by-bracket scan found:
// on well-formed and on torn answers, ParseCandidates agrees with parsing
// the fenced object alone.
func TestParseFindsTheObjectInProse(t *testing.T) {
	obj := `{"candidates":[{"recipe":"text","captions":["a ] b"],"p":0.4}]}`
	for _, answer := range []string{
		obj, "Here { is it: " + obj, "[1] " + obj, obj + " {", "} ] " + obj, `"{" ` + obj, "{ ] " + obj,
		strings.Repeat("[", 50) + obj,
	} {
		cands, err := ParseCandidates(answer, "topic")
		if err != nil || len(cands) != 1 || cands[0].Captions[0] != "a ] b" {
			t.Errorf("%.40q: %v %+v", answer, err, cands)
		}
	}
}
