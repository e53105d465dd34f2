// Package httpretry performs GETs against flaky JSON APIs: retries with
// jittered exponential backoff on 429, 5xx, timeouts and broken
// connections, honouring Retry-After, within the caller's deadline.
package httpretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"punchline/pkg/platform/wait"
)

// Client retries GETs. The zero value of every field but HTTP has a default.
type Client struct {
	HTTP      *http.Client
	Attempts  int           // tries in all; default 5
	Base      time.Duration // first backoff; default 250ms, doubled per try
	Max       time.Duration // longest single wait, Retry-After included; default 30s
	PerTry    time.Duration // timeout of one attempt; default 30s
	MaxBytes  int64         // response body cap; default 32 MiB
	Retryable func(status int, body []byte) bool
	// Sleep waits d or until ctx ends; tests replace it to record waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// StatusError is a final non-2xx answer.
type StatusError struct {
	Status int
	Body   []byte // at most the first 512 bytes, for logs
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("status %d: %.200s", e.Status, e.Body)
}

// Get fetches url with header and returns the body of the first 2xx
// answer. Non-retryable statuses and exhausted retries return a
// *StatusError (or the transport error).
func (c *Client) Get(ctx context.Context, url string, header http.Header) ([]byte, error) {
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 5
	}
	var last error
	for try := 0; try < attempts; try++ {
		body, wait, err := c.once(ctx, url, header)
		if err == nil {
			return body, nil
		}
		last = err
		if wait < 0 || try == attempts-1 {
			break
		}
		if wait == 0 {
			wait = c.backoff(try)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			break // the caller's time would run out while waiting
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("get %s: %w (after %w)", url, err, last)
		}
	}
	return nil, fmt.Errorf("get %s: %w", url, last)
}

// once makes one attempt. wait is -1 when the error is final, 0 for the
// default backoff, or the server's Retry-After.
func (c *Client) once(ctx context.Context, url string, header http.Header) ([]byte, time.Duration, error) {
	perTry := c.PerTry
	if perTry <= 0 {
		perTry = 30 * time.Second
	}
	tctx, cancel := context.WithTimeout(ctx, perTry)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, -1, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() == nil && retryableNetErr(err) {
			return nil, 0, err
		}
		return nil, -1, err
	}
	defer resp.Body.Close()
	limit := c.MaxBytes
	if limit <= 0 {
		limit = 32 << 20
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() == nil {
			return nil, 0, fmt.Errorf("read body: %w", err)
		}
		return nil, -1, err
	}
	if int64(len(body)) > limit {
		return nil, -1, fmt.Errorf("response over %d bytes", limit)
	}
	if resp.StatusCode/100 == 2 {
		return body, 0, nil
	}
	serr := &StatusError{Status: resp.StatusCode, Body: body[:min(len(body), 512)]}
	retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	if c.Retryable != nil {
		retry = c.Retryable(resp.StatusCode, body)
	}
	if !retry {
		return nil, -1, serr
	}
	return nil, c.retryAfter(resp.Header.Get("Retry-After")), serr
}

// retryAfter parses Retry-After (seconds or an HTTP date), capped at Max;
// 0 when absent or unparsable.
func (c *Client) retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(max(secs, 0)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	if d <= 0 {
		return 0
	}
	return min(d, c.max())
}

func (c *Client) max() time.Duration {
	if c.Max > 0 {
		return c.Max
	}
	return 30 * time.Second
}

// backoff is full jitter over an exponentially growing window.
func (c *Client) backoff(try int) time.Duration {
	base := c.Base
	if base <= 0 {
		base = 250 * time.Millisecond
	}
	window := min(base<<min(try, 16), c.max())
	return time.Duration(rand.Int64N(int64(window)) + 1)
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

// retryableNetErr reports timeouts and broken connections, which another
// try may not meet.
func retryableNetErr(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) { // the per-try timeout
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
