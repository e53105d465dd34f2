// Package tts reads a caption aloud through the provider's text-to-speech:
// AIML's POST /tts (model, text, voice, response_format), which answers
// with audio bytes or a JSON link to them, or OpenAI's POST /audio/speech
// (model, input, voice), which answers with bytes.
package tts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

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
	voice   string
	fetch   *http.Client // for audio links in answers: policy-checked
}

// New returns a client; download fetches audio links the provider answers with.
func New(api Doer, baseURL, key, model, voice string, download *http.Client) *Client {
	return &Client{api: api, baseURL: strings.TrimRight(baseURL, "/"), key: key, model: model, voice: voice, fetch: download}
}

// openAIStyle reports models served by /audio/speech.
func openAIStyle(model string) bool {
	m := strings.ToLower(model)
	return strings.HasPrefix(m, "tts-") || strings.Contains(m, "-tts") || strings.HasPrefix(m, "openai/")
}

// Speak returns text read aloud (MP3, WAV or whatever the provider sends;
// ffmpeg reads them all).
func (c *Client) Speak(ctx context.Context, text string) ([]byte, error) {
	path, body := "/tts", map[string]any{"model": c.model, "text": text, "voice": c.voice, "response_format": "mp3"}
	if openAIStyle(c.model) {
		path, body = "/audio/speech", map[string]any{"model": c.model, "input": text, "voice": c.voice, "response_format": "mp3"}
	}
	ans, err := apipost.Do(ctx, c.api, c.baseURL+path, c.key, body, MaxAudioBytes)
	if err != nil {
		return nil, fmt.Errorf("tts %s: %w", c.model, err)
	}
	data := ans.Body
	if !ans.OK() {
		return nil, fmt.Errorf("tts %s: status %d: %.200s", c.model, ans.Status, data)
	}
	if !strings.Contains(ans.ContentType, "json") && !looksJSON(data) {
		return audio(data)
	}
	link, err := AudioURL(data)
	if err != nil {
		return nil, fmt.Errorf("tts %s: %w", c.model, err)
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

// AudioURL finds the audio link in a JSON answer: url, audio_url, or
// either under audio, data or result.
func AudioURL(data []byte) (string, error) {
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		return "", fmt.Errorf("decode answer: %w", err)
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
