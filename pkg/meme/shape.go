package meme

import (
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// OfflineModel is the image model recorded when no provider drew the
// picture (the offline generator's backgrounds and drawn templates).
const OfflineModel = "offline"

// Shape is how a prompt is built, which decides the formats that suit it.
type Shape struct {
	Kind  string   // dialogue, list, comparison, before-after, question, reaction or statement (the shapes templates declare they fit)
	Topic string   // a title for the meme: the prompt's own, or its first words
	Parts []string // the pieces slots are filled with, in order
}

var (
	speakerLine = regexp.MustCompile(`^\s*([^:\n]{1,24}):\s*(\S.*)$`)
	versus      = regexp.MustCompile(`(?i)\s+(?:vs\.?|versus|or|или|против|либо)\s+`)
	beforeAfter = regexp.MustCompile(`(?i)\b(?:before|after|then|now|expectation|reality|used to)\b|(?:^|\s)(?:раньше|теперь|сейчас|было|стало|до|после|ожидание|реальность)(?:\s|[:,.!?]|$)`)
	reactionRe  = regexp.MustCompile(`(?i)^\s*(?:when|me when|that moment when|когда|я когда|тот момент, когда)\s`)
	listSplit   = regexp.MustCompile(`\s*(?:[,;\n]|\s+(?:and|и)\s+)\s*`)
	bullet      = regexp.MustCompile(`^\s*(?:[-*•]|\d+[.)])\s*`)
)

// ShapeOf classifies prompt: a dialogue (a chat transcript), a comparison
// ("X vs Y", "X или Y"), a before/after, a list, a question, a "when …"
// reaction, or a plain statement.
func ShapeOf(prompt string) Shape {
	prompt = strings.TrimSpace(prompt)
	lines := nonEmptyLines(prompt)
	// A transcript: most lines start with a speaker's tag.
	if len(lines) >= 2 {
		var msgs, speakers []string
		for _, l := range lines {
			if m := speakerLine.FindStringSubmatch(l); m != nil && len(strings.Fields(m[1])) <= 3 {
				speakers = append(speakers, strings.TrimSpace(m[1]))
				msgs = append(msgs, strings.TrimSpace(m[2]))
			}
		}
		if len(msgs) >= 2 && len(msgs)*3 >= len(lines)*2 {
			return Shape{Kind: "dialogue", Topic: speakers[0], Parts: msgs}
		}
	}
	topic, body := titleOf(prompt)
	// A list: bullets, or three or more short items.
	if items := listItems(body); len(items) >= 3 {
		return Shape{Kind: "list", Topic: topic, Parts: items}
	}
	last := LastLine(prompt)
	if parts := versus.Split(last, 3); len(parts) == 2 && short(parts[0]) && short(parts[1]) {
		return Shape{Kind: "comparison", Topic: topic, Parts: trimAll(parts)}
	}
	if beforeAfter.MatchString(last) {
		a, b := SplitCaption(last)
		if a != "" {
			return Shape{Kind: "before-after", Topic: topic, Parts: []string{trimEnd(a), b}}
		}
	}
	if strings.HasSuffix(last, "?") {
		return Shape{Kind: "question", Topic: topic, Parts: []string{last}}
	}
	if reactionRe.MatchString(last) {
		return Shape{Kind: "reaction", Topic: topic, Parts: []string{last}}
	}
	return Shape{Kind: "statement", Topic: topic, Parts: []string{last}}
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// titleOf splits "Title: rest" off a one-line prompt; the topic is else the
// prompt's first words.
func titleOf(prompt string) (topic, body string) {
	if !strings.Contains(prompt, "\n") {
		if t, rest, ok := strings.Cut(prompt, ":"); ok && utf8.RuneCountInString(t) <= 40 && strings.TrimSpace(rest) != "" {
			return strings.TrimSpace(t), strings.TrimSpace(rest)
		}
	}
	return Truncate(LastLine(prompt), 40), prompt
}

// listItems are the items of a list prompt: bullet lines, or short
// comma-separated items.
func listItems(body string) []string {
	lines := nonEmptyLines(body)
	var bullets []string
	for _, l := range lines {
		if bullet.MatchString(l) {
			bullets = append(bullets, bullet.ReplaceAllString(l, ""))
		}
	}
	if len(bullets) >= 3 {
		return trimAll(bullets)
	}
	if len(lines) != 1 {
		return nil
	}
	items := listSplit.Split(strings.TrimRight(lines[0], ".!"), -1)
	for _, it := range items {
		if !short(it) || strings.TrimSpace(it) == "" {
			return nil
		}
	}
	return trimAll(items)
}

func short(s string) bool {
	n := len(strings.Fields(s))
	return n >= 1 && n <= 6
}

func trimAll(parts []string) []string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = trimEnd(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func trimEnd(s string) string { return strings.TrimRight(strings.TrimSpace(s), ",;:—-") }

// SplitCaption cuts a caption into top and bottom text: at the punctuation mark
// nearest the middle when there is one, else at the middle word. Short
// captions go to the bottom alone, where the punchline sits.
func SplitCaption(s string) (top, bottom string) {
	words := strings.Fields(s)
	if len(words) <= 3 {
		return "", strings.Join(words, " ")
	}
	mid := utf8.RuneCountInString(s) / 2
	punct, punctDist := -1, math.MaxInt // nearest break after punctuation
	word, wordDist := -1, math.MaxInt   // nearest break between any words
	pos := 0
	for i, w := range words[:len(words)-1] {
		pos += utf8.RuneCountInString(w) + 1
		d := abs(pos - mid)
		if d < wordDist {
			word, wordDist = i, d
		}
		last, _ := utf8.DecodeLastRuneInString(w)
		if (strings.ContainsRune(".,:;!?…—-", last) || unicode.Is(unicode.Pd, last)) && d < punctDist && d < mid*2/3 {
			punct, punctDist = i, d
		}
	}
	best := word
	if punct >= 0 {
		best = punct
	}
	return strings.Join(words[:best+1], " "), strings.Join(words[best+1:], " ")
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
