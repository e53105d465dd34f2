// Package arenatest is a Stats API server for tests: it serves the
// documented battles JSON with the arena's filters and page size, and
// injects the faults the real one has (429 with Retry-After, 500s).
package arenatest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"punchline/pkg/platform/wait"
	"punchline/pkg/stats/arena"
)

// Item is one battle as served. Result is sent verbatim; with OldField it
// goes under "vote" instead of "battle_result". Votes keys that are absent
// are left out of num_votes; a nil Votes leaves num_votes out.
type Item struct {
	BattleID  int64
	Date      time.Time
	Prompt    string
	Result1ID int64
	Result2ID int64
	Result    string
	OldField  bool
	Votes     map[string]int64
}

// Server is the test server. Set fields before use or under Update.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	items    map[int64]*Item
	faults   []fault
	requests atomic.Int64
	// APIKey, when set, is required as a bearer token.
	APIKey string
	// Hostile behaviours, set under Hostile: Hang delays every answer (or
	// until the client gives up); IgnoreTo answers as if no "to" was sent;
	// Page, when set, writes every answer's body instead of the battles.
	hang     time.Duration
	ignoreTo bool
	page     func(w io.Writer)
}

// Hostile sets the hostile behaviours (see the fields).
func (s *Server) Hostile(hang time.Duration, ignoreTo bool, page func(w io.Writer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang, s.ignoreTo, s.page = hang, ignoreTo, page
}

type fault struct {
	at         int64 // request number (1-based) that fails
	status     int
	retryAfter string
}

// New starts a server on loopback.
func New() *Server {
	s := &Server{items: map[int64]*Item{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// NewAt starts a server listening on addr (a loopback host:port), for a
// stand-in whose address must not change between runs.
func NewAt(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{items: map[int64]*Item{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Listener.Close()
	s.Server.Listener = ln
	s.Server.Start()
	return s, nil
}

// Len is how many battles the server holds.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

// Requests is how many requests the server has answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

// URL of the battles endpoint.
func (s *Server) BattlesURL() string { return s.Server.URL + "/api/battles" }

// Put adds or replaces battles.
func (s *Server) Put(items ...Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range items {
		it := items[i]
		s.items[it.BattleID] = &it
	}
}

// Update changes a battle in place (votes arriving later).
func (s *Server) Update(id int64, f func(*Item)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it, ok := s.items[id]; ok {
		f(it)
	}
}

// FailAt makes request number n (counting from 1, over the server's life)
// answer status, with Retry-After when retryAfter is set.
func (s *Server) FailAt(n int64, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{at: n, status: status, retryAfter: retryAfter})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	if r.URL.Path != "/api/battles" || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	if s.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.APIKey {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	hang, page := s.hang, s.page
	if hang > 0 || page != nil {
		s.mu.Unlock()
		if wait.Sleep(r.Context(), hang) != nil {
			return
		}
		if page != nil {
			w.Header().Set("Content-Type", "application/json")
			page(w)
			return
		}
		s.mu.Lock()
	}
	for _, f := range s.faults {
		if f.at == n {
			s.mu.Unlock()
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			http.Error(w, `{"error":"injected"}`, f.status)
			return
		}
	}
	q := r.URL.Query()
	ids := map[int64]bool{}
	for _, v := range q["result_id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.mu.Unlock()
			http.Error(w, `{"error":"bad result_id"}`, http.StatusBadRequest)
			return
		}
		ids[id] = true
	}
	var until time.Time
	if to := q.Get("to"); to != "" && !s.ignoreTo {
		d, err := time.Parse(time.DateOnly, to)
		if err != nil {
			s.mu.Unlock()
			http.Error(w, `{"error":"bad to"}`, http.StatusBadRequest)
			return
		}
		until = d.Add(24 * time.Hour) // through 23:59:59.999 of that day
	}
	var sel []Item
	for _, it := range s.items {
		if len(ids) > 0 && !ids[it.Result1ID] && !ids[it.Result2ID] {
			continue
		}
		if !until.IsZero() && !it.Date.Before(until) {
			continue
		}
		sel = append(sel, *it)
	}
	s.mu.Unlock()
	// The newest first, at most a page.
	sort.Slice(sel, func(i, j int) bool {
		if !sel[i].Date.Equal(sel[j].Date) {
			return sel[i].Date.After(sel[j].Date)
		}
		return sel[i].BattleID > sel[j].BattleID
	})
	if len(sel) > arena.MaxPage {
		sel = sel[:arena.MaxPage]
	}
	out := make([]map[string]any, 0, len(sel))
	for _, it := range sel {
		m := map[string]any{
			"battle_id": it.BattleID, "date": it.Date.UTC().Format("2006-01-02T15:04:05.000Z"), "prompt": it.Prompt,
			"result_1_id": it.Result1ID, "result_2_id": it.Result2ID,
		}
		if it.OldField {
			m["vote"] = it.Result
		} else {
			m["battle_result"] = it.Result
		}
		if it.Votes != nil {
			m["num_votes"] = it.Votes
		}
		out = append(out, m)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"items": out})
}

// Generate makes n battles, perDay a day going back from the day of last,
// numbered firstID.. from the oldest; battle id is between results 2·id-1
// and 2·id, with votes for the first side.
func Generate(n, perDay int, last time.Time, firstID int64) []Item {
	items := make([]Item, 0, n)
	day := last.UTC().Truncate(24 * time.Hour)
	for i := 0; i < n; i++ {
		d := day.Add(-time.Duration(i/perDay) * 24 * time.Hour)
		at := d.Add(time.Duration(86399-(i%perDay)*86399/max(perDay, 1)) * time.Second)
		id := firstID + int64(n-1-i)
		items = append(items, Item{
			BattleID: id, Date: at, Prompt: "prompt " + strconv.FormatInt(id, 10),
			Result1ID: 2*id - 1, Result2ID: 2 * id, Result: "first",
			Votes: map[string]int64{"first": 3, "second": 1, "tie": 0, "meh": 1},
		})
	}
	return items
}
