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
	if tm := TextMeme("кот и понедельник"); !strings.Contains(tm, "кот и понедельник") || !strings.Contains(tm, "Никто") {
		t.Errorf("TextMeme ru = %q", tm)
	}
	if tm := TextMeme(""); tm == "" {
		t.Errorf("TextMeme of nothing is empty")
	}
}
