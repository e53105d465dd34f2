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
	// The stand-in takes ARENA_FAKE_PORT and the next one: both must be
	// free, and another test's server may take them meanwhile, so a start
	// that cannot listen is tried again on another pair.
	ctx, cancel := context.WithCancel(context.Background())
	out := &logtest.Buffer{}
	done := make(chan error, 1)
	var port int
	for try := 0; ; try++ {
		port = freePair(t)
		env := map[string]string{"DATA_DIR": dir, "ARENA_FAKE_PORT": strconv.Itoa(port)}
		go func() { done <- run(ctx, func(k string) string { return env[k] }, out) }()
		if started(out, done, t, try) {
			break
		}
	}
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
	deadline := time.Now().Add(10 * time.Second) // generous: CI runs many packages at once
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
	deadline = time.Now().Add(battleDelay + 8*pollEvery)
	for len(battles()) != 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(battles()); n != 2 {
		t.Errorf("%d battles after a new result, want 2\n%s", n, out.String())
	}
}

// freePair is a port whose next port is free too.
func freePair(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		a, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := a.Addr().(*net.TCPAddr).Port
		b, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+1)))
		a.Close()
		if err == nil {
			b.Close()
			return p
		}
	}
	t.Fatal("no two adjacent free ports")
	return 0
}

// started waits for run to say it serves; false (to try again) when it
// ended because it could not listen, a test failure when it ended so
// three times or for another reason.
func started(out *logtest.Buffer, done chan error, t *testing.T, try int) bool {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if strings.Contains(out.String(), "serving simulated battles") {
			return true
		}
		select {
		case err := <-done:
			if err != nil && strings.Contains(err.Error(), "address already in use") && try < 3 {
				return false
			}
			t.Fatalf("arenafake ended: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("arenafake did not start:\n%s", out.String())
	return false
}
