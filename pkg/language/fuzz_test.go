package language

import (
	"testing"
	"unicode/utf8"
)

// FuzzIdentify: any prompt, valid UTF-8 or not, gets a code and a
// confidence in 0..1, and never a panic from the models.
func FuzzIdentify(f *testing.F) {
	for _, s := range []string{"", "кот", "Cybercab steering wheel confuses Tesla's robot vibe", "\xff\xfe", "🙂🙂", "a\u0301\u200d", "月曜日の朝", "مرحبا hello привет"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			s = s[:4096]
		}
		g := Identify(s)
		if g.Code == "" || !(g.Confidence >= 0 && g.Confidence <= 1) || !utf8.ValidString(g.Code) {
			t.Fatalf("Identify(%q) = %+v", s, g)
		}
		if g.Sure && Name(g.Code) == "" {
			t.Fatalf("sure of %q, a language without a name", g.Code)
		}
	})
}
