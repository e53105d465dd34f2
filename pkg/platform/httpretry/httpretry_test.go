package httpretry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// script serves the statuses in order (then 200 "ok"), with optional
// Retry-After values, and counts requests.
func script(t *testing.T, statuses []int, retryAfter []string, hangFirst bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if hangFirst && i == 0 {
			<-r.Context().Done()
			return
		}
		if i < len(retryAfter) && retryAfter[i] != "" {
			w.Header().Set("Retry-After", retryAfter[i])
		}
		if i < len(statuses) {
			w.WriteHeader(statuses[i])
			w.Write([]byte(`{"error":"nope"}`))
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestGet(t *testing.T) {
	cases := []struct {
		name       string
		statuses   []int
		retryAfter []string
		hang       bool
		attempts   int
		wantErr    int // final status, 0 for success, -1 for a non-status error
		wantTries  int32
		wantWaits  []time.Duration // exact waits; nil to skip
	}{
		{name: "ok at once", wantTries: 1},
		{name: "429 honours Retry-After seconds", statuses: []int{429}, retryAfter: []string{"2"}, wantTries: 2, wantWaits: []time.Duration{2 * time.Second}},
		{name: "503 then 500 then ok", statuses: []int{503, 500}, wantTries: 3},
		{name: "404 is final", statuses: []int{404}, wantErr: 404, wantTries: 1},
		{name: "500 until attempts run out", statuses: []int{500, 500, 500}, attempts: 3, wantErr: 500, wantTries: 3},
		{name: "Retry-After capped at Max", statuses: []int{429}, retryAfter: []string{"3600"}, wantTries: 2, wantWaits: []time.Duration{5 * time.Second}},
		{name: "a hung try times out and is retried", hang: true, wantTries: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, n := script(t, c.statuses, c.retryAfter, c.hang)
			var waits []time.Duration
			cl := &Client{HTTP: srv.Client(), Attempts: c.attempts, Max: 5 * time.Second, PerTry: 200 * time.Millisecond,
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			body, err := cl.Get(context.Background(), srv.URL, nil)
			var se *StatusError
			switch {
			case c.wantErr == 0 && err != nil:
				t.Fatalf("error %v", err)
			case c.wantErr == 0 && string(body) != "ok":
				t.Fatalf("body %q", body)
			case c.wantErr > 0 && (!errors.As(err, &se) || se.Status != c.wantErr):
				t.Fatalf("error %v, want status %d", err, c.wantErr)
			}
			if got := n.Load(); got != c.wantTries {
				t.Errorf("%d tries, want %d", got, c.wantTries)
			}
			if c.wantWaits != nil && !equal(waits, c.wantWaits) {
				t.Errorf("waits %v, want %v", waits, c.wantWaits)
			}
			for _, w := range waits {
				if w <= 0 || w > 5*time.Second {
					t.Errorf("wait %v outside (0, Max]", w)
				}
			}
		})
	}
}

func equal(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A Retry-After longer than the caller's remaining time ends the retries
// at once instead of sleeping past the deadline.
func TestGiveUpBeforeDeadline(t *testing.T) {
	srv, n := script(t, []int{429, 429}, []string{"20", "20"}, false)
	slept := false
	cl := &Client{HTTP: srv.Client(), Max: time.Minute, Sleep: func(context.Context, time.Duration) error { slept = true; return nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := cl.Get(ctx, srv.URL, nil); err == nil {
		t.Fatal("no error")
	}
	if slept || n.Load() != 1 {
		t.Errorf("slept=%v tries=%d; want no sleep, one try", slept, n.Load())
	}
}

// Retry-After may be an HTTP date.
func TestRetryAfterDate(t *testing.T) {
	c := &Client{Max: time.Minute}
	d := c.retryAfter(time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat))
	if d < 8*time.Second || d > 10*time.Second {
		t.Errorf("wait %v, want about 10s", d)
	}
	if c.retryAfter("soon") != 0 || c.retryAfter("-3") != 0 {
		t.Error("junk Retry-After should fall back to backoff")
	}
}

func TestBodyCapAndHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(401)
			return
		}
		w.Write([]byte(strings.Repeat("x", 2048)))
	}))
	defer srv.Close()
	cl := &Client{HTTP: srv.Client(), MaxBytes: 1024}
	if _, err := cl.Get(context.Background(), srv.URL, http.Header{"Authorization": {"Bearer k"}}); err == nil || !strings.Contains(err.Error(), "over 1024 bytes") {
		t.Errorf("error %v, want the cap", err)
	}
	var se *StatusError
	if _, err := cl.Get(context.Background(), srv.URL, nil); !errors.As(err, &se) || se.Status != 401 {
		t.Errorf("without the key: %v", err)
	}
}

// The Retryable hook decides per answer, e.g. a daily quota is final.
func TestRetryableHook(t *testing.T) {
	srv, n := script(t, []int{429}, nil, false)
	cl := &Client{HTTP: srv.Client(), Sleep: func(context.Context, time.Duration) error { return nil },
		Retryable: func(status int, body []byte) bool { return !strings.Contains(string(body), "nope") }}
	if _, err := cl.Get(context.Background(), srv.URL, nil); err == nil || n.Load() != 1 {
		t.Errorf("err=%v tries=%d, want a final error after one try", err, n.Load())
	}
}

// Stream hands the body over as it arrives: a reader may stop early, and a
// caller that gives up mid-body gets its context's error, not whatever the
// closed connection made the read report (which a killed stats run once
// surfaced as "use of closed network connection").
func TestStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 1024)))
		w.(http.Flusher).Flush()
		if r.URL.Path == "/stall" {
			<-r.Context().Done()
		}
	}))
	t.Cleanup(srv.Close)
	c := &Client{HTTP: srv.Client()}

	var got int
	err := c.Stream(context.Background(), srv.URL+"/stall", nil, func(r io.Reader) error {
		buf := make([]byte, 100)
		n, err := io.ReadFull(r, buf)
		got = n
		return err // stops early: the rest is never read
	})
	if err != nil || got != 100 {
		t.Errorf("early stop: %d bytes, %v", got, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	err = c.Stream(ctx, srv.URL+"/stall", nil, func(r io.Reader) error {
		buf := make([]byte, 1024)
		if _, err := io.ReadFull(r, buf); err != nil {
			return err
		}
		cancel() // the caller gives up while the server stalls
		_, err := io.ReadAll(r)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled mid-body: %v, want context.Canceled", err)
	}
}
