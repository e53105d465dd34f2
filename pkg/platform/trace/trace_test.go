package trace

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"
)

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want header
		ok   bool
	}{
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", header{"1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true}, true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0", header{"1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", false}, true},
		{"Root=1-abc", header{Root: "1-abc"}, false},
		{"", header{}, false},
		{"garbage;;=;Sampled", header{}, false},
	} {
		got, ok := parseHeader(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseHeader(%q) = %+v %v", tc.in, got, ok)
		}
	}
}

// daemon is a loopback UDP listener standing in for the X-Ray daemon.
func daemon(t *testing.T) (*net.UDPConn, *Tracer) {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	tr, err := New("udp:" + conn.LocalAddr().String() + " tcp:127.0.0.1:2000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return conn, tr
}

// datagrams are those read from the daemon within wait.
func datagrams(t *testing.T, conn *net.UDPConn, wait time.Duration) [][]byte {
	t.Helper()
	var out [][]byte
	buf := make([]byte, 64<<10)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return out
		}
		out = append(out, bytes.Clone(buf[:n]))
	}
}

func TestSpan(t *testing.T) {
	conn, tr := daemon(t)
	start := time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
	ctx := withHeader(context.Background(), "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	tr.Span(ctx, "image", start, start.Add(1500*time.Millisecond), false)
	tr.Span(withHeader(context.Background(), "Root=1-a;Parent=b;Sampled=0"), "unsampled", start, start, false)
	tr.Span(context.Background(), "no header", start, start, false)
	var nilTracer *Tracer
	nilTracer.Span(ctx, "nil tracer", start, start, false)

	got := datagrams(t, conn, 300*time.Millisecond)
	if len(got) != 1 {
		t.Fatalf("%d datagrams, want the sampled one: %q", len(got), got)
	}
	head, doc, ok := bytes.Cut(got[0], []byte("\n"))
	if !ok || string(head) != `{"format": "json", "version": 1}` {
		t.Fatalf("datagram %q", got[0])
	}
	var s subsegment
	if err := json.Unmarshal(doc, &s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "image" || s.TraceID != "1-5759e988-bd862e3fe1be46a994272793" || s.ParentID != "53995c3f42cd8ad8" ||
		s.Type != "subsegment" || len(s.ID) != 16 || s.EndTime-s.StartTime != 1.5 || s.StartTime != float64(start.Unix()) {
		t.Errorf("subsegment %+v", s)
	}
}

func TestNewWithoutDaemon(t *testing.T) {
	if tr, err := New(""); tr != nil || err != nil {
		t.Errorf("New(\"\") = %v, %v", tr, err)
	}
}

// withHeader returns ctx carrying a trace header where the Lambda runtime
// (aws-lambda-go) puts it.
func withHeader(ctx context.Context, h string) context.Context {
	return context.WithValue(ctx, headerKey, h)
}
