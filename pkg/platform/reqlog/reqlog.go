// Package reqlog provides JSON slog logging where every line logged with a
// request's context carries that request's result_id, without each caller
// having to remember to add it.
package reqlog

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
)

type ctxKey struct{}

// Fields are the request attributes stamped onto every log line. They are
// filled in as the request is decoded, so they are set once and read by
// any goroutine of the request: hence the atomics.
type Fields struct {
	resultID atomic.Int64 // -1 while unknown
}

// NewContext returns ctx carrying fresh, empty Fields.
func NewContext(ctx context.Context) (context.Context, *Fields) {
	f := &Fields{}
	f.resultID.Store(-1)
	return context.WithValue(ctx, ctxKey{}, f), f
}

// SetResultID records the request's result_id for its remaining log lines.
func SetResultID(ctx context.Context, id int64) {
	if f, ok := ctx.Value(ctxKey{}).(*Fields); ok {
		f.resultID.Store(id)
	}
}

// ResultID returns the result_id recorded in ctx, if any.
func ResultID(ctx context.Context) (int64, bool) {
	if f, ok := ctx.Value(ctxKey{}).(*Fields); ok {
		if id := f.resultID.Load(); id >= 0 {
			return id, true
		}
	}
	return 0, false
}

// New returns a JSON logger writing to w that adds result_id from the
// context to each record.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(handler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})})
}

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ResultID(ctx); ok {
		r.AddAttrs(slog.Int64("result_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler { return handler{h.Handler.WithAttrs(as)} }
func (h handler) WithGroup(name string) slog.Handler    { return handler{h.Handler.WithGroup(name)} }
