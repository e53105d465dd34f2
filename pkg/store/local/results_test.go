package local

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"punchline/pkg/meme"
)

func TestSurvivesRestartAndMerges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	ctx := context.Background()
	s, err := OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutGeneration(ctx, meme.Record{ResultID: 5, Type: "image", Strategy: "offline-classic", LatencyMS: 40}); err != nil {
		t.Fatal(err)
	}
	// The stats side adds battle attributes; a later generation write keeps them.
	if err := s.update(ctx, "5", map[string]any{"outcome": "win", "votes_first": 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutGeneration(ctx, meme.Record{ResultID: 5, Type: "text", Strategy: "llm-text", LatencyMS: 41}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A torn last line (crash mid-write) must not lose what came before.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(`{"k":"5","set":{"outcome":"lo`)
	f.Close()

	s, err = OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	item, ok := s.Get("5")
	if !ok {
		t.Fatal("item lost across restart")
	}
	if item["type"] != "text" || item["strategy"] != "llm-text" || item["outcome"] != "win" || item["votes_first"] != json.Number("3") {
		t.Errorf("item %v", item)
	}
	if _, has := item["result_id"]; has {
		t.Errorf("key stored as attribute")
	}
	if keys := s.Keys(); len(keys) != 1 || keys[0] != "5" {
		t.Errorf("keys %v", keys)
	}
	// Writes after the torn line are whole and read back.
	if err := s.update(ctx, "6", map[string]any{"type": "image"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, _ := OpenResults(path)
	defer s2.Close()
	if item, ok := s2.Get("6"); !ok || item["type"] != "image" {
		t.Errorf("write after torn line lost: %v", item)
	}
}
