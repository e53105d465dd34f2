// Package httpapi is punchline's HTTP surface: routes, request decoding,
// auth, the error envelope and panic safety. The same handler runs under
// lambdaurl on Lambda and net/http locally.
package httpapi

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/emf"
	"punchline/pkg/platform/reqlog"
)

// Generator makes the answer for a valid request. It must always return a
// contract answer: failures are its to absorb (text is its last rung).
type Generator interface {
	Generate(ctx context.Context, req meme.Request, arrived time.Time) meme.Answer
}

// Options are the server's dependencies.
type Options struct {
	Generator Generator
	Logger    *slog.Logger
	AuthToken string       // when set, predict requires it
	Media     http.Handler // serves GET /media/… (local media store); nil on Lambda
	Now       func() time.Time
}

// Server is the punchline HTTP handler.
type Server struct {
	gen   Generator
	log   *slog.Logger
	token string
	now   func() time.Time
	mux   *http.ServeMux
}

// NewServer builds the handler with its routes.
func NewServer(o Options) *Server {
	s := &Server{gen: o.Generator, log: o.Logger, token: o.AuthToken, now: o.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.mux = http.NewServeMux()
	s.routes(o.Media)
	return s
}

func (s *Server) routes(media http.Handler) {
	predict := s.handlePredict()
	s.mux.Handle("/{$}", predict)
	s.mux.Handle("/api/v1/predict", predict)
	s.mux.Handle("/healthz", s.handleHealth())
	if media != nil {
		s.mux.Handle("/media/", allowMethods(media, http.MethodGet, http.MethodHead))
	}
	s.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, meme.Errorf(meme.CodeNotFound, "no route for %s", r.URL.Path))
	}))
}

// ServeHTTP stamps the request with its log fields and arrival time, logs
// one access line, and makes sure a panic still produces an answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	ctx, _ := reqlog.NewContext(r.Context())
	ctx = context.WithValue(ctx, arrivalKey{}, start)
	st := &inflight{}
	ctx = context.WithValue(ctx, inflightKey{}, st)
	r = r.WithContext(ctx)
	rw := &recorder{ResponseWriter: w}

	defer func() {
		panicked := false
		if v := recover(); v != nil {
			panicked = true
			s.log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !rw.wrote {
				// An error loses the battle: answer with the last rung instead.
				writeAnswer(rw, meme.Answer{Type: meme.TypeText, Text: meme.TextMeme(st.prompt, "")})
			}
		}
		elapsed := s.now().Sub(start)
		s.log.InfoContext(ctx, "request", "method", r.Method, "path", r.URL.Path,
			"status", rw.status, "duration_ms", elapsed.Milliseconds())
		if panicked || rw.status >= 400 {
			s.errorMetrics(ctx, rw.status, panicked, elapsed)
		}
	}()
	s.mux.ServeHTTP(rw, r)
}

// errorRungs name the requests that never reach the generator, by status,
// as the Rung dimension of their metrics.
var errorRungs = map[int]string{
	http.StatusBadRequest: "bad-request", http.StatusUnauthorized: "unauthorized", http.StatusNotFound: "not-found",
	http.StatusMethodNotAllowed: "method-not-allowed",
}

// errorMetrics writes the EMF line of a request the generator did not
// answer (a rejection) or that panicked, so that error rates and latency
// are not blind to them: the same sets as the pipeline's line, overall, by
// rung and by type.
func (s *Server) errorMetrics(ctx context.Context, status int, panicked bool, elapsed time.Duration) {
	rung, typ, name := errorRungs[status], "error", "Rejected"
	if rung == "" {
		rung = "error"
	}
	if panicked {
		rung, typ, name = "panic", meme.TypeText, "Panics"
	}
	emf.Log(ctx, s.log, "metrics", s.now(), emf.Line{
		Dims: []slog.Attr{slog.String("Rung", rung), slog.String("Type", typ)},
		Sets: [][]string{{}, {"Rung"}, {"Type"}},
		Metrics: []emf.Metric{
			{Name: "LatencyMs", Unit: "Milliseconds", Value: elapsed.Milliseconds()},
			{Name: name, Unit: "Count", Value: 1},
		},
		Props: []slog.Attr{slog.Int("status", status)},
	})
}

func (s *Server) handlePredict() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, meme.Errorf(meme.CodeMethodNotAllowed, "use POST with a JSON body"))
			return
		}
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, meme.Errorf(meme.CodeUnauthorized, "missing or wrong token"))
			return
		}
		req, err := DecodeRequest(r.Body)
		if err != nil {
			s.log.WarnContext(r.Context(), "bad request", "error", err)
			writeError(w, err)
			return
		}
		ctx := r.Context()
		if req.HasResultID {
			reqlog.SetResultID(ctx, req.ResultID)
		}
		if st, ok := ctx.Value(inflightKey{}).(*inflight); ok {
			st.prompt = req.Prompt
		}
		arrived, _ := ctx.Value(arrivalKey{}).(time.Time)
		// A client that hangs up does not stop the work: the arena retries,
		// and the retry should replay the full meme, not a degraded one cut
		// short. The platform's deadline (Lambda's) still holds.
		ctx, cancel := keepDeadline(ctx)
		defer cancel()
		writeAnswer(w, s.gen.Generate(ctx, req, arrived))
	})
}

func (s *Server) handleHealth() http.Handler {
	return allowMethods(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}), http.MethodGet, http.MethodHead)
}

// authorized checks the optional shared token, as a bearer header or a
// token query parameter (the arena's form lets us set only the URL).
func (s *Server) authorized(r *http.Request) bool {
	if s.token == "" {
		return true
	}
	got := r.URL.Query().Get("token")
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(tok)
		}
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

func allowMethods(h http.Handler, methods ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range methods {
			if r.Method == m {
				h.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Allow", strings.Join(methods, ", "))
		writeError(w, meme.Errorf(meme.CodeMethodNotAllowed, "use %s", strings.Join(methods, " or ")))
	})
}

type arrivalKey struct{}
type inflightKey struct{}

// inflight is what the panic handler needs to still answer well. Only the
// request's own goroutine touches it (the handler and its deferred recover).
type inflight struct{ prompt string }

// recorder notes whether and with what status the response started.
type recorder struct {
	http.ResponseWriter
	wrote  bool
	status int
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.wrote, r.status = true, code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.wrote {
		r.wrote, r.status = true, http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// keepDeadline is ctx without its cancellation but with its deadline.
func keepDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	out := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(out, dl)
	}
	return out, func() {}
}

// writeAnswer is the one way an answer leaves: whatever made its text, a
// prompt's or a model's control characters are not echoed.
func writeAnswer(w http.ResponseWriter, ans meme.Answer) {
	ans.Text = meme.CleanText(ans.Text)
	writeJSON(w, http.StatusOK, ans)
}
