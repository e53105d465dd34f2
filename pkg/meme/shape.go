package meme

import (
	_ "embed"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// OfflineModel is the image model recorded when no provider drew the
// picture (the offline generator's backgrounds and drawn templates).
const OfflineModel = "offline"

// Shape is how a prompt is built, which decides the formats that suit it.
type Shape struct {
	Kind  string   // dialogue, list, comparison, before-after, question, reaction or statement (the shapes templates declare they fit)
	Topic string   // a title for the meme: the prompt's own, or its first words
	Parts []string // the pieces slots are filled with, in order
	// Lines are a dialogue's messages with their speakers, in order.
	Lines []string
	// About is set when the prompt is a request ("make a meme about
	// cats", "сделай мем про кота"): the subject with its preposition as
	// the request put it ("about cats", "про кота"), to be phrased, never
	// printed as the request. Kind and Parts are then the subject's.
	About string
}

var (
	speakerLine = regexp.MustCompile(`^\s*([^:\n]{1,24}):\s*(\S.*)$`)
	versus      = regexp.MustCompile(`(?i)\s+(?:vs\.?|versus|or|или|против|либо)\s+`)
	// "до" and "после" are also plain prepositions ("дохожу до
	// холодильника"): they count only as a pair or as a label.
	beforeAfter = regexp.MustCompile(`(?i)\b(?:before|after|then|now|expectation|reality|used to)\b|(?:^|\s)(?:раньше|теперь|сейчас|было|стало|ожидание|реальность|до и после)(?:\s|[:,.!?]|$)|^(?:до|после)\s*:`)
	reactionRe  = regexp.MustCompile(`(?i)^\s*(?:when|me when|that moment when|когда|я когда|тот момент, когда)\s`)
	listSplit   = regexp.MustCompile(`\s*(?:[,;\n]|\s+(?:and|и)\s+)\s*`)
	bullet      = regexp.MustCompile(`^\s*(?:[-*•]|\d+[.)])\s*`)
)

// requests are "make a meme about …" in the languages the offline picker
// phrases: the preposition and the subject are the last two groups.
var requests = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^(?:please,?\s+)?(?:(?:can|could) you\s+)?(?:make|create|draw|generate|give me|write|do|show me)\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|some\s+)?(?:funny\s+|good\s+)?(?:meme|memes|joke|picture)\s+(about|on|of|with|for)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:пожалуйста,?\s+)?(?:сделай(?:те)?|создай(?:те)?|нарисуй(?:те)?|придумай(?:те)?|сгенерируй(?:те)?|напиши(?:те)?|запили|скинь|покажи)\s+(?:мне\s+|нам\s+)?(?:смешной\s+|какой-нибудь\s+)?(?:мем|мемчик|мемас|шутку|картинку)\s+(про|об|о|на тему)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:будь ласка,?\s+)?(?:зроби(?:ть)?|створи(?:ть)?|намалюй(?:те)?|придумай(?:те)?|напиши(?:ть)?)\s+(?:мені\s+)?(?:смішний\s+)?(?:мем|жарт|картинку)\s+(про|на тему)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:bitte\s+)?(?:mach|mache|macht|erstelle|erstell|zeichne|schreib)\s+(?:mir\s+|uns\s+)?(?:ein(?:en)?\s+)?(?:lustiges?\s+)?(?:meme|witz|bild)\s+(über|zu|mit|von)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:por favor,?\s+)?(?:haz|hazme|crea|créame|dibuja|escribe)\s+(?:un\s+)?(?:meme|chiste)\s+(sobre|acerca de|de|con)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:s'il te plaît,?\s+)?(?:fais|fais-moi|crée|dessine|écris)\s+(?:un\s+)?(?:mème|meme|blague)\s+(sur|à propos de|de|avec)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:por favor,?\s+)?(?:faz|faça|cria|crie|desenha)\s+(?:um\s+)?(?:meme|piada)\s+(sobre|de|com)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:per favore,?\s+)?(?:fai|fammi|crea|disegna|scrivi)\s+(?:un\s+)?(?:meme|barzelletta)\s+(sul|sulla|sui|sulle|su|di|con)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:proszę,?\s+)?(?:zrób|stwórz|narysuj|napisz)\s+(?:mi\s+)?(?:mema|mem|żart)\s+(o|na temat|z)\s+(.+)$`),
}

