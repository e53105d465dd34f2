// Command arenafake serves a stand-in Stats API and ModelChorus API on
// loopback for trying the stats pipeline locally (`make arena-fake`): one
// battle for every result in DATA_DIR's local store, against a made-up
// opponent, with votes drawn from the result id. It prints the environment
// for `make stats`.
package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"punchline/pkg/stats/arena/arenatest"
	"punchline/pkg/stats/modelchorus/chorustest"
	"punchline/pkg/store/local"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "arenafake:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	dir := os.Getenv("DATA_DIR")
	if dir == "" {
		dir = ".data"
	}
	store, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		return err
	}
	keys := store.Keys()
	arena, chorus := arenatest.New(), chorustest.New()
	defer arena.Close()
	defer chorus.Close()
	for i, k := range keys {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			continue
		}
		item, _ := store.Get(k)
		at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(item["created_at"]))
		if err != nil {
			continue
		}
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
		arena.Put(arenatest.Item{BattleID: int64(i) + 1, Date: at.Add(20 * time.Second), Prompt: fmt.Sprint(item["prompt"]),
			Result1ID: id, Result2ID: 1_000_000_000 + id, Result: result, Votes: votes})
	}
	store.Close()
	fmt.Printf("serving %d battles; in another shell:\n  ARENA_STATS_URL=%s MODELCHORUS_URL=%s make stats\n", len(keys), arena.BattlesURL(), chorus.URL)
	<-ctx.Done()
	return nil
}
