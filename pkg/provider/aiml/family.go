// Package aiml is what punchline knows of AIML API's wire formats: the
// model families and the request body each one's published schema takes
// (families.yaml), the catalogue of live models, the error body and what
// each error means, what a call cost, and the health of the account and
// of each model. The clients (pkg/provider/chat, imagegen, tts) build
// their bodies and read their answers through it.
package aiml

import (
	_ "embed"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

//go:embed families.yaml
var familiesYAML []byte

// ChatFamily is how one family of chat models wants its body.
type ChatFamily struct {
	Family          string   `yaml:"family"`
	Developer       string   `yaml:"developer"`
	Match           []string `yaml:"match"`
	Style           string   `yaml:"style"` // "openai" or "anthropic"
	TemperatureMax  float64  `yaml:"temperature_max"`
	NoTemperature   bool     `yaml:"no_temperature"`
	Tokens          string   `yaml:"tokens"` // max_tokens or max_completion_tokens
	ReasoningEffort string   `yaml:"reasoning_effort"`
	ReasoningRoom   int      `yaml:"reasoning_room"`
	JSON            bool     `yaml:"json"`      // response_format json_object is documented
	MaxParts        int      `yaml:"max_parts"` // content parts a message may hold; 0: no limit
	TextOnly        bool     `yaml:"text_only"` // the user content must be a string: pictures are left out
}

// MediaFamily is how one family of image or speech models wants its body:
// the fixed fields beside model and prompt (or text).
type MediaFamily struct {
	Family    string         `yaml:"family"`
	Developer string         `yaml:"developer"`
	Match     []string       `yaml:"match"`
	Body      map[string]any `yaml:"body"`
	PromptMax int            `yaml:"prompt_max"` // characters; 0: no documented limit
	Voices    []string       `yaml:"voices"`     // speech: the documented voices, the default first
	// LangVoices are the voices that speak a language other than the
	// default's, by ISO 639-1 code, the default first (Aura-2's English
	// voices read Spanish badly).
	LangVoices map[string][]string `yaml:"lang_voices"`
}

var families = func() (f struct {
	Chat   []ChatFamily  `yaml:"chat"`
	Image  []MediaFamily `yaml:"image"`
	Speech []MediaFamily `yaml:"speech"`
	Video  []MediaFamily `yaml:"video"`
}) {
	if err := yaml.Unmarshal(familiesYAML, &f); err != nil {
		panic("aiml: families.yaml: " + err.Error()) // embedded data, checked by tests
	}
	if len(f.Chat) == 0 || len(f.Image) == 0 || len(f.Speech) == 0 || len(f.Video) == 0 {
		panic("aiml: families.yaml: a kind has no families")
	}
	return f
}()

// matches reports whether model starts with one of prefixes; an empty
// list matches everything (the kind's last, default family).
func matches(model string, prefixes []string) bool {
	if len(prefixes) == 0 {
		return true
	}
	m := strings.ToLower(model)
	for _, p := range prefixes {
		if strings.HasPrefix(m, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// ChatFamilyOf is model's chat family.
func ChatFamilyOf(model string) ChatFamily {
	for _, f := range families.Chat {
		if matches(model, f.Match) {
			return f
		}
	}
	return families.Chat[len(families.Chat)-1]
}

// ImageFamilyOf is model's image family.
func ImageFamilyOf(model string) MediaFamily { return mediaFamily(families.Image, model) }

// VideoFamilyOf is model's video family.
func VideoFamilyOf(model string) MediaFamily { return mediaFamily(families.Video, model) }

// SpeechFamilyOf is model's speech family.
func SpeechFamilyOf(model string) MediaFamily { return mediaFamily(families.Speech, model) }

func mediaFamily(fs []MediaFamily, model string) MediaFamily {
	for _, f := range fs {
		if matches(model, f.Match) {
			return f
		}
	}
	return fs[len(fs)-1]
}

// Developer is who made model: the catalogue's word when it has one, else
// the family's, else the name's first path segment. Names are folded so
// "Open AI" and "OpenAI" are one developer.
func Developer(model string, cat *Catalogue) string {
	if cat != nil {
		if m, ok := cat.Resolve(model); ok && m.Developer != "" {
			return foldDeveloper(m.Developer)
		}
	}
	for _, d := range []string{ChatFamilyOf(model).Developer, ImageFamilyOf(model).Developer, SpeechFamilyOf(model).Developer, VideoFamilyOf(model).Developer} {
		if d != "" {
			return foldDeveloper(d)
		}
	}
	if i := strings.IndexByte(model, '/'); i > 0 {
		return foldDeveloper(model[:i])
	}
	return foldDeveloper(model)
}

func foldDeveloper(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	switch out := b.String(); out {
	case "xai", "x":
		return "xai"
	default:
		return out
	}
}

// VoiceFor is the voice model reads lang in: the configured voice
// (Voice) when one was asked for, else the family's first voice for lang
// when it lists voices per language, else its default.
func VoiceFor(model, configured, lang string) string {
	if configured != "" {
		v, _ := Voice(model, configured)
		return v
	}
	if vs := SpeechFamilyOf(model).LangVoices[lang]; len(vs) > 0 {
		return vs[0]
	}
	v, _ := Voice(model, "")
	return v
}

// Voice is the voice to ask model for: want when the family documents it
// (case as documented), else the family's first voice; "" for a family
// with no documented voices.
func Voice(model, want string) (string, error) {
	f := SpeechFamilyOf(model)
	if len(f.Voices) == 0 {
		return "", nil
	}
	if want == "" {
		return f.Voices[0], nil
	}
	for _, v := range f.Voices {
		if strings.EqualFold(v, want) {
			return v, nil
		}
	}
	return f.Voices[0], fmt.Errorf("voice %q is not one of %s's (%s …); using %s", want, f.Family, strings.Join(f.Voices[:min(4, len(f.Voices))], ", "), f.Voices[0])
}
