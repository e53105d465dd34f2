package aiml

import (
	"encoding/base64"
	"maps"
	"strings"
	"unicode/utf8"
)

// Chat is one chat call, said once for every family: ChatBody turns it
// into the body the model's family documents.
type Chat struct {
	Model  string
	System string
	User   string
	// Images follow the user text, each labelled (Label is put as text
	// before its picture when the family has room for the parts).
	Images []Image
	// Temperature is sent as given, zero included, clamped to the family's
	// range; families without one get none.
	Temperature float64
	// MaxTokens is the visible answer's cap; reasoning families get their
	// room on top.
	MaxTokens int
	// JSON asks for a JSON object where the family documents the mode.
	JSON bool
}

// Image is a picture shown to the model.
type Image struct {
	Label string // e.g. "Candidate 2:"
	MIME  string // image/jpeg, image/png
	Data  []byte
}

// ChatBody is c as the JSON body c.Model's family documents.
func ChatBody(c Chat) map[string]any {
	f := ChatFamilyOf(c.Model)
	body := map[string]any{"model": c.Model}
	if !f.NoTemperature {
		t := max(0, c.Temperature)
		if f.TemperatureMax > 0 {
			t = min(t, f.TemperatureMax)
		}
		body["temperature"] = t
	}
	if c.MaxTokens > 0 {
		field := f.Tokens
		if field == "" {
			field = "max_tokens"
		}
		body[field] = c.MaxTokens + f.ReasoningRoom
	}
	if f.ReasoningEffort != "" {
		body["reasoning_effort"] = f.ReasoningEffort
	}
	if c.JSON && f.JSON {
		body["response_format"] = map[string]any{"type": "json_object"}
	}
	user := userContent(c, f)
	switch f.Style {
	case "anthropic":
		if c.System != "" {
			body["system"] = c.System
		}
		body["messages"] = []any{map[string]any{"role": "user", "content": user}}
	default:
		var msgs []any
		if c.System != "" {
			msgs = append(msgs, map[string]any{"role": "system", "content": c.System})
		}
		body["messages"] = append(msgs, map[string]any{"role": "user", "content": user})
	}
	return body
}

// userContent is the user message: the text alone, or parts with the
// pictures. With a cap on parts the labels join the text (in order), so
// every picture still fits.
func userContent(c Chat, f ChatFamily) any {
	if len(c.Images) == 0 || f.TextOnly {
		return c.User
	}
	images := c.Images
	labelled := f.MaxParts == 0 || 1+2*len(images) <= f.MaxParts
	if !labelled && f.MaxParts > 0 && 1+len(images) > f.MaxParts {
		images = images[:f.MaxParts-1]
	}
	text := c.User
	if !labelled {
		var labels []string
		for _, im := range images {
			labels = append(labels, im.Label)
		}
		text += "\n\nThe pictures follow in this order: " + strings.Join(labels, " ")
	}
	parts := []any{map[string]any{"type": "text", "text": text}}
	for _, im := range images {
		if labelled && im.Label != "" {
			parts = append(parts, map[string]any{"type": "text", "text": im.Label})
		}
		data := base64.StdEncoding.EncodeToString(im.Data)
		if f.Style == "anthropic" {
			parts = append(parts, map[string]any{"type": "image", "source": map[string]any{"type": "base64", "media_type": im.MIME, "data": data}})
		} else {
			parts = append(parts, map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:" + im.MIME + ";base64," + data, "detail": "low"}})
		}
	}
	return parts
}

// ImageBody is the body for one square picture of about a megapixel from
// model, the prompt cut to the family's documented limit.
func ImageBody(model, prompt string) map[string]any {
	return mediaBody(ImageFamilyOf(model), model, "prompt", prompt)
}

// VideoBody is the body asking model for a clip of prompt on AIML's
// asynchronous video API (POST /v2/video/generations): the family's fixed
// fields (its shortest documented length of at least 4 s, 720p, sound
// where the model paints it) and, when seed is not 0, the seed.
func VideoBody(model, prompt string, seed int64) map[string]any {
	body := mediaBody(VideoFamilyOf(model), model, "prompt", prompt)
	if seed != 0 {
		body["seed"] = seed
	}
	return body
}

// SpeechBody is the body for reading text aloud with model in voice (a
// voice the family documents; "" for none).
func SpeechBody(model, text, voice string) map[string]any {
	body := mediaBody(SpeechFamilyOf(model), model, "text", text)
	if voice != "" {
		body["voice"] = voice
	}
	return body
}

// mediaBody is the family's fixed fields with the model and the text
// (field), cut to the family's limit.
func mediaBody(f MediaFamily, model, field, text string) map[string]any {
	body := maps.Clone(f.Body)
	if body == nil {
		body = map[string]any{}
	}
	body["model"] = model
	body[field] = cut(text, f.PromptMax)
	return body
}

// cut keeps the first n characters of s (all of it for n ≤ 0), at a word
// boundary when one is near.
func cut(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexAny(string(r), " \n"); i > len(string(r))*3/4 {
		return strings.TrimSpace(string(r)[:i])
	}
	return string(r)
}
