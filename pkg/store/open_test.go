package store_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/config"
	"punchline/pkg/store"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/mototest"
)

// TestOpenErrorsDoNotCrash: a DATA_DIR that is a file, a results.jsonl
// that is a folder: Open returns a one-line error and a cleanup that is
// safe to call (it was nil, and the deferred cleanup called it).
func TestOpenErrorsDoNotCrash(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string) string // returns DATA_DIR
	}{
		{"DATA_DIR is a file", func(dir string) string {
			f := filepath.Join(dir, "file")
			_ = os.WriteFile(f, []byte("x"), 0o644)
			return f
		}},
		{"results.jsonl is a folder", func(dir string) string {
			_ = os.MkdirAll(filepath.Join(dir, "results.jsonl"), 0o755)
			return dir
		}},
		{"state.jsonl is a folder", func(dir string) string {
			_ = os.MkdirAll(filepath.Join(dir, "state.jsonl"), 0o755)
			return dir
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := tc.setup(t.TempDir())
			st, closeFn, err := store.Open(context.Background(), config.Stores{DataDir: dataDir, State: true, Media: true}, func(string) string { return "" })
			if err == nil {
				t.Fatal("opened")
			}
			if st != nil || closeFn == nil {
				t.Fatalf("stores %v, cleanup nil: %v", st, closeFn == nil)
			}
			closeFn()
			if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), dataDir) {
				t.Errorf("error %q: want one line naming the path", err)
			}
		})
	}
}

// TestOverlongStateLineIsSkipped: a stored line over 16 MiB is skipped on
// replay like a torn one; the lines around it still count.
func TestOverlongStateLineIsSkipped(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	b.WriteString(`{"k":"a","set":{"value":"\"first\""}}` + "\n")
	b.WriteString(`{"k":"big","set":{"value":"` + strings.Repeat("x", 17<<20) + `"}}` + "\n")
	b.WriteString(`{"k":"b","set":{"value":"\"second\""}}` + "\n")
	if err := os.WriteFile(filepath.Join(dir, "state.jsonl"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	st, closeFn, err := store.Open(context.Background(), config.Stores{DataDir: dir, State: true}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	for key, want := range map[string]string{"a": "first", "b": "second"} {
		var got string
		if ok, err := st.State.Load(context.Background(), key, &got); !ok || err != nil || got != want {
			t.Errorf("%s: %q %v %v", key, got, ok, err)
		}
	}
	if ok, _ := st.State.Load(context.Background(), "big", new(string)); ok {
		t.Error("the overlong line was kept")
	}
}

// TestNonFiniteNumbersAreRejected: a NaN from a model never panics a store
// nor lands as "NaN": both backends refuse it with meme.ErrRejected.
func TestNonFiniteNumbersAreRejected(t *testing.T) {
	moto := mototest.Start(t)
	local, closeFn, err := store.Open(context.Background(), config.Stores{DataDir: t.TempDir()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	backends := map[string]store.Results{"local": local.Results, "dynamodb": dynamo.NewResults(moto.DynamoDB(), moto.ResultsTable(t))}
	for name, r := range backends {
		for _, bad := range []float64{math.NaN(), math.Inf(1)} {
			rec := meme.Record{ResultID: 9, CreatedAt: time.Now(), Prompt: "p", Type: "text", Text: "t", Status: meme.StatusDone}
			rec.Candidates = []meme.Candidate{{Recipe: "text", Captions: []string{"x"}, P: bad}}
			if err := r.PutGeneration(context.Background(), rec); !errors.Is(err, meme.ErrRejected) {
				t.Errorf("%s, p %v: %v, want rejected", name, bad, err)
			}
			rec.Candidates, rec.CostUSD = nil, bad
			if err := r.PutGeneration(context.Background(), rec); err != nil {
				t.Errorf("%s, cost %v: %v (a non-finite cost is left out)", name, bad, err)
			}
		}
	}
}
