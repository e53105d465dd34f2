package offline

import (
	_ "embed"
	"hash/fnv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"punchline/pkg/language"
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

// Pick chooses a template for prompt from ts (those the caller can render:
// clips only where video can be made) by its shape, and fills its
// slots. The choice among the templates that fit is by the prompt's hash:
// the same prompt always gets the same meme, different prompts vary. ok is
// false when no template fits.
func Pick(prompt string, ts []*templates.Template) (t *templates.Template, captions []string, ok bool) {
	return pick(prompt, meme.ShapeOf(prompt), language.Of(prompt), ts)
}

// pick is Pick for a prompt already shaped (sh) and identified (lang).
func pick(prompt string, sh meme.Shape, lang string, ts []*templates.Template) (t *templates.Template, captions []string, ok bool) {
	var fits []*templates.Template
	var fills [][]string
	for _, cand := range ts {
		if !cand.Active() || !cand.FitsShape(sh.Kind) {
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

// fill puts the shape's parts into t's slots, keeping their meaning:
// slots whose role has a default get it, the others take parts in order.
// A template fits when it says everything fixed in lang (its fixed texts
// and role defaults exist there), has at least one part slot and no more
// part slots than parts. A statement or reaction split in two fills two
// slots; a question is never split. A list longer than the slots keeps its
// last item (the punchline), a transcript its last messages. A request's
// subject ("make a meme about X") goes only where the template has a
// phrasing for it in lang.
func fill(t *templates.Template, sh meme.Shape, lang string) ([]string, bool) {
	if !t.Speaks(lang) {
		return nil, false
	}
	slots := t.Slots()
	var content []int
	captions := make([]string, len(slots))
	for i, s := range slots {
		if d, ok := roleDefaults[s.Role]; ok {
			v, ok := d[lang]
			if !ok {
				if v, ok = d[""]; !ok {
					return nil, false
				}
			}
			captions[i] = strings.ReplaceAll(v, "{topic}", sh.Topic)
			continue
		}
		content = append(content, i)
	}
	if len(content) == 0 {
		return nil, false
	}
	parts := sh.Parts
	if sh.About != "" && len(parts) <= 1 {
		phrase, ok := t.Offline[lang]
		if !ok || len(content) != 1 {
			return nil, false
		}
		parts = []string{strings.ReplaceAll(phrase, "{about}", sh.About)}
	}
	if len(parts) == 1 && len(content) == 2 && (sh.Kind == "statement" || sh.Kind == "reaction") && sh.About == "" {
		top, bottom, ok := meme.NaturalSplit(parts[0])
		if !ok {
			return nil, false // cut mid-phrase it would say something else
		}
		parts = []string{top, bottom}
	}
	if sh.Kind == "dialogue" && len(content) == 1 {
		// One slot shows the exchange, not just its last line: as many of
		// the last messages as fit, with who said them, at least two.
		parts = nil
		limit := slots[content[0]].MaxChars
		for k := 2; k <= len(sh.Lines); k++ {
			text := strings.Join(sh.Lines[len(sh.Lines)-k:], "\n")
			if limit > 0 && utf8.RuneCountInString(text) > limit {
				break
			}
			parts = []string{text}
		}
	}
	if len(content) > len(parts) {
		return nil, false
	}
	switch {
	case sh.Kind == "dialogue":
		parts = parts[len(parts)-len(content):] // the transcript's end is the joke
	case len(parts) > len(content):
		// The last item is the punchline: keep it, drop from before it.
		parts = append(parts[:len(content)-1:len(content)-1], parts[len(parts)-1])
	}
	for k, i := range content {
		limit := slots[i].MaxChars
		if limit == 0 {
			limit = maxCaption
		}
		// A part is filled whole or not at all: "Why do meetings always
		// take exactly…" is not the question asked.
		if utf8.RuneCountInString(parts[k]) > limit {
			return nil, false
		}
		captions[i] = parts[k]
	}
	return captions, true
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
