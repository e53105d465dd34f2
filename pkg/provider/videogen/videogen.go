// Package videogen makes clips with AIML's asynchronous video API: the
// family's body (aiml.VideoBody) posted to /v2/video/generations, the task
// read back (GET ?generation_id=) until it is completed or failed, and the
// finished MP4 downloaded through fetch. The library's painted clip
// templates are made with it (make templates-paint); no request waits on
// it.
package videogen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/wait"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/apipost"
	"punchline/pkg/provider/fetch"
)

// Caps on what the provider may send.
const (
	MaxAnswerBytes = 1 << 20  // a task's JSON
	MaxClipBytes   = 64 << 20 // the finished clip
)

// Client generates clips with one provider.
type Client struct {
	api      apipost.Doer
	root     string // the API's origin: PROVIDER_BASE_URL without its /v1
	key      string
	download *http.Client
	health   *aiml.Health
	// Every is how often a task is read back (15 s in the provider's own
	// examples; tests shorten it).
	Every time.Duration
}

// New returns a client for the provider at baseURL (PROVIDER_BASE_URL;
// the video API lives beside it under /v2); download fetches the finished
// clips and is policy-checked.
func New(api apipost.Doer, baseURL, key string, download *http.Client, health *aiml.Health) *Client {
	root := strings.TrimSuffix(strings.TrimRight(baseURL, "/"), "/v1")
	return &Client{api: api, root: root, key: key, download: download, health: health, Every: 10 * time.Second}
}

// task is the documented answer of both calls.
type task struct {
	ID     string `json:"id"`
	Status string `json:"status"` // queued, generating, completed, error
	Video  *struct {
		URL string `json:"url"`
	} `json:"video"`
	Error *struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
}

// Generate makes a clip of prompt with model (seed 0: the model's own)
// and returns its bytes; ctx bounds the whole wait.
func (c *Client) Generate(ctx context.Context, model, prompt string, seed int64) ([]byte, error) {
	if err := c.health.Allow(ctx, model); err != nil {
		return nil, fmt.Errorf("video %w", err)
	}
	ans, err := apipost.Do(ctx, c.api, c.root+"/v2/video/generations", c.key, aiml.VideoBody(model, prompt, seed), MaxAnswerBytes)
	if err != nil {
		return nil, fmt.Errorf("video %s: submit: %w", model, err)
	}
	t, err := c.read(ctx, model, ans)
	if err != nil {
		return nil, fmt.Errorf("video %s: submit: %w", model, err)
	}
	if t.ID == "" {
		return nil, fmt.Errorf("video %s: the provider gave the task no id", model)
	}
	for t.Status != "completed" {
		switch t.Status {
		case "queued", "generating", "":
		case "error":
			msg := "no reason given"
			if t.Error != nil {
				msg = t.Error.Name + ": " + t.Error.Message
			}
			return nil, fmt.Errorf("video %s: generation %s failed: %s", model, t.ID, msg)
		default:
			return nil, fmt.Errorf("video %s: generation %s has status %q", model, t.ID, t.Status)
		}
		if err := wait.Sleep(ctx, c.Every); err != nil {
			return nil, fmt.Errorf("video %s: generation %s still %s: %w", model, t.ID, t.Status, err)
		}
		ans, err := apipost.Get(ctx, c.api, c.root+"/v2/video/generations?generation_id="+url.QueryEscape(t.ID), c.key, MaxAnswerBytes)
		if err != nil {
			return nil, fmt.Errorf("video %s: read generation %s: %w", model, t.ID, err)
		}
		if t, err = c.read(ctx, model, ans); err != nil {
			return nil, fmt.Errorf("video %s: read generation: %w", model, err)
		}
	}
	if t.Video == nil || t.Video.URL == "" {
		return nil, fmt.Errorf("video %s: generation %s completed without a link", model, t.ID)
	}
	data, err := fetch.Get(ctx, c.download, t.Video.URL, MaxClipBytes)
	if err != nil {
		return nil, fmt.Errorf("video %s: download: %w", model, err)
	}
	return data, nil
}

// read decodes a task answer, teaching the health record what an error
// means and charging what the provider says was spent.
func (c *Client) read(ctx context.Context, model string, ans apipost.Answer) (task, error) {
	if !ans.OK() {
		e := aiml.Classify(model, ans.Status, ans.Header, ans.Body)
		c.health.Observe(ctx, model, e)
		return task{}, e
	}
	aiml.Charge(ctx, aiml.Spent(ans.Header, ans.Body))
	var t task
	if err := json.Unmarshal(ans.Body, &t); err != nil {
		return task{}, fmt.Errorf("answer is not a video task: %w", err)
	}
	return t, nil
}

// ErrNoModel is Generate's error for an empty model list (GenerateAny).
var ErrNoModel = errors.New("video: no model")

// GenerateAny tries models in order, each within per, and returns the
// first clip made and its model.
func (c *Client) GenerateAny(ctx context.Context, models []string, prompt string, seed int64, per time.Duration) ([]byte, string, error) {
	err := ErrNoModel
	for _, m := range models {
		mctx, cancel := context.WithTimeout(ctx, per)
		data, gerr := c.Generate(mctx, m, prompt, seed)
		cancel()
		if gerr == nil {
			return data, m, nil
		}
		err = gerr
		if ctx.Err() != nil || errors.Is(gerr, meme.ErrProviderAccount) {
			break
		}
	}
	return nil, "", err
}
