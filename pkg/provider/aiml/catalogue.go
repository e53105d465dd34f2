package aiml

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"punchline/pkg/meme"
)

// CatalogueKey is the catalogue's document in the state table.
const CatalogueKey = "models/catalogue"

// MaxCatalogueBytes caps the catalogue answer (about 400 models without
// pricing are a few hundred kilobytes).
const MaxCatalogueBytes = 8 << 20

// Model is one live model as the catalogue lists it.
type Model struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases,omitempty"`
	Type      string   `json:"type,omitempty"` // the endpoint type, e.g. openai/chat-completions
	Developer string   `json:"developer,omitempty"`
	Vision    bool     `json:"vision,omitempty"` // takes images as input
}

// Catalogue is the provider's list of live models (GET /v1/models), as
// stored in the state table.
type Catalogue struct {
	FetchedAt time.Time `json:"fetched_at"`
	ETag      string    `json:"etag,omitempty"`
	// Partial: fetched for some ids only (?id=): a name it lacks may still
	// be live.
	Partial bool      `json:"partial,omitempty"`
	Models  []Model   `json:"models"`
	index   sync.Once // byName, built on the first Resolve
	byName  map[string]int
}

// Resolve finds name among the ids and aliases, case-insensitively: a
// model published under a new id lives on under its old name as an alias.
func (c *Catalogue) Resolve(name string) (Model, bool) {
	if c == nil {
		return Model{}, false
	}
	c.index.Do(c.buildIndex)
	i, ok := c.byName[fold(name)]
	if !ok {
		return Model{}, false
	}
	return c.Models[i], true
}

func (c *Catalogue) buildIndex() {
	c.byName = make(map[string]int, 2*len(c.Models))
	for i, m := range c.Models {
		for _, n := range append([]string{m.ID}, m.Aliases...) {
			if _, taken := c.byName[fold(n)]; !taken {
				c.byName[fold(n)] = i
			}
		}
	}
}

// ErrNotModified is a 304 answer: the stored catalogue is current.
var ErrNotModified = errors.New("catalogue not modified")

// Doer sends HTTP requests (*http.Client).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// FetchCatalogue reads GET {baseURL}/models (no key needed) with the
// capabilities and modalities sections; with ids, only those (?id= matches
// ids and aliases). etag, when set, is sent as If-None-Match, and a 304 is
// ErrNotModified.
func FetchCatalogue(ctx context.Context, api Doer, baseURL string, ids []string, etag string, now time.Time) (*Catalogue, error) {
	q := url.Values{"include": {"capabilities,modalities"}}
	if len(ids) > 0 {
		q.Set("id", strings.Join(ids, ","))
	}
	u := strings.TrimRight(baseURL, "/") + "/models?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := api.Do(req)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, ErrNotModified
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxCatalogueBytes+1))
	if err != nil {
		return nil, fmt.Errorf("catalogue: read: %w", err)
	}
	if len(raw) > MaxCatalogueBytes {
		return nil, fmt.Errorf("catalogue: answer over %d bytes", MaxCatalogueBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("catalogue: %w", Classify("catalogue", resp.StatusCode, resp.Header, raw))
	}
	c, err := DecodeCatalogue(raw)
	if err != nil {
		return nil, err
	}
	c.FetchedAt, c.ETag, c.Partial = now.UTC(), resp.Header.Get("ETag"), len(ids) > 0
	return c, nil
}

// maxModels bounds how many entries a catalogue answer may bring.
const maxModels = 5000

// DecodeCatalogue reads a /v1/models answer: {"object":"list","data":[…]}.
// Entries without an id, or with a malformed one, are skipped; the whole
// answer fails only when it is not that shape.
func DecodeCatalogue(raw []byte) (*Catalogue, error) {
	var body struct {
		Data []struct {
			ID      any   `json:"id"`
			Aliases []any `json:"aliases"`
			Type    any   `json:"type"`
			Info    any   `json:"info"`
			Caps    []any `json:"capabilities"`
			Modal   any   `json:"modalities"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("catalogue: decode: %w", err)
	}
	if body.Data == nil {
		return nil, errors.New("catalogue: answer has no data list")
	}
	if len(body.Data) > maxModels {
		return nil, fmt.Errorf("catalogue: %d models, over %d", len(body.Data), maxModels)
	}
	c := &Catalogue{}
	for _, d := range body.Data {
		id, ok := name(d.ID)
		if !ok {
			continue
		}
		m := Model{ID: id, Type: str(d.Type, 100)}
		for _, a := range d.Aliases {
			if s, ok := name(a); ok && len(m.Aliases) < 20 {
				m.Aliases = append(m.Aliases, s)
			}
		}
		if info, ok := d.Info.(map[string]any); ok {
			m.Developer = str(info["developer"], 100)
		}
		for _, cp := range d.Caps {
			if s, _ := cp.(string); s == "vision" {
				m.Vision = true
			}
		}
		if mod, ok := d.Modal.(map[string]any); ok {
			if in, ok := mod["input"].([]any); ok {
				for _, x := range in {
					if s, _ := x.(string); s == "image" {
						m.Vision = true
					}
				}
			}
		}
		c.Models = append(c.Models, m)
	}
	sort.Slice(c.Models, func(i, j int) bool { return c.Models[i].ID < c.Models[j].ID })
	return c, nil
}

// name accepts a model name: a non-empty printable string of at most 200
// characters.
func name(v any) (string, bool) {
	s, ok := v.(string)
	if !ok || s == "" || len(s) > 200 || meme.CleanText(s) != s || strings.ContainsAny(s, "\n\t") {
		return "", false
	}
	return s, true
}

func str(v any, n int) string {
	s, _ := v.(string)
	return meme.Truncate(meme.CleanText(s), n)
}

// Role is what a model does, from its endpoint type: chat, image, video,
// speech, or "" for the rest.
func (m Model) Role() string {
	t := strings.ToLower(m.Type)
	switch {
	case strings.Contains(t, "chat"), strings.Contains(t, "responses"), strings.Contains(t, "messages"):
		return "chat"
	case strings.Contains(t, "image"):
		return "image"
	case strings.Contains(t, "video"):
		return "video"
	case strings.Contains(t, "tts"), strings.Contains(t, "speech"):
		return "speech"
	}
	return ""
}

// Loader reads and Saver writes state documents (the state table).
type Loader interface {
	Load(ctx context.Context, key string, v any) (bool, error)
}

// Saver is a Loader that also writes.
type Saver interface {
	Loader
	Save(ctx context.Context, key string, v any) error
}

// RefreshCatalogue reads the whole catalogue (sending the stored ETag) and
// saves it under CatalogueKey; an unchanged catalogue is saved with its new
// fetch time only. It returns what is stored now.
func RefreshCatalogue(ctx context.Context, api Doer, baseURL string, st Saver, now time.Time) (*Catalogue, error) {
	var old Catalogue
	found, err := st.Load(ctx, CatalogueKey, &old)
	if err != nil {
		found = false // unreadable: fetch it whole again
	}
	etag := ""
	if found && !old.Partial {
		etag = old.ETag
	}
	c, err := FetchCatalogue(ctx, api, baseURL, nil, etag, now)
	switch {
	case errors.Is(err, ErrNotModified):
		old.FetchedAt = now.UTC()
		c = &old
	case err != nil:
		return nil, err
	}
	if err := st.Save(ctx, CatalogueKey, c); err != nil {
		return nil, fmt.Errorf("catalogue: save: %w", err)
	}
	return c, nil
}
