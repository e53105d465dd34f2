package learn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"punchline/pkg/meme"
)

// memState is a state table of raw JSON documents.
type memState struct {
	docs map[string]string
	err  error
}

func (m *memState) Load(_ context.Context, key string, v any) (bool, error) {
	if m.err != nil {
		return false, m.err
	}
	raw, ok := m.docs[key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return false, err
	}
	return true, nil
}

func (m *memState) Save(_ context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if m.docs == nil {
		m.docs = map[string]string{}
	}
	m.docs[key] = string(b)
	return nil
}

// A policy that cannot be used leaves predict on the prior with a warning.
func TestRefreshFaults(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	good := Compute(nil, now.Add(-time.Hour), Settings{Window: time.Hour, HalfLife: time.Hour})
	good.Arms["template/ru/statement"] = Beta{A: 9, B: 1, N: 8}
	goodJSON, _ := json.Marshal(good)
	future := good
	future.Version = now.Add(48 * time.Hour).Format(meme.TimeLayout)
	futureJSON, _ := json.Marshal(future)
	tests := []struct {
		name, warn string
		st         *memState
		loaded     bool
	}{
		{"good", "", &memState{docs: map[string]string{LatestKey: string(goodJSON)}}, true},
		{"missing", "no policy yet", &memState{}, false},
		{"unreadable", "policy unreadable", &memState{err: errors.New("throttled")}, false},
		{"corrupt", "policy unreadable", &memState{docs: map[string]string{LatestKey: `{"version": 7, "arms": [`}}, false},
		{"from the future", "from the future", &memState{docs: map[string]string{LatestKey: string(futureJSON)}}, false},
		{"no version", "policy unreadable", &memState{docs: map[string]string{LatestKey: `{"prior": {"a": 1, "b": 1}}`}}, false},
		{"bad parameters", "want positive parameters", &memState{docs: map[string]string{LatestKey: strings.Replace(string(goodJSON), `"a":9`, `"a":-3`, 1)}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := NewHolder()
			h.Refresh(context.Background(), tt.st, now, slog.New(slog.NewJSONHandler(&logs, nil)))
			p := h.Policy()
			if loaded := p.Version != "prior"; loaded != tt.loaded {
				t.Fatalf("loaded %v, want %v: %+v", loaded, tt.loaded, p)
			}
			if tt.warn != "" && (!strings.Contains(logs.String(), `"level":"WARN"`) || !strings.Contains(logs.String(), tt.warn)) {
				t.Errorf("no warning with %q: %s", tt.warn, logs.String())
			}
			// Drawing from whatever is loaded never fails.
			c := p.Choose([]string{"scene", "template"}, "ru", KindStatement, 0.1, nil2rng())
			if c.Recipe == "" || c.Propensity <= 0 || math.IsNaN(c.Propensity) {
				t.Errorf("draw %+v", c)
			}
		})
	}
}

// Update saves the latest policy and a dated copy, computed from the window.
func TestUpdateSaves(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	res := &memResults{items: []map[string]any{
		item(1, "scene", "en", "x", "win", now.Add(-time.Hour), 99),
		item(2, "scene", "en", "x", "loss", now.Add(-2*time.Hour), 99),
	}}
	st := &memState{}
	p, err := Update(context.Background(), res, st, now, Settings{Window: 24 * time.Hour, HalfLife: 24 * time.Hour})
	if err != nil || p.Battles != 2 {
		t.Fatalf("%+v %v", p, err)
	}
	if _, ok := st.docs[LatestKey]; !ok {
		t.Error("no latest policy")
	}
	if _, ok := st.docs["policy/2026-11-22"]; !ok {
		t.Errorf("no dated copy: %v", st.docs)
	}
}

type memResults struct{ items []map[string]any }

func (m *memResults) Created(context.Context, time.Time, time.Time) ([]int64, error) {
	return []int64{1, 2}, nil
}

func (m *memResults) Fetch(context.Context, []int64, ...string) ([]map[string]any, error) {
	return m.items, nil
}
