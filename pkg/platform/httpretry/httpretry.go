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
	var body []byte
	err := c.Stream(ctx, url, header, func(r io.Reader) error {
		var err error
		body, err = io.ReadAll(r)
		return err
	})
	return body, err
}

// Stream is Get handing the 2xx body to read as it arrives (at most
// MaxBytes of it), so a caller can decode a large answer without holding
// it, and stop early. A network error while reading is retried (read is
// called afresh); read's own errors and an oversized body are final.
func (c *Client) Stream(ctx context.Context, url string, header http.Header, read func(io.Reader) error) error {
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 5
	}
	var last error
	for try := 0; try < attempts; try++ {
		wait, err := c.once(ctx, url, header, read)
		if err == nil {
			return nil
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
			return fmt.Errorf("get %s: %w (after %w)", url, err, last)
		}
	}
	return fmt.Errorf("get %s: %w", url, last)
}

// once makes one attempt. wait is -1 when the error is final, 0 for the
// default backoff, or the server's Retry-After.
func (c *Client) once(ctx context.Context, url string, header http.Header, read func(io.Reader) error) (time.Duration, error) {
	perTry := c.PerTry
	if perTry <= 0 {
		perTry = 30 * time.Second
	}
	tctx, cancel := context.WithTimeout(ctx, perTry)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodGet, url, nil)
	if err != nil {
		return -1, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() == nil && retryableNetErr(err) {
			return 0, err
		}
		return -1, err
	}
	defer resp.Body.Close()
	limit := c.MaxBytes
	if limit <= 0 {
		limit = 32 << 20
	}
	if resp.StatusCode/100 == 2 {
		cr := &capReader{r: resp.Body, left: limit}
		err := read(cr)
		switch {
		case err == nil:
			return 0, nil
		case cr.over:
			return -1, fmt.Errorf("response over %d bytes", limit)
		case cr.err != nil && ctx.Err() == nil:
			return 0, fmt.Errorf("read body: %w", cr.err)
		case ctx.Err() != nil:
			// The caller gave up mid-body: say so, whatever the closed
			// connection made the reader report.
			return -1, fmt.Errorf("read body: %w: %w", ctx.Err(), err)
		}
		return -1, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, min(limit, 64<<10)))
	serr := &StatusError{Status: resp.StatusCode, Body: body[:min(len(body), 512)]}
	retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	if c.Retryable != nil {
		retry = c.Retryable(resp.StatusCode, body)
	}
	if !retry {
		return -1, serr
	}
	return c.retryAfter(resp.Header.Get("Retry-After")), serr
}

// capReader reads at most left bytes, failing past them, and remembers
// a network error so it can be told from the reader's own.
type capReader struct {
	r    io.Reader
	left int64
	over bool
	err  error
}

var errOver = errors.New("response too large")

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.over = true
			return 0, errOver
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
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
