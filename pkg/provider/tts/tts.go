// Package tts reads a caption aloud through AIML API's text-to-speech:
// every speech model, OpenAI's included, is POST /v1/tts with model, text
// and a voice its family documents (aiml.SpeechBody, aiml.Voice), and
// answers {"audio": "<uri>", "meta": …} or the audio bytes.
package tts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/apipost"
	"punchline/pkg/provider/fetch"
)

// MaxAudioBytes bounds what a voice may be.
const MaxAudioBytes = 5 << 20

// Doer is the HTTP client interface go-openai's ClientConfig.HTTPClient has.
type Doer = apipost.Doer

// Client speaks with one model and voice.
type Client struct {
	api     Doer
	baseURL string
	key     string
	model   string
	voice   string // TTS_VOICE as documented by the family; "": by language
	health  *aiml.Health
	fetch   *http.Client // for audio links in answers: policy-checked
}

// New returns a client for model in voice (TTS_VOICE; a voice model's
// family does not document becomes the family's default, and the error
// says so); download fetches audio links the provider answers with.
func New(api Doer, baseURL, key, model, voice string, download *http.Client, health *aiml.Health) (*Client, error) {
	v, err := "", error(nil)
	if voice != "" {
		v, err = aiml.Voice(model, voice)
	}
	return &Client{api: api, baseURL: strings.TrimRight(baseURL, "/"), key: key, model: model, voice: v, health: health, fetch: download}, err
}

// Model is the speech model.
func (c *Client) Model() string { return c.model }

// Speak returns text, in lang (ISO 639-1), read aloud (MP3, WAV or
// whatever the provider sends; ffmpeg reads them all): in TTS_VOICE when
// set, else in the family's voice for lang.
func (c *Client) Speak(ctx context.Context, text, lang string) ([]byte, error) {
	if err := c.health.Allow(ctx, c.model); err != nil {
		return nil, fmt.Errorf("tts %w", err)
	}
	voice := aiml.VoiceFor(c.model, c.voice, lang)
	ans, err := apipost.Do(ctx, c.api, c.baseURL+"/tts", c.key, aiml.SpeechBody(c.model, text, voice), MaxAudioBytes)
	if err != nil {
		return nil, fmt.Errorf("tts %s: %w", c.model, err)
	}
	data := ans.Body
	if !ans.OK() {
		e := aiml.Classify(c.model, ans.Status, ans.Header, data)
		c.health.Observe(ctx, c.model, e)
		return nil, fmt.Errorf("tts %w", e)
	}
	aiml.Charge(ctx, aiml.Spent(ans.Header, data))
	if !strings.Contains(ans.ContentType, "json") && !looksJSON(data) {
		return audio(data)
	}
	link, err := AudioURL(data)
	if err != nil {
		return nil, fmt.Errorf("tts %s: %w", c.model, err)
	}
	if strings.HasPrefix(link, "data:") {
		b, err := dataURL(link)
		if err != nil {
			return nil, fmt.Errorf("tts %s: %w", c.model, err)
		}
		return audio(b)
	}
	if data, err = fetch.Get(ctx, c.fetch, link, MaxAudioBytes); err != nil {
		return nil, fmt.Errorf("tts %s: %w", c.model, err)
	}
	return audio(data)
}

func looksJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// audio accepts what looks like an audio file (WAV, MP3, Ogg, FLAC, M4A).
func audio(b []byte) ([]byte, error) {
	switch {
	case len(b) < 4:
		return nil, errors.New("tts: empty audio")
	case bytes.HasPrefix(b, []byte("RIFF")), bytes.HasPrefix(b, []byte("ID3")), bytes.HasPrefix(b, []byte("OggS")),
		bytes.HasPrefix(b, []byte("fLaC")), b[0] == 0xFF && b[1]&0xE0 == 0xE0, len(b) > 8 && string(b[4:8]) == "ftyp":
		return b, nil
	}
	return nil, errors.New("tts: answer is not audio")
}

// AudioURL finds the audio link in a JSON answer: AIML's documented
// {"audio": "<uri>"}, or url or audio_url at the top or under audio, data
// or result.
func AudioURL(data []byte) (string, error) {
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		return "", fmt.Errorf("decode answer: %w", err)
	}
	if s, ok := v["audio"].(string); ok && s != "" {
		return s, nil
	}
	find := func(m map[string]any) string {
		for _, k := range []string{"url", "audio_url"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
		return ""
	}
	if s := find(v); s != "" {
		return s, nil
	}
	for _, k := range []string{"audio", "data", "result"} {
		switch x := v[k].(type) {
		case map[string]any:
			if s := find(x); s != "" {
				return s, nil
			}
		case []any:
			if len(x) > 0 {
				if m, ok := x[0].(map[string]any); ok {
					if s := find(m); s != "" {
						return s, nil
					}
				}
			}
		}
	}
	return "", errors.New("no audio link in answer")
}

// dataURL decodes a base64 data: URI (an answer may carry the audio
// inline).
func dataURL(u string) ([]byte, error) {
	meta, payload, ok := strings.Cut(u, ",")
	if !ok || !strings.HasSuffix(meta, ";base64") {
		return nil, errors.New("audio data URL is not base64")
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > MaxAudioBytes {
		return nil, fmt.Errorf("audio data URL over %d bytes", MaxAudioBytes)
	}
	return base64.StdEncoding.DecodeString(payload)
}
