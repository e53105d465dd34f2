// Package chat is the chat-completion call to AIML API: the body each
// model family's published schema takes (aiml.ChatBody: Anthropic's
// top-level system and base64 image blocks, OpenAI's reasoning fields,
// real zero temperatures), answers read with go-openai's response type,
// errors read for what they mean and taught to the health record, and the
// cost put on the request's meter. go-openai's own client cannot send
// these bodies (it drops zero temperatures, refuses max_tokens for
// reasoning models before sending, and has no top-level system).
package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/apipost"
)

// MaxAnswerBytes caps a chat answer before it is parsed: the generator's
// longest honest answer is a few kilobytes.
const MaxAnswerBytes = 256 << 10

// Client makes chat calls.
type Client struct {
	api     apipost.Doer
	baseURL string
	key     string
	health  *aiml.Health
}

// New returns a client for baseURL (https://api.aimlapi.com/v1) that
// consults and teaches health (nil: none).
func New(api apipost.Doer, baseURL, key string, health *aiml.Health) *Client {
	return &Client{api: api, baseURL: strings.TrimRight(baseURL, "/"), key: key, health: health}
}

// ErrEmpty is an answer without text (a reasoning model that spent its
// cap thinking, or a refusal).
var ErrEmpty = errors.New("answer has no text")

// Complete sends c and returns the answer's text.
func (cl *Client) Complete(ctx context.Context, c aiml.Chat) (string, error) {
	if err := cl.health.Allow(ctx, c.Model); err != nil {
		return "", fmt.Errorf("chat %w", err)
	}
	ans, err := apipost.Do(ctx, cl.api, cl.baseURL+"/chat/completions", cl.key, aiml.ChatBody(c), MaxAnswerBytes)
	if err != nil {
		return "", fmt.Errorf("chat %s: %w", c.Model, err)
	}
	if !ans.OK() {
		e := aiml.Classify(c.Model, ans.Status, ans.Header, ans.Body)
		cl.health.Observe(ctx, c.Model, e)
		return "", fmt.Errorf("chat %w", e)
	}
	aiml.Charge(ctx, aiml.Spent(ans.Header, ans.Body))
	text, err := Text(ans.Body)
	if err != nil {
		return "", fmt.Errorf("chat %s: %w", c.Model, err)
	}
	return text, nil
}

// Text reads the first choice's text from a chat.completion answer (a
// string, or text parts).
func Text(body []byte) (string, error) {
	var resp struct {
		Choices []struct {
			FinishReason openai.FinishReason `json:"finish_reason"`
			Message      struct {
				Content json.RawMessage `json:"content"`
				Refusal *string         `json:"refusal"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return "", fmt.Errorf("decode answer: %w", err)
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("no choices in answer")
	}
	ch := resp.Choices[0]
	var text string
	if err := json.Unmarshal(ch.Message.Content, &text); err != nil {
		var parts []openai.ChatMessagePart
		if json.Unmarshal(ch.Message.Content, &parts) == nil {
			var b strings.Builder
			for _, p := range parts {
				b.WriteString(p.Text)
			}
			text = b.String()
		}
	}
	if strings.TrimSpace(text) == "" {
		if ch.FinishReason == openai.FinishReasonLength {
			return "", fmt.Errorf("%w: cut at the token cap", ErrEmpty)
		}
		if ch.Message.Refusal != nil && *ch.Message.Refusal != "" {
			return "", fmt.Errorf("%w: refused: %.100s", ErrEmpty, *ch.Message.Refusal)
		}
		return "", ErrEmpty
	}
	return text, nil
}
