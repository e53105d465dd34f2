package offline

import (
	_ "embed"
	"hash/fnv"
	"strings"

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

// Pick chooses a template for prompt from ts (those the caller can render:
// clips only where video can be made) by its shape, and fills its
// slots. The choice among the templates that fit is by the prompt's hash:
// the same prompt always gets the same meme, different prompts vary. ok is
// false when no template fits.
func Pick(prompt string, ts []*templates.Template) (t *templates.Template, captions []string, ok bool) {
	sh := meme.ShapeOf(prompt)
	lang := meme.DetectLang(prompt)
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

// fill puts the shape's parts into t's slots: slots whose role has a
// default get it, the others take parts in order. A template fits when it
// has at least one part slot and no more part slots than parts (extra
// parts are dropped); a single part split in two fills two slots.
func fill(t *templates.Template, sh meme.Shape, lang string) ([]string, bool) {
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
		top, bottom := meme.SplitCaption(meme.Truncate(parts[0], maxCaption))
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
