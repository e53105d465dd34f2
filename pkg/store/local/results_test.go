package local

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

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

// The claim binds its prompt, and conflicting requests are counted (all of
// them, concurrent or not) across a restart, as DynamoDB's ADD would.
func TestClaimBindsPromptAndCountsConflicts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	ctx := context.Background()
	s, err := OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	hash := meme.PromptHash("first prompt")
	if c, err := s.Claim(ctx, 7, hash, now, now.Add(-time.Minute)); err != nil || !c.Claimed {
		t.Fatalf("first claim %+v, %v", c, err)
	}
	c, err := s.Claim(ctx, 7, meme.PromptHash("other prompt"), now, now.Add(-time.Minute))
	if err != nil || c.Claimed || c.PromptHash != hash || c.State != meme.StatusPending {
		t.Fatalf("second claim %+v, %v; want the first's pending claim and hash", c, err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Conflict(ctx, 7); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s.Close()
	s, err = OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if it, _ := s.Get("7"); it["conflicts"] != json.Number("20") || it["prompt_hash"] != hash {
		t.Errorf("after restart: %v", it)
	}
}
