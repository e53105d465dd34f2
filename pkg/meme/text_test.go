package meme

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDetectLang(t *testing.T) {
	for in, want := range map[string]string{"кот и понедельник": "ru", "cat": "en", "123 !!": "und", "кот cat dog": "en", "кот кошка cat": "ru"} {
		if got := DetectLang(in); got != want {
			t.Errorf("DetectLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("слово ", 50)
	got := Truncate(s, 40)
	if n := utf8.RuneCountInString(got); n > 40 || !strings.HasSuffix(got, "…") || strings.Contains(got, "сло…") {
		t.Errorf("Truncate = %q (%d runes)", got, n)
	}
	if Truncate("short", 40) != "short" {
		t.Errorf("short text changed")
	}
}

func TestLastLineAndTextMeme(t *testing.T) {
	if got := LastLine("A: hi\n\nВася: почему прод упал\n"); got != "почему прод упал" {
		t.Errorf("LastLine = %q", got)
	}
	if got := LastLine("Note: single line keeps its tag"); got != "Note: single line keeps its tag" {
		t.Errorf("LastLine = %q", got)
	}
	if tm := TextMeme("кот и понедельник", ""); !strings.Contains(tm, "кот и понедельник") || !strings.Contains(tm, "Никто") {
		t.Errorf("TextMeme ru = %q", tm)
	}
	if tm := TextMeme("", ""); tm == "" {
		t.Errorf("TextMeme of nothing is empty")
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain\nlines stay", "plain\nlines stay"},
		{"кот\tи понедельник", "кот и понедельник"},
		{"a\u202eb\u202cc", "abc"},
		{"\u2066isolate\u2069 \u200eLRM\u200f \u061c", "isolate LRM "},
		{"bell\x07 nul\x00 esc\x1b[0m del\x7f c1\u0085", "bell nul esc[0m del c1"},
		{"emoji 👩\u200d💻 keeps its joiner", "emoji 👩\u200d💻 keeps its joiner"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := CleanText(tc.in); got != tc.want {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestVisible(t *testing.T) {
	for s, want := range map[string]bool{
		"hi": true, "кот": true, "🙂": true, "?": true, "42": true,
		"": false, " \n\t": false, "\u200b\u200d\ufeff": false, "\u202e\u2066": false, "\x01\x7f": false, "\u0301": false,
	} {
		if got := Visible(s); got != want {
			t.Errorf("Visible(%q) = %v, want %v", s, got, want)
		}
	}
}
