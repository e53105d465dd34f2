package joke

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"punchline/pkg/media/templates"
	"punchline/pkg/meme"
)

// TestNonFiniteProbabilityIsClamped: "p": "NaN" (or "Infinity") from the
// model passed min(1, max(0, NaN)) and reached the stores as NaN.
func TestNonFiniteProbabilityIsClamped(t *testing.T) {
	lib := house(t)
	b := New(Options{Can: Can{Image: true}}).Brief("Cats vs dogs", lib.Usable(), rand.New(rand.NewPCG(1, 1)))
	for _, p := range []string{`"NaN"`, `"Infinity"`, `"-inf"`, `"nan%"`} {
		cands, err := ParseCandidates(`{"candidates":[{"recipe":"text","captions":["a joke"],"p":`+p+`}]}`, "Cats vs dogs")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range Validate(cands, b, lib) {
			if c.P != 0 {
				t.Errorf("p %s became %v, want 0", p, c.P)
			}
		}
	}
	if got := probability(math.NaN()); got != 0 {
		t.Errorf("probability(NaN) = %v", got)
	}
}

// TestModelTextIsCleanedAtEntry: NUL/BEL/ESC/DEL and bidi overrides from
// the generator stayed in captions and candidates; a team template's
// 250 KB use_when made a 1.75 MB generator prompt.
func TestModelTextIsCleanedAtEntry(t *testing.T) {
	lib := house(t)
	b := New(Options{Can: Can{Image: true}}).Brief("Cats vs dogs", lib.Usable(), rand.New(rand.NewPCG(1, 1)))
	dirty := "a\x00b\x07c\x1bd\x7fe\u202ef\u2066g"
	cands := Validate([]meme.Candidate{{Recipe: "scene", Captions: []string{dirty, dirty}, ImagePrompt: dirty, Plan: dirty}}, b, lib)
	if len(cands) != 1 {
		t.Fatalf("%+v", cands)
	}
	c := cands[0]
	for _, s := range append(c.Captions, c.ImagePrompt, c.Plan) {
		if s != "abcdefg" {
			t.Errorf("%q, want abcdefg", s)
		}
	}

	huge := strings.Replace(strings.Replace(validTemplate, "id: test-format", "id: huge", 1), `use_when: "testing"`, `use_when: "`+strings.Repeat("when ", 50_000)+`"`, 1)
	ts, problems := templates.Load(templates.Files(map[string][]byte{"huge/template.yaml": []byte(huge)}), templates.SourceDir)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	e := New(Options{Can: Can{Image: true}, Recipes: []string{"template"}})
	req, err := e.GeneratorRequest(e.Brief("Cats vs dogs", ts, rand.New(rand.NewPCG(1, 1))), writerModel)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(req.System); n > 20_000 {
		t.Errorf("generator prompt %d bytes with a 250 KB use_when", n)
	}
}

const validTemplate = `id: test-format
kind: drawn
scene:
  size: [400, 400]
  background: "#ffffff"
  shapes:
    - {rect: [0.1, 0.1, 0.8, 0.3], fill: "#ffcc00"}
boxes:
  - {x: 0, y: 0, w: 1, h: 0.2, role: top, style: outline, max_chars: 20}
about: {en: "A test format."}
use_when: "testing"
fits: [statement]
license: {source: "test", holder: "us", license: "CC0-1.0"}
`

// A chat transcript is shown to the model in reading order (newest first
// broke who answered whom); a long one keeps its tail from a line
// boundary and says that earlier messages were left out.
func TestTranscriptInReadingOrder(t *testing.T) {
	chat := "Вася: ты где?\nПетя: уже выхожу\nВася: ты это час назад писал"
	got := topic(Brief{Prompt: chat, Shape: meme.ShapeOf(chat)})
	if !strings.HasSuffix(got, "Вася: ты где?\nПетя: уже выхожу\nВася: ты это час назад писал") || !strings.Contains(got, "in reading order") {
		t.Errorf("%q", got)
	}
	var long strings.Builder
	for i := 0; long.Len() < 3*promptTail; i++ {
		fmt.Fprintf(&long, "Алиса: сообщение номер %d\nБоб: ответ на %d\n", i, i)
	}
	long.WriteString("Алиса: и это последнее")
	got = topic(Brief{Prompt: long.String(), Shape: meme.ShapeOf(long.String())})
	lines := strings.Split(got, "\n")
	if !strings.Contains(lines[0], "earlier messages left out") || !strings.HasSuffix(got, "Алиса: и это последнее") {
		t.Errorf("head %q, tail %q", lines[0], lines[len(lines)-1])
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "Алиса: ") && !strings.HasPrefix(l, "Боб: ") {
			t.Errorf("a line cut mid-way: %q", l)
		}
	}
	if len(got) > promptTail+200 {
		t.Errorf("%d bytes sent for a long transcript", len(got))
	}
}
