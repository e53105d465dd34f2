// Package planner asks an LLM (through go-openai) for the joke: captions, a
// picture description without text, a layout and a text-meme fallback, as
// JSON. Models wrap JSON in prose or fences often enough that the parser
// digs the object out rather than trusting the answer's framing.
package planner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"punchline/pkg/meme"
)

// Chat is the part of go-openai's client the planner uses.
type Chat interface {
	CreateChatCompletion(context.Context, openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
}

// Planner plans memes with a chat model.
type Planner struct {
	chat   Chat
	model  string
	system string
}

// New returns a planner using model through chat.
func New(chat Chat, model string) *Planner {
	return &Planner{chat: chat, model: model, system: strings.Replace(system, formats, `"image" or "text"`, 1)}
}

// EnableVideo lets plans ask for a clip: only when one can be rendered
// (ffmpeg is present), so the model never picks what we cannot make.
func (p *Planner) EnableVideo() {
	p.system = strings.Replace(system, formats, `"image", "video" (the picture slowly zooming, captions appearing one after the other: for jokes that land on timing) or "text"`, 1)
}

// promptTail bounds what we send: long prompts are mostly chat transcripts
// whose joke is at the end.
const promptTail = 2000

const system = `You are a meme writer competing in a meme battle judged by people.
Given a topic, invent ONE funny, sharp meme about it. Reply with ONLY a JSON object:
{"lang": "<ISO 639-1 code of the topic's language>",
 "format": FORMATS,
 "layout": "classic" (top/bottom captions on the picture) or "bar" (caption above the picture),
 "top": "<setup caption, may be empty, at most 60 characters>",
 "bottom": "<punchline caption, at most 70 characters>",
 "image_prompt": "<English description of the picture; a scene or reaction, photo style; NO text, letters or signs in it>",
 "text": "<the same joke as a text-only meme, at most 280 characters>"}
Write the captions and text in the topic's language. Prefer "image" and "classic".`

// formats is replaced by the formats we can make.
const formats = "FORMATS"

// Plan asks the model for a plan for prompt.
func (p *Planner) Plan(ctx context.Context, prompt string) (meme.Plan, error) {
	topic := prompt
	if n := len(topic); n > promptTail {
		topic = strings.ToValidUTF8(topic[n-promptTail:], "")
	}
	resp, err := p.chat.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: p.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: p.system},
			{Role: openai.ChatMessageRoleUser, Content: topic},
		},
		Temperature: 0.9,
		MaxTokens:   500,
	})
	if err != nil {
		return meme.Plan{}, fmt.Errorf("plan with %s: %w", p.model, err)
	}
	if len(resp.Choices) == 0 {
		return meme.Plan{}, fmt.Errorf("plan with %s: no choices in answer", p.model)
	}
	plan, err := ParsePlan(resp.Choices[0].Message.Content, prompt)
	if err != nil {
		return meme.Plan{}, fmt.Errorf("plan with %s: %w", p.model, err)
	}
	return plan, nil
}

// Caps on what a plan may hold; longer values are cut, not rejected.
const (
	maxCaptionRunes = 200
	maxImagePrompt  = 1000
	maxTextRunes    = 1000
)

// ParsePlan extracts the JSON plan from a model answer (bare, fenced or
// inside prose) and normalises it. prompt supplies defaults.
func ParsePlan(answer, prompt string) (meme.Plan, error) {
	obj, ok := findObject(answer)
	if !ok {
		return meme.Plan{}, errors.New("no JSON object in answer")
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(obj), &raw); err != nil {
		return meme.Plan{}, fmt.Errorf("decode plan: %w", err)
	}
	get := func(keys ...string) string {
		for _, k := range keys {
			if s, ok := raw[k].(string); ok {
				if s = strings.TrimSpace(s); s != "" {
					return s
				}
			}
		}
		return ""
	}
	p := meme.Plan{
		Lang:        strings.ToLower(get("lang", "language")),
		Format:      strings.ToLower(get("format", "type")),
		Layout:      strings.ToLower(get("layout")),
		Top:         meme.Truncate(get("top", "top_text"), maxCaptionRunes),
		Bottom:      meme.Truncate(get("bottom", "bottom_text", "caption"), maxCaptionRunes),
		ImagePrompt: meme.Truncate(get("image_prompt", "imagePrompt", "picture"), maxImagePrompt),
		Text:        meme.Truncate(get("text", "text_meme"), maxTextRunes),
	}
	if p.Top == "" && p.Bottom == "" && p.Text == "" {
		return meme.Plan{}, errors.New("plan has neither captions nor text")
	}
	if p.Bottom == "" { // a lone caption is the punchline
		p.Top, p.Bottom = "", p.Top
	}
	if p.Lang == "" || utf8.RuneCountInString(p.Lang) > 8 {
		p.Lang = meme.DetectLang(prompt)
	}
	switch p.Format {
	case meme.TypeImage, meme.TypeVideo, meme.TypeText:
	default:
		p.Format = meme.TypeImage
	}
	if p.Format == meme.TypeText && p.Text == "" {
		p.Format = meme.TypeImage
	}
	if p.Bottom == "" { // even a text plan may be drawn when policy forces a picture
		p.Top, p.Bottom = "", meme.Truncate(p.Text, maxCaptionRunes)
	}
	switch p.Layout {
	case meme.LayoutClassic, meme.LayoutBar, meme.LayoutCard:
	default:
		p.Layout = meme.LayoutClassic
	}
	if p.ImagePrompt == "" {
		p.ImagePrompt = meme.Truncate(p.Caption(), maxImagePrompt)
	}
	if p.Text == "" {
		p.Text = p.Caption()
	}
	return p, nil
}

// findObject returns the first balanced {...} in s, skipping braces inside
// JSON strings, so prose and ``` fences around it do not matter.
func findObject(s string) (string, bool) {
	for start := strings.IndexByte(s, '{'); start >= 0; {
		depth, inStr, esc := 0, false, false
		for i := start; i < len(s); i++ {
			c := s[i]
			switch {
			case esc:
				esc = false
			case inStr && c == '\\':
				esc = true
			case c == '"':
				inStr = !inStr
			case inStr:
			case c == '{':
				depth++
			case c == '}':
				depth--
				if depth == 0 {
					if cand := s[start : i+1]; json.Valid([]byte(cand)) {
						return cand, true
					}
					i = len(s) // not JSON: try the next '{'
				}
			}
		}
		next := strings.IndexByte(s[start+1:], '{')
		if next < 0 {
			break
		}
		start += 1 + next
	}
	return "", false
}
