// Package fetch downloads provider assets (image and audio URLs) without
// letting a hostile payload point us at internal services: every dial is
// checked after DNS resolution, so redirects and rebinding are covered too.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrDenied is returned when a URL resolves to an address the policy refuses.
var ErrDenied = errors.New("address not allowed")

// ErrTooLarge is returned when a body exceeds the byte cap.
var ErrTooLarge = errors.New("response too large")

// Policy decides which addresses downloads may reach: public addresses
// always; loopback, private, link-local and other special addresses only
// when their ip:port is on the allow list.
type Policy struct {
	allow map[netip.AddrPort]bool
}

// NewPolicy builds a policy from host:port entries (FETCH_ALLOW_HOSTS).
// Names are resolved now, once, so the check at dial time is a map lookup.
func NewPolicy(ctx context.Context, hostPorts []string) (*Policy, error) {
	p := &Policy{allow: map[netip.AddrPort]bool{}}
	for _, hp := range hostPorts {
		host, port, err := net.SplitHostPort(hp)
		if err != nil {
			return nil, fmt.Errorf("allow entry %q: %w", hp, err)
		}
		pn, err := net.LookupPort("tcp", port)
		if err != nil {
			return nil, fmt.Errorf("allow entry %q: %w", hp, err)
		}
		var addrs []netip.Addr
		if a, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{a}
		} else {
			ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return nil, fmt.Errorf("allow entry %q: %w", hp, err)
			}
			addrs = ips
		}
		for _, a := range addrs {
			p.allow[netip.AddrPortFrom(a.Unmap(), uint16(pn))] = true
		}
	}
	return p, nil
}

// Allowed reports whether a dial to ap may proceed.
func (p *Policy) Allowed(ap netip.AddrPort) bool {
	a := ap.Addr().Unmap()
	if p != nil && p.allow[netip.AddrPortFrom(a, ap.Port())] {
		return true
	}
	return a.IsGlobalUnicast() && !a.IsPrivate() && !isSpecial(a)
}

// isSpecial covers ranges IsPrivate misses: carrier-grade NAT, the cloud
// metadata link-local range, benchmarking and documentation nets.
func isSpecial(a netip.Addr) bool {
	for _, p := range specialNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var specialNets = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("64:ff9b::/96"),
}

// Client returns an HTTP client whose every connection is checked by p.
// Environment proxies are ignored: the check must see the real target.
func (p *Policy) Client() *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, ErrDenied)
			}
			if !p.Allowed(ap) {
				return fmt.Errorf("dial %s: %w", address, ErrDenied)
			}
			return nil
		},
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          16,
			IdleConnTimeout:       60 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
		},
		CheckRedirect: checkRedirect,
	}
}

// checkRedirect is every client's redirect rule: a few hops, http(s) only.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("too many redirects")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to %s scheme refused", req.URL.Scheme)
	}
	return nil
}

// Get downloads url with c, reading at most maxBytes. The context bounds
// the whole download, including a body that drips slowly.
func Get(ctx context.Context, c *http.Client, url string, maxBytes int64) ([]byte, error) {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return nil, fmt.Errorf("get %.80q: only http and https URLs are fetched", url)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("get %.80q: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %.80q: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %.80q: status %d", url, resp.StatusCode)
	}
	if resp.ContentLength > maxBytes {
		return nil, fmt.Errorf("get %.80q: %d bytes: %w", url, resp.ContentLength, ErrTooLarge)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("get %.80q: read: %w", url, err)
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("get %.80q: over %d bytes: %w", url, maxBytes, ErrTooLarge)
	}
	return body, nil
}

// APIRedirects is the CheckRedirect for a client that carries the
// provider's key: a redirect may stay on base's scheme, host and port only
// (another port on the same host is another service), and the key is never
// sent again, wherever the redirect points.
func APIRedirects(base string) (func(*http.Request, []*http.Request) error, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("provider base URL %q: want http(s)://host[:port]/…", base)
	}
	scheme, host := u.Scheme, canonicalHost(u)
	return func(req *http.Request, via []*http.Request) error {
		if err := checkRedirect(req, via); err != nil {
			return err
		}
		if req.URL.Scheme != scheme || canonicalHost(req.URL) != host {
			return fmt.Errorf("redirect to %s://%s refused: the provider is %s://%s: %w", req.URL.Scheme, req.URL.Host, scheme, host, ErrDenied)
		}
		for _, h := range []string{"Authorization", "X-Api-Key", "Api-Key", "Cookie"} {
			req.Header.Del(h)
		}
		return nil
	}, nil
}

// canonicalHost is u's host:port, the port filled in from the scheme.
func canonicalHost(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
