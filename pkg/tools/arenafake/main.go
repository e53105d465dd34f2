// Command arenafake serves a stand-in Stats API and ModelChorus API on
// loopback for trying the stats pipeline locally (`make arena-fake`). It
// follows DATA_DIR's local results store: every result gets one battle
// against a made-up opponent, with votes drawn from its id, a few seconds
// after it is created (results written after the stand-in started get
// theirs too). Battle ids start at meme.SimulatedBattles, so the report
// says "simulated votes". It listens on ARENA_FAKE_PORT (the ModelChorus
// stand-in on the next port) and prints the environment for `make stats`.
package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/platform/wait"
	"punchline/pkg/stats/arena/arenatest"
	"punchline/pkg/stats/modelchorus/chorustest"
	"punchline/pkg/store/local"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "arenafake:", err)
		os.Exit(1)
	}
}

// Defaults: the port (loopback only) and how long after a result is
// created its simulated battle appears.
const (
	defaultPort = 8090
	battleDelay = 3 * time.Second
	pollEvery   = time.Second
)

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	dir := getenv("DATA_DIR")
	if dir == "" {
		dir = ".data"
	}
	port := defaultPort
	if v := getenv("ARENA_FAKE_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p <= 0 || p > 65534 {
			return fmt.Errorf("ARENA_FAKE_PORT=%q: want a port 1..65534 (ModelChorus takes the next)", v)
		}
		port = p
	}
	arena, err := arenatest.NewAt(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("arena stand-in on port %d: %w (set ARENA_FAKE_PORT)", port, err)
	}
	defer arena.Close()
	chorus, err := chorustest.NewAt(net.JoinHostPort("127.0.0.1", strconv.Itoa(port+1)))
	if err != nil {
		return fmt.Errorf("ModelChorus stand-in on port %d: %w (set ARENA_FAKE_PORT)", port+1, err)
	}
	defer chorus.Close()
	path := filepath.Join(dir, "results.jsonl")
	served := map[int64]bool{}
	follow := func(now time.Time) {
		n, err := serveNew(arena, path, served, now)
		if err != nil {
			fmt.Fprintln(stdout, "arenafake:", err)
		} else if n > 0 {
			fmt.Fprintf(stdout, "%d new simulated battles (%d in all)\n", n, len(served))
		}
	}
	follow(time.Now())
	fmt.Fprintf(stdout, "serving simulated battles for the results in %s, following new ones; in another shell:\n  ARENA_STATS_URL=%s MODELCHORUS_URL=%s make stats\n",
		path, arena.BattlesURL(), chorus.URL)
	wait.Every(ctx, pollEvery, follow)
	return nil
}

// serveNew adds a battle for every result of the store created at least
// battleDelay before now that has none yet; it returns how many it added.
func serveNew(arena *arenatest.Server, path string, served map[int64]bool, now time.Time) (int, error) {
	items, err := local.ReadResults(path)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for k := range items {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil && !served[id] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	added := 0
	for _, id := range ids {
		item := items[strconv.FormatInt(id, 10)]
		at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(item["created_at"]))
		if err != nil || now.Before(at.Add(battleDelay)) {
			continue // not a result yet, or too new: its battle comes later
		}
		served[id] = true
		added++
		arena.Put(battleFor(id, at, fmt.Sprint(item["prompt"])))
	}
	return added, nil
}

// battleFor is result id's simulated battle: votes drawn from its id.
func battleFor(id int64, at time.Time, prompt string) arenatest.Item {
	h := fnv.New32a()
	fmt.Fprint(h, id)
	v := h.Sum32()
	votes := map[string]int64{"first": int64(v % 7), "second": int64(v / 7 % 6), "tie": int64(v / 42 % 2), "meh": int64(v / 84 % 3)}
	result := "first"
	switch {
	case votes["second"] > votes["first"]:
		result = "second"
	case votes["meh"] > votes["first"]:
		result = "meh"
	case votes["first"] == votes["second"]:
		result = "tie"
	}
	return arenatest.Item{BattleID: meme.SimulatedBattles + id, Date: at.Add(2 * time.Second), Prompt: prompt,
		Result1ID: id, Result2ID: 1_000_000_000 + id, Result: result, Votes: votes}
}
