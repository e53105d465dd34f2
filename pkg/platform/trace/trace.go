// Package trace sends X-Ray subsegments for the steps of a request to the
// X-Ray daemon Lambda runs beside the function (UDP, AWS_XRAY_DAEMON_ADDRESS),
// under the invocation's trace header, so a slow request shows in the
// trace where its time went. It needs no SDK: a subsegment is one JSON
// datagram, and a send never blocks or fails a request.
package trace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"strings"
	"time"
)

// Tracer sends subsegments to one daemon. The zero value and nil send
// nothing.
type Tracer struct {
	conn net.Conn
}

// New returns a tracer for the daemon at addr (host:port, as Lambda sets
// AWS_XRAY_DAEMON_ADDRESS), or nil when addr is empty.
func New(addr string) (*Tracer, error) {
	if addr == "" {
		return nil, nil
	}
	if i := strings.IndexByte(addr, ' '); i >= 0 { // "udp:… tcp:…" form: the UDP part
		addr = addr[:i]
	}
	addr = strings.TrimPrefix(addr, "udp:")
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return nil, err
	}
	return &Tracer{conn: conn}, nil
}

// headerKey is where aws-lambda-go puts the invocation's trace header in
// the context (its own string key).
const headerKey = "x-amzn-trace-id"

// header is the X-Ray trace header's parts.
type header struct {
	Root, Parent string
	Sampled      bool
}

// parseHeader reads "Root=1-…;Parent=…;Sampled=1".
func parseHeader(s string) (header, bool) {
	var h header
	for _, part := range strings.Split(s, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			h.Root = v
		case "Parent":
			h.Parent = v
		case "Sampled":
			h.Sampled = v == "1"
		}
	}
	return h, h.Root != "" && h.Parent != ""
}

// subsegment is the X-Ray segment document of one step.
type subsegment struct {
	Name      string  `json:"name"`
	ID        string  `json:"id"`
	TraceID   string  `json:"trace_id"`
	ParentID  string  `json:"parent_id"`
	Type      string  `json:"type"`
	StartTime float64 `json:"start_time"`
	EndTime   float64 `json:"end_time"`
	Error     bool    `json:"error,omitempty"`
}

// Span sends a finished step, start to end, as a subsegment of the
// invocation in ctx. Without a sampled trace header it sends nothing.
func (t *Tracer) Span(ctx context.Context, name string, start, end time.Time, failed bool) {
	if t == nil || t.conn == nil {
		return
	}
	raw, _ := ctx.Value(headerKey).(string)
	h, ok := parseHeader(raw)
	if !ok || !h.Sampled {
		return
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	doc, err := json.Marshal(subsegment{
		Name: name, ID: hex.EncodeToString(id), TraceID: h.Root, ParentID: h.Parent, Type: "subsegment",
		StartTime: seconds(start), EndTime: seconds(end), Error: failed,
	})
	if err != nil {
		return
	}
	_, _ = t.conn.Write(append([]byte("{\"format\": \"json\", \"version\": 1}\n"), doc...))
}

func seconds(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// Close closes the connection to the daemon.
func (t *Tracer) Close() error {
	if t == nil || t.conn == nil {
		return nil
	}
	return t.conn.Close()
}
