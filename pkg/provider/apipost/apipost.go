// Package apipost sends a JSON POST to a provider API with a bearer key
// and reads a size-capped answer: the request the chat, image and speech
// clients make.
package apipost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Doer sends HTTP requests (*http.Client, go-openai's HTTPClient).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Answer is what came back, whatever its status.
type Answer struct {
	Status      int
	ContentType string
	Header      http.Header
	Body        []byte
}

// OK reports a 2xx status.
func (a Answer) OK() bool { return a.Status/100 == 2 }

// Do posts body as JSON to url with key as the bearer token and reads at
// most max bytes of the answer; a longer answer is an error.
func Do(ctx context.Context, api Doer, url, key string, body any, max int64) (Answer, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return Answer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	return send(api, req, key, max)
}

// Get reads url with key as the bearer token, as Do reads its answer (a
// task's status on an asynchronous API).
func Get(ctx context.Context, api Doer, url, key string, max int64) (Answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Answer{}, err
	}
	return send(api, req, key, max)
}

func send(api Doer, req *http.Request, key string, max int64) (Answer, error) {
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := api.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return Answer{}, fmt.Errorf("read answer: %w", err)
	}
	if int64(len(data)) > max {
		return Answer{}, fmt.Errorf("answer over %d bytes", max)
	}
	return Answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Header: resp.Header, Body: data}, nil
}
