package meme

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DetectLang guesses the prompt's language from its letters: Cyrillic means
// "ru" (the arena's other language), Latin means "en". It is only the
// script's guess: package language identifies the language itself and
// falls back to this when its models are unsure.
func DetectLang(s string) string {
	var cyr, lat int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case unicode.Is(unicode.Latin, r):
			lat++
		}
	}
	switch {
	case cyr == 0 && lat == 0:
		return "und"
	case cyr >= lat:
		return "ru"
	}
	return "en"
}

// Truncate cuts s to at most n runes at a word boundary when one is near,
// adding an ellipsis when anything was cut.
func Truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	switch {
	case n <= 0:
		return ""
	case n == 1:
		return "…"
	}
	rs := []rune(s)[:n-1]
	cut := len(rs)
	for i := len(rs) - 1; i > len(rs)*2/3; i-- {
		if unicode.IsSpace(rs[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(rs[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	}) + "…"
}

// TextMeme is the last rung of the ladder: a text answer built from the
// prompt alone, with no call that can fail, in Russian for a Russian prompt
// and in English otherwise (the one wording every voter reads). lang is
// the prompt's language code ("" for the script's guess).
func TextMeme(prompt, lang string) string {
	topic := Truncate(LastLine(prompt), 280)
	memes := ""
	if sh := ShapeOf(prompt); sh.About != "" {
		// A request is answered about its subject, never by repeating it.
		topic, memes = Truncate(sh.About, 280), "memes "
	}
	if lang == "" {
		lang = DetectLang(prompt)
	}
	if lang == "ru" {
		if memes != "" {
			memes = "мемы "
		}
		return "Никто:\nАбсолютно никто:\nЯ: " + memes + topic + "\n\nИ ведь сам пришёл к этому."
	}
	return "Nobody:\nAbsolutely nobody:\nMe: " + memes + topic + "\n\nAnd I did this to myself."
}

// LastLine returns the last non-empty line: prompts that are chat
// transcripts end with the line the joke is about. In a transcript the
// speaker's tag ("A:", "Вася:") is dropped.
func LastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if i > 0 { // several lines: a transcript
			if tag, rest, ok := strings.Cut(l, ": "); ok && utf8.RuneCountInString(tag) <= 20 && len(strings.Fields(tag)) <= 2 && strings.TrimSpace(rest) != "" {
				l = strings.TrimSpace(rest)
			}
		}
		return l
	}
	return ""
}

// Visible reports whether s has a character that draws: a letter, digit,
// punctuation or symbol. A prompt of zero-width or control characters
// only has nothing to joke about.
func Visible(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) {
			return true
		}
	}
	return false
}

// CleanText drops what a text answer must not echo from a prompt or a
// model: control characters (newlines kept, tabs as spaces) and the
// bidirectional overrides and isolates, which can make an answer read
// differently from what it says.
func CleanText(s string) string {
	clean := true
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || isBidiControl(r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r) || isBidiControl(r):
			return -1
		}
		return r
	}, s)
}

func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
