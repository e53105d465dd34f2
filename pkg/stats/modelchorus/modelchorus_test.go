package modelchorus_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"punchline/pkg/platform/httpretry"
	"punchline/pkg/stats/modelchorus"
	"punchline/pkg/stats/modelchorus/chorustest"
	"punchline/pkg/store/local"
)

func client(srv *chorustest.Server, waits *[]time.Duration) *modelchorus.Client {
	return modelchorus.New(&httpretry.Client{HTTP: srv.Client(), Sleep: func(_ context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return nil
	}}, srv.URL+"/")
}

func TestSnapshot(t *testing.T) {
	srv := chorustest.New()
	defer srv.Close()
	srv.FailAt(1, 429, "RATE_LIMITED", "2") // honoured: waited out, then retried
	var waits []time.Duration
	st, err := local.OpenState(filepath.Join(t.TempDir(), "state.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	snap, err := client(srv, &waits).Save(context.Background(), st, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || waits[0] != 2*time.Second {
		t.Errorf("waits %v, want the 2s of Retry-After", waits)
	}
	if len(snap.Leaderboard) != 2 || snap.Leaderboard[0].Model != "FLUX.1 [schnell]" || snap.Leaderboard[0].Elo != 1112.5 || snap.Models[0].ID != "flux/schnell" {
		t.Errorf("snapshot %+v", snap)
	}
	for _, k := range []string{"modelchorus/2026-11-21", modelchorus.LatestKey} {
		var got modelchorus.Snapshot
		if ok, err := st.Load(context.Background(), k, &got); !ok || err != nil || len(got.Leaderboard) != 2 || got.FetchedAt != "2026-11-21T09:00:00.000Z" {
			t.Errorf("%s: ok=%v err=%v %+v", k, ok, err, got)
		}
	}
}

// A daily quota is not retried; its code and message come back.
func TestQuotaIsFinal(t *testing.T) {
	srv := chorustest.New()
	defer srv.Close()
	srv.FailAt(1, 429, "QUOTA_EXCEEDED", "")
	var waits []time.Duration
	_, err := client(srv, &waits).ImageLeaderboard(context.Background())
	var apiErr *modelchorus.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "QUOTA_EXCEEDED" || apiErr.Status != 429 {
		t.Fatalf("error %v, want the QUOTA_EXCEEDED envelope", err)
	}
	if srv.Requests() != 1 || len(waits) != 0 {
		t.Errorf("%d requests, waits %v: a quota must not be retried", srv.Requests(), waits)
	}
}