// request splits a one-line request into its preposition and subject.
func request(prompt string) (about, subject string, ok bool) {
	if strings.Contains(prompt, "\n") {
		return "", "", false
	}
	for _, re := range requests {
		if m := re.FindStringSubmatch(prompt); m != nil {
			subject = strings.TrimRight(strings.TrimSpace(m[2]), ".!")
			if subject != "" {
				return strings.ToLower(m[1]) + " " + subject, subject, true
			}
		}
	}
	return "", "", false
}

// ShapeOf classifies prompt: a dialogue (a chat transcript), a comparison
// ("X vs Y", "X или Y"), a before/after, a list, a question, a "when …"
// reaction, or a plain statement. A request ("make a meme about X") is
// the shape of X, with About set.
func ShapeOf(prompt string) Shape {
	prompt = strings.TrimSpace(prompt)
	if about, subject, ok := request(prompt); ok {
		sh := ShapeOf(subject)
		sh.About = about
		return sh
	}
	lines := nonEmptyLines(prompt)
	// A transcript: most lines start with a speaker's tag.
	if len(lines) >= 2 {
		var msgs, speakers, tagged []string
		for _, l := range lines {
			if m := speakerLine.FindStringSubmatch(l); m != nil && len(strings.Fields(m[1])) <= 3 {
				speakers = append(speakers, strings.TrimSpace(m[1]))
				msgs = append(msgs, strings.TrimSpace(m[2]))
				tagged = append(tagged, strings.TrimSpace(m[1])+": "+strings.TrimSpace(m[2]))
			}
		}
		if len(msgs) >= 2 && len(msgs)*3 >= len(lines)*2 {
			return Shape{Kind: "dialogue", Topic: speakers[0], Parts: msgs, Lines: tagged}
		}
	}
	topic, body := titleOf(prompt)
	// A list: bullets, or three or more short items.
	if items := listItems(body, body != prompt); len(items) >= 3 {
		return Shape{Kind: "list", Topic: topic, Parts: items}
	}
	last := LastLine(prompt)
	if strings.HasSuffix(last, "?") && !versusOnly(last) {
		// A question stays one question ("Шаурма — это обед или ужин?"),
		// unless it is only the two sides ("Cats or dogs?").
		return Shape{Kind: "question", Topic: topic, Parts: []string{last}}
	}
	if parts := versus.Split(last, 3); len(parts) == 2 && short(parts[0]) && short(parts[1]) {
		return Shape{Kind: "comparison", Topic: topic, Parts: trimAll(parts)}
	}
	if beforeAfter.MatchString(last) {
		// Both halves must say something: "Ожидание и реальность" names
		// the format, it does not fill it.
		if a, b, ok := NaturalSplit(last); ok && len(strings.Fields(a)) >= 2 && len(strings.Fields(b)) >= 2 {
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
func listItems(body string, titled bool) []string {
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
	// A sentence with commas is not a list: items after a title ("My
	// weekend: sleep, eat, regret") may run to six words, bare ones to
	// three ("кошки, собаки, хомяки").
	limit := 3
	if titled {
		limit = 6
	}
	items := listSplit.Split(strings.TrimRight(lines[0], ".!"), -1)
	for _, it := range items {
		if n := len(strings.Fields(it)); n < 1 || n > limit {
			return nil
		}
	}
	return trimAll(items)
}

// versusOnly reports whether a question is only its two sides: "Cats or
// dogs?", "Tabs vs spaces?".
func versusOnly(q string) bool {
	parts := versus.Split(strings.TrimRight(q, "?"), 3)
	return len(parts) == 2 && len(strings.Fields(parts[0])) <= 3 && len(strings.Fields(parts[1])) <= 3
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

//go:embed breaks.yaml
var breaksYAML []byte

// breaks are the words that decide where a caption is cut (breaks.yaml),
// every language's together: a cut is judged by the words beside it.
var openers, glue = func() (map[string]bool, map[string]bool) {
	var b struct {
		Openers map[string][]string `yaml:"openers"`
		Glue    map[string][]string `yaml:"glue"`
	}
	if err := yaml.Unmarshal(breaksYAML, &b); err != nil {
		panic("meme/breaks.yaml: " + err.Error()) // embedded data, checked by tests
	}
	set := func(m map[string][]string) map[string]bool {
		out := map[string]bool{}
		for _, ws := range m {
			for _, w := range ws {
				out[w] = true
			}
		}
		return out
	}
	return set(b.Openers), set(b.Glue)
}()

// Kinds of cut between two words, best first.
const (
	cutPunct  = iota // after punctuation: "AI will replace programmers, / says the AI…"
	cutOpener        // before a clause: "… on Friday / and nobody knows why"
	cutPlain         // between two words
	cutGlue          // right after a word that binds to the next: "Ожидание и / реальность"
)

// cuts are the places s may be cut (after word i), each with its kind and
// its distance from the middle in runes.
func cuts(words []string, mid int) (kind, dist []int) {
	pos := 0
	kind, dist = make([]int, len(words)-1), make([]int, len(words)-1)
	for i, w := range words[:len(words)-1] {
		pos += utf8.RuneCountInString(w) + 1
		dist[i] = abs(pos - mid)
		last, _ := utf8.DecodeLastRuneInString(w)
		bare := strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }))
		next := strings.ToLower(strings.TrimFunc(words[i+1], func(r rune) bool { return !unicode.IsLetter(r) }))
		switch {
		case strings.ContainsRune(".,:;!?…—-", last) || unicode.Is(unicode.Pd, last):
			kind[i] = cutPunct
		case glue[bare] || openers[bare] || utf8.RuneCountInString(bare) <= 2:
			kind[i] = cutGlue
		case openers[next]:
			kind[i] = cutOpener
		default:
			kind[i] = cutPlain
		}
	}
	return kind, dist
}

// SplitCaption cuts a caption into top and bottom text where it reads
// naturally (NaturalSplit), else between the two words nearest the middle
// that do not bind together. Short captions go to the bottom alone, where
// the punchline sits.
func SplitCaption(s string) (top, bottom string) {
	words := strings.Fields(s)
	if len(words) <= 3 {
		return "", strings.Join(words, " ")
	}
	if top, bottom, ok := NaturalSplit(s); ok {
		return top, bottom
	}
	kind, dist := cuts(words, utf8.RuneCountInString(s)/2)
	better := func(i, j int) bool { // a cut that keeps phrases whole first, then the nearest the middle
		if gi, gj := kind[i] == cutGlue, kind[j] == cutGlue; gi != gj {
			return !gi
		}
		return dist[i] < dist[j]
	}
	best := 0
	for i := range kind {
		if better(i, best) {
			best = i
		}
	}
	return strings.Join(words[:best+1], " "), strings.Join(words[best+1:], " ")
}

// NaturalSplit cuts s in two at a natural break near its middle: after
// punctuation, or before a word that opens a clause (breaks.yaml); ok is
// false when s has none, and then no template should cut it.
func NaturalSplit(s string) (top, bottom string, ok bool) {
	words := strings.Fields(s)
	if len(words) < 2 {
		return "", "", false
	}
	mid := utf8.RuneCountInString(s) / 2
	kind, dist := cuts(words, mid)
	best := -1
	for i := range kind {
		if kind[i] > cutOpener || dist[i] >= max(1, mid*2/3) {
			continue
		}
		if kind[i] == cutOpener && (i == 0 || i == len(words)-2) {
			continue // "кот / и понедельник" is one phrase, not a setup and its outcome
		}
		if best < 0 || kind[i] < kind[best] || kind[i] == kind[best] && dist[i] < dist[best] {
			best = i
		}
	}
	if best < 0 {
		return "", "", false
	}
	return strings.Join(words[:best+1], " "), strings.Join(words[best+1:], " "), true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
