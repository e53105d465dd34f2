// Package modelchorus reads ModelChorus' public leaderboard API: image
// model standings and model availability, kept as dated snapshots in the
// state table for image-model routing.
package modelchorus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/httpretry"
)

// Standing is one model on the image leaderboard.
type Standing struct {
	Model      string  `json:"modelName"`
	Elo        float64 `json:"eloRating"`
	Rank       int     `json:"rank"`
	Wins       int64   `json:"wins"`
	Losses     int64   `json:"losses"`
	Ties       int64   `json:"ties"`
	TotalVotes int64   `json:"totalVotes"`
	WinRate    float64 `json:"winRate"`
}

// Model is one entry of /models/availability.
type Model struct {
	Name   string   `json:"name"`
	ID     string   `json:"modelId"`
	Input  []string `json:"inputModalities"`
	Output []string `json:"outputModalities"`
}

// APIError is the {error:{code,message}} envelope.
type APIError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("modelchorus %d %s: %s", e.Status, e.Code, e.Message)
}

// Client calls the API at base (no trailing slash).
type Client struct {
	http *httpretry.Client
	base string
}

// New returns a client. Only RATE_LIMITED (and 5xx) answers are retried: a
// QUOTA_EXCEEDED or TOO_EARLY 429 will not clear within a run.
func New(h *httpretry.Client, base string) *Client {
	hc := *h
	hc.Retryable = func(status int, body []byte) bool {
		if status >= 500 {
			return true
		}
		var env struct {
			Error APIError `json:"error"`
		}
		_ = json.Unmarshal(body, &env)
		return status == http.StatusTooManyRequests && (env.Error.Code == "" || env.Error.Code == "RATE_LIMITED")
	}
	return &Client{http: &hc, base: strings.TrimRight(base, "/")}
}

// get fetches path and decodes the data envelope into v.
func (c *Client) get(ctx context.Context, path string, v any) error {
	body, err := c.http.Get(ctx, c.base+path, http.Header{"Accept": {"application/json"}})
	var se *httpretry.StatusError
	if errors.As(err, &se) {
		var env struct {
			Error APIError `json:"error"`
		}
		if json.Unmarshal(se.Body, &env) == nil && env.Error.Code != "" {
			env.Error.Status = se.Status
			return fmt.Errorf("get %s: %w", path, &env.Error)
		}
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	var env struct {
		Data  json.RawMessage `json:"data"`
		Error *APIError       `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	if env.Error != nil {
		return fmt.Errorf("get %s: %w", path, env.Error)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return fmt.Errorf("decode %s: no data", path)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// ImageLeaderboard returns the image standings, best first.
func (c *Client) ImageLeaderboard(ctx context.Context) ([]Standing, error) {
	var s []Standing
	err := c.get(ctx, "/api/v1/leaderboard/image", &s)
	return s, err
}

// Availability returns every model and its modalities.
func (c *Client) Availability(ctx context.Context) ([]Model, error) {
	var m []Model
	err := c.get(ctx, "/api/v1/models/availability", &m)
	return m, err
}

// Snapshot is what the state table keeps.
type Snapshot struct {
	FetchedAt   string     `json:"fetched_at"`
	Leaderboard []Standing `json:"image_leaderboard"`
	Models      []Model    `json:"models"`
}

// State stores documents (dynamo.State or local.State).
type State interface {
	Save(ctx context.Context, key string, v any) error
}

// Keys of the snapshots: one per day, and the latest.
const (
	LatestKey    = "modelchorus/latest"
	dailyKeyBase = "modelchorus/"
)

// DailyKey is the state key of day's snapshot.
func DailyKey(day time.Time) string { return dailyKeyBase + day.UTC().Format(meme.DayLayout) }

// Save fetches both lists and stores them as today's snapshot and as the
// latest. An empty leaderboard is not stored over a good one.
func (c *Client) Save(ctx context.Context, st State, now time.Time) (Snapshot, error) {
	board, err := c.ImageLeaderboard(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	models, err := c.Availability(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	if len(board) == 0 {
		return Snapshot{}, errors.New("modelchorus: empty image leaderboard")
	}
	snap := Snapshot{FetchedAt: now.UTC().Format(meme.TimeLayout), Leaderboard: board, Models: models}
	for _, k := range []string{DailyKey(now), LatestKey} {
		if err := st.Save(ctx, k, snap); err != nil {
			return Snapshot{}, err
		}
	}
	return snap, nil
}
