package fetch_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"punchline/pkg/provider/fetch"
)

// countingServer counts accepted connections, so a test can show the
// denied listener was never even dialled.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func host(s *httptest.Server) string { u, _ := url.Parse(s.URL); return u.Host }

func TestPolicyOnLoopbackListeners(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("img")) })
	allowed, allowedConns := countingServer(t, ok)
	denied, deniedConns := countingServer(t, ok)
	redirector, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, denied.URL+"/x.png", http.StatusFound)
	}))

	policy, err := fetch.NewPolicy(context.Background(), []string{host(allowed), host(redirector)})
	if err != nil {
		t.Fatal(err)
	}
	c := policy.Client()
	ctx := context.Background()

	body, err := fetch.Get(ctx, c, allowed.URL+"/x.png", 1<<20)
	if err != nil || string(body) != "img" {
		t.Fatalf("allowed listener: %q, %v", body, err)
	}
	if _, err := fetch.Get(ctx, c, denied.URL+"/x.png", 1<<20); !errors.Is(err, fetch.ErrDenied) {
		t.Errorf("denied listener: err = %v, want ErrDenied", err)
	}
	if _, err := fetch.Get(ctx, c, redirector.URL+"/go", 1<<20); !errors.Is(err, fetch.ErrDenied) {
		t.Errorf("redirect to denied listener: err = %v, want ErrDenied", err)
	}
	if n := deniedConns.Load(); n != 0 {
		t.Errorf("denied listener accepted %d connections", n)
	}
	if allowedConns.Load() == 0 {
		t.Errorf("allowed listener saw no connection")
	}
}

func TestAllowedAddresses(t *testing.T) {
	p, err := fetch.NewPolicy(context.Background(), []string{"127.0.0.1:9000", "[::1]:9001"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:9000", true},
		{"127.0.0.1:9001", false}, // listed host, other port
		{"[::1]:9001", true},
		{"[::ffff:127.0.0.1]:9000", true},
		{"127.0.0.2:9000", false},
		{"10.0.0.1:443", false},
		{"172.16.0.1:443", false},
		{"192.168.1.1:443", false},
		{"169.254.169.254:80", false}, // cloud metadata
		{"100.64.0.1:443", false},
		{"0.0.0.0:80", false},
		{"[fe80::1]:443", false},
		{"[fc00::1]:443", false},
		{"224.0.0.1:443", false},
		{"93.184.216.34:443", true}, // public: decided here, never dialled by tests
		{"[2606:2800:220:1::1]:443", true},
	}
	for _, tt := range tests {
		if got := p.Allowed(netip.MustParseAddrPort(tt.addr)); got != tt.want {
			t.Errorf("Allowed(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestGetLimits(t *testing.T) {
	big := strings.Repeat("x", 2048)
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			_, _ = w.Write([]byte(big))
		case "/chunked-big":
			w.Header().Set("Transfer-Encoding", "chunked")
			for i := 0; i < 4; i++ {
				_, _ = w.Write([]byte(big[:1024]))
				w.(http.Flusher).Flush()
			}
		case "/drip":
			for i := 0; i < 100; i++ {
				_, _ = w.Write([]byte("x"))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		case "/404":
			http.NotFound(w, r)
		}
	}))
	p, _ := fetch.NewPolicy(context.Background(), []string{host(srv)})
	c := p.Client()
	if _, err := fetch.Get(context.Background(), c, srv.URL+"/big", 1024); !errors.Is(err, fetch.ErrTooLarge) {
		t.Errorf("big: %v", err)
	}
	if _, err := fetch.Get(context.Background(), c, srv.URL+"/chunked-big", 1024); !errors.Is(err, fetch.ErrTooLarge) {
		t.Errorf("chunked big: %v", err)
	}
	if _, err := fetch.Get(context.Background(), c, srv.URL+"/404", 1024); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := fetch.Get(ctx, c, srv.URL+"/drip", 1<<20); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("drip: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("slow drip held the download for %s", d)
	}
}

// The provider API client used to follow a redirect anywhere, loopback
// included, and to send the key along on a redirect to another port of
// the same host. Now a redirect stays on the provider's scheme, host and
// port, and never carries the key.
func TestAPIRedirectsKeepTheKeyHome(t *testing.T) {
	var otherAuth atomic.Value
	other, otherConns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherAuth.Store(r.Header.Get("Authorization"))
	}))
	var sawAuth atomic.Value
	var prov *httptest.Server
	prov, _ = countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/landed", http.StatusFound)
		case "/other-port": // same host, another port: another service
			http.Redirect(w, r, "http://127.0.0.1:"+strconv.Itoa(other.Listener.Addr().(*net.TCPAddr).Port)+"/x", http.StatusFound)
		case "/landed":
			sawAuth.Store(r.Header.Get("Authorization"))
		}
	}))
	check, err := fetch.APIRedirects(prov.URL + "/v1")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: check}
	get := func(path string) error {
		req, _ := http.NewRequest("GET", prov.URL+path, nil)
		req.Header.Set("Authorization", "Bearer secret-key")
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get("/same"); err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	if got := sawAuth.Load(); got != "" {
		t.Errorf("the key followed a same-host redirect: %q", got)
	}
	if err := get("/other-port"); !errors.Is(err, fetch.ErrDenied) {
		t.Errorf("redirect to another port: %v, want ErrDenied", err)
	}
	if otherConns.Load() != 0 || otherAuth.Load() != nil {
		t.Errorf("the other port was reached (%d connections, auth %v)", otherConns.Load(), otherAuth.Load())
	}
	for _, bad := range []string{"", "ftp://x", "not a url", "/relative"} {
		if _, err := fetch.APIRedirects(bad); err == nil {
			t.Errorf("APIRedirects(%q) accepted", bad)
		}
	}
}
