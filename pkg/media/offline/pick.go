package offline

import (
	_ "embed"
	"hash/fnv"
	"regexp"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"punchline/pkg/media/templates"
	"punchline/pkg/meme"
)

// roles is what a slot gets when the prompt does not supply it (roles.yaml).
//
//go:embed roles.yaml
var rolesYAML []byte

var roleDefaults = func() map[string]map[string]string {
	var m map[string]map[string]string
	if err := yaml.Unmarshal(rolesYAML, &m); err != nil {
		panic("offline/roles.yaml: " + err.Error()) // embedded data, checked by tests
	}
	return m
}()

// Shape is how a prompt is built, which decides the formats that suit it.
type Shape struct {
	Kind  string   // one of templates.Shapes
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
	last := meme.LastLine(prompt)
	if parts := versus.Split(last, 3); len(parts) == 2 && short(parts[0]) && short(parts[1]) {
		return Shape{Kind: "comparison", Topic: topic, Parts: trimAll(parts)}
	}
	if beforeAfter.MatchString(last) {
		a, b := split(last)
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
	return meme.Truncate(meme.LastLine(prompt), 40), prompt
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

// Pick chooses a template for prompt from ts (those the caller can render:
// clips only where video can be made) by its shape, and fills its
// slots. The choice among the templates that fit is by the prompt's hash:
// the same prompt always gets the same meme, different prompts vary. ok is
// false when no template fits.
func Pick(prompt string, ts []*templates.Template) (t *templates.Template, captions []string, ok bool) {
	sh := ShapeOf(prompt)
	lang := meme.DetectLang(prompt)
	var fits []*templates.Template
	var fills [][]string
	for _, cand := range ts {
		if !cand.Active() || !has(cand.Fits, sh.Kind) {
			continue
		}
		if caps, ok := fill(cand, sh, lang); ok {
			fits = append(fits, cand)
			fills = append(fills, caps)
		}
	}
	if len(fits) == 0 {
		return nil, nil, false
	}
	if sh.Kind == "dialogue" || sh.Kind == "list" {
		// Transcripts and lists read best in the format that shows most of them.
		most := 0
		for _, caps := range fills {
			most = max(most, used(caps))
		}
		var keepT []*templates.Template
		var keepC [][]string
		for i, caps := range fills {
			if used(caps) == most {
				keepT, keepC = append(keepT, fits[i]), append(keepC, caps)
			}
		}
		fits, fills = keepT, keepC
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(prompt))
	i := int(h.Sum32() % uint32(len(fits)))
	return fits[i], fills[i], true
}

// fill puts the shape's parts into t's slots: slots whose role has a
// default get it, the others take parts in order. A template fits when it
// has at least one part slot and no more part slots than parts (extra
// parts are dropped); a single part split in two fills two slots.
func fill(t *templates.Template, sh Shape, lang string) ([]string, bool) {
	slots := t.Slots()
	var content []int
	captions := make([]string, len(slots))
	for i, s := range slots {
		if d, ok := roleDefaults[s.Role]; ok {
			v := d[lang]
			if v == "" {
				v = d["en"]
			}
			captions[i] = strings.ReplaceAll(v, "{topic}", sh.Topic)
			continue
		}
		content = append(content, i)
	}
	parts := sh.Parts
	if len(parts) == 1 && len(content) == 2 {
		top, bottom := split(meme.Truncate(parts[0], maxCaption))
		if top == "" {
			return nil, false
		}
		parts = []string{top, bottom}
	}
	if len(content) == 0 || len(content) > len(parts) {
		return nil, false
	}
	if sh.Kind == "dialogue" {
		parts = parts[len(parts)-len(content):] // the transcript's end is the joke
	}
	for k, i := range content {
		limit := slots[i].MaxChars
		if limit == 0 {
			limit = maxCaption
		}
		captions[i] = meme.Truncate(parts[k], limit)
	}
	return captions, true
}

func has(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// used counts the non-empty captions.
func used(caps []string) int {
	n := 0
	for _, c := range caps {
		if c != "" {
			n++
		}
	}
	return n
}
