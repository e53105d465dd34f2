// Package chorustest is a ModelChorus API server for tests: the documented
// {data} envelopes, and {error:{code,message}} faults on demand.
package chorustest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
)

// Server serves /api/v1/leaderboard/image and /api/v1/models/availability.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	board    []map[string]any
	models   []map[string]any
	faults   map[int64]fault
	requests atomic.Int64
}

type fault struct {
	status     int
	code       string
	retryAfter string
}

// New starts a server with a small leaderboard and model list.
func New() *Server {
	s := data()
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// data is a server's leaderboard and model list, not yet serving.
func data() *Server {
	s := &Server{faults: map[int64]fault{}}
	s.board = []map[string]any{
		{"_id": "a1", "modelName": "FLUX.1 [schnell]", "eloRating": 1112.5, "rank": 1, "wins": 40, "losses": 20, "ties": 5, "totalVotes": 65, "winRate": 0.615},
		{"_id": "a2", "modelName": "DALL-E 3", "eloRating": 1050, "rank": 2, "wins": 30, "losses": 30, "ties": 2, "totalVotes": 62, "winRate": 0.48},
	}
	s.models = []map[string]any{
		{"name": "FLUX.1 [schnell]", "modelId": "flux/schnell", "inputModalities": []string{"text"}, "outputModalities": []string{"image"}},
		{"name": "GPT-4o", "modelId": "gpt-4o", "inputModalities": []string{"text", "image"}, "outputModalities": []string{"text"}},
	}
	return s
}

// NewAt starts the server listening on addr (a loopback host:port).
func NewAt(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := data()
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Listener.Close()
	s.Server.Listener = ln
	s.Server.Start()
	return s, nil
}

// FailAt makes request n (from 1) answer status with the error envelope.
func (s *Server) FailAt(n int64, status int, code, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[n] = fault{status, code, retryAfter}
}

// Requests is how many requests the server has had.
func (s *Server) Requests() int64 { return s.requests.Load() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	s.mu.Lock()
	f, failing := s.faults[n]
	board, models := s.board, s.models
	s.mu.Unlock()
	if failing {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": f.code, "message": "injected"}})
		return
	}
	var data any
	switch r.URL.Path {
	case "/api/v1/leaderboard/image":
		data = board
	case "/api/v1/models/availability":
		data = models
	default:
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "NOT_FOUND", "message": "no such route"}})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
}
