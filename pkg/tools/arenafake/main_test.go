package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/httpretry"
	"punchline/pkg/platform/reqlog/logtest"
	"punchline/pkg/stats/arena"
	"punchline/pkg/store/local"
)

// The stand-in arena snapshotted the results when it started: results
// written after it got no battle, and a restart printed a new random port.
// It now follows the store (a new result gets its battle within a few
// seconds), listens on ARENA_FAKE_PORT, and its battle ids mark the votes
// as simulated.
func TestArenaFakeFollowsNewResults(t *testing.T) {
	dir := t.TempDir()
	store, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	put := func(id int64, at time.Time) {
		t.Helper()
		if err := store.PutGeneration(context.Background(), meme.Record{ResultID: id, CreatedAt: at, Prompt: fmt.Sprint("prompt ", id),
			Type: meme.TypeText, Text: "t", Status: meme.StatusDone}); err != nil {
			t.Fatal(err)
		}
	}
	put(1, time.Now().Add(-time.Minute))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	env := map[string]string{"DATA_DIR": dir, "ARENA_FAKE_PORT": strconv.Itoa(port)}
	ctx, cancel := context.WithCancel(context.Background())
	out := &logtest.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, out) }()
	defer func() { cancel(); <-done }()

	url := fmt.Sprintf("http://127.0.0.1:%d/api/battles", port)
	client := arena.New(&httpretry.Client{HTTP: &http.Client{Timeout: 5 * time.Second}}, url, "")
	battles := func() []arena.Battle {
		bs, _, err := client.Battles(context.Background(), arena.Query{ResultIDs: []int64{1, 2}})
		if err != nil {
			return nil
		}
		return bs
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(battles()) != 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if bs := battles(); len(bs) != 1 || bs[0].ID < meme.SimulatedBattles {
		t.Fatalf("battles %+v\n%s", bs, out.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("ARENA_STATS_URL=%s", url)) {
		t.Errorf("the stable URL is not printed:\n%s", out.String())
	}
	put(2, time.Now()) // written after the stand-in started
	deadline = time.Now().Add(battleDelay + 3*pollEvery)
	for len(battles()) != 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(battles()); n != 2 {
		t.Errorf("%d battles after a new result, want 2\n%s", n, out.String())
	}
}
