// Package imagegen wraps AIML API's images endpoint. It speaks to
// /images/generations with the body each model family's published schema
// takes (aiml.ImageBody: image_size/num_images, size/n, aspect_ratio,
// Seedream sizes), because go-openai's ImageRequest cannot carry them; it
// reads the documented data[].url/b64_json answer and the older "images"
// and "output.choices" shapes, errors for what they mean, and the cost.
package imagegen

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"net/http"
	"strings"

	"punchline/pkg/media/picture"
	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/apipost"
	"punchline/pkg/provider/fetch"
)

// Limits on what a provider may hand us (the pixel limits are picture's).
const (
	MaxResponseBytes = 32 << 20 // JSON answer, base64 images included
	MaxImageBytes    = 20 << 20 // a downloaded image
)

// ErrRefused means the provider refused the prompt (content policy).
var ErrRefused = meme.ErrRefused

// Doer is the HTTP client interface go-openai's ClientConfig.HTTPClient has.
type Doer = apipost.Doer

// Client generates pictures.
type Client struct {
	api     Doer
	baseURL string
	key     string
	models  []string
	live    func() []string // the roster's image models now; nil: models
	health  *aiml.Health
	fetch   *http.Client // for image URLs in answers: policy-checked
}

// New returns a client for baseURL (e.g. https://api.aimlapi.com/v1) with
// models in preference order (the pipeline tries and hedges them). api carries the provider calls; download fetches
// the image URLs the provider answers with.
func New(api Doer, baseURL, key string, models []string, download *http.Client) *Client {
	return &Client{api: api, baseURL: strings.TrimRight(baseURL, "/"), key: key, models: models, fetch: download}
}

// Use makes the client take its models from live (the roster: live and
// not skipped now) and consult and teach health.
func (c *Client) Use(live func() []string, health *aiml.Health) *Client {
	c.live, c.health = live, health
	return c
}

// Models returns the models to try now, in preference order.
func (c *Client) Models() []string {
	if c.live != nil {
		return c.live()
	}
	return c.health.Usable(c.models)
}

// GenerateWith makes one picture with model. A model the health record
// skips, or an account whose breaker is open, costs no call.
func (c *Client) GenerateWith(ctx context.Context, model, prompt string) (image.Image, error) {
	if err := c.health.Allow(ctx, model); err != nil {
		return nil, fmt.Errorf("image %w", err)
	}
	ans, err := apipost.Do(ctx, c.api, c.baseURL+"/images/generations", c.key, aiml.ImageBody(model, prompt), MaxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", model, err)
	}
	raw := ans.Body
	if !ans.OK() {
		e := aiml.Classify(model, ans.Status, ans.Header, raw)
		c.health.Observe(ctx, model, e)
		return nil, fmt.Errorf("image %w", e)
	}
	aiml.Charge(ctx, aiml.Spent(ans.Header, raw))
	ref, err := DecodeResponse(raw)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", model, err)
	}
	data := ref.Data
	if ref.URL != "" {
		if data, err = fetch.Get(ctx, c.fetch, ref.URL, MaxImageBytes); err != nil {
			return nil, fmt.Errorf("image %s: %w", model, err)
		}
	}
	img, err := DecodeImage(data)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", model, err)
	}
	return img, nil
}

// Ref is where the picture is: a URL to download, or the bytes themselves.
type Ref struct {
	URL  string
	Data []byte
}

type imageItem struct {
	URL         string `json:"url"`
	B64JSON     string `json:"b64_json"`
	ImageBase64 string `json:"image_base64"`
}

// DecodeResponse reads the first picture from any of the three answer
// shapes: {"images":[{"url"}]}, {"data":[{"url"|"b64_json"}]} and
// {"output":{"choices":[{"image_base64"}]}}.
func DecodeResponse(raw []byte) (Ref, error) {
	var r struct {
		Images []imageItem `json:"images"`
		Data   []imageItem `json:"data"`
		Output *struct {
			Choices []imageItem `json:"choices"`
		} `json:"output"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return Ref{}, fmt.Errorf("decode answer: %w", err)
	}
	items := append(r.Images, r.Data...)
	if r.Output != nil {
		items = append(items, r.Output.Choices...)
	}
	for _, it := range items {
		switch {
		case it.URL != "":
			if strings.HasPrefix(it.URL, "data:") {
				return decodeDataURL(it.URL)
			}
			return Ref{URL: it.URL}, nil
		case it.B64JSON != "":
			return decodeB64(it.B64JSON)
		case it.ImageBase64 != "":
			return decodeB64(it.ImageBase64)
		}
	}
	return Ref{}, errors.New("answer has no image")
}

func decodeDataURL(u string) (Ref, error) {
	_, payload, ok := strings.Cut(u, ",")
	if !ok || !strings.Contains(u[:len(u)-len(payload)], ";base64") {
		return Ref{}, errors.New("data URL is not base64")
	}
	return decodeB64(payload)
}

func decodeB64(s string) (Ref, error) {
	if base64.StdEncoding.DecodedLen(len(s)) > MaxImageBytes {
		return Ref{}, fmt.Errorf("base64 image over %d bytes", MaxImageBytes)
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return Ref{}, fmt.Errorf("decode base64 image: %w", err)
	}
	if len(data) == 0 {
		return Ref{}, errors.New("empty base64 image")
	}
	return Ref{Data: data}, nil
}

// DecodeImage decodes a picture after checking its declared dimensions, so
// a small file that claims to be huge (a decompression bomb) is refused
// before any pixel memory is allocated (picture.Decode).
func DecodeImage(data []byte) (image.Image, error) { return picture.Decode(data) }
