package arena_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"punchline/pkg/platform/httpretry"
	"punchline/pkg/stats/arena"
	"punchline/pkg/stats/arena/arenatest"
)

func TestDecodeVariants(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		want    []arena.Battle
		skipped int
		wantErr bool
	}{
		{name: "documented", body: `{"items":[{"battle_id":1078,"date":"2025-03-14T08:56:04.642Z","prompt":"p","result_1_id":2416,"result_2_id":2415,"battle_result":"tie","num_votes":{"first":0,"second":0,"tie":0,"meh":0}}]}`,
			want: []arena.Battle{{ID: 1078, Date: time.Date(2025, 3, 14, 8, 56, 4, 642e6, time.UTC), DateRaw: "2025-03-14T08:56:04.642Z", Prompt: "p", Result1ID: 2416, Result2ID: 2415, Result: arena.Tie, ResultRaw: "tie"}}},
		{name: "upper-case spellings", body: `{"items":[{"battle_id":1,"result_1_id":1,"result_2_id":2,"battle_result":"SAME_SHIT","num_votes":{"meh":4}},{"battle_id":2,"result_1_id":3,"result_2_id":4,"battle_result":"SAME"},{"battle_id":3,"result_1_id":5,"result_2_id":6,"battle_result":"SECOND"},{"battle_id":4,"result_1_id":7,"result_2_id":8,"battle_result":"First"}]}`,
			want: []arena.Battle{
				{ID: 1, Result1ID: 1, Result2ID: 2, Result: arena.Meh, ResultRaw: "SAME_SHIT", Votes: arena.Votes{Meh: 4}},
				{ID: 2, Result1ID: 3, Result2ID: 4, Result: arena.Tie, ResultRaw: "SAME"},
				{ID: 3, Result1ID: 5, Result2ID: 6, Result: arena.Second, ResultRaw: "SECOND"},
				{ID: 4, Result1ID: 7, Result2ID: 8, Result: arena.First, ResultRaw: "First"},
			}},
		{name: "older vote field, string ids", body: `{"items":[{"battle_id":"9","result_1_id":"10","result_2_id":11,"vote":"second","num_votes":{"second":"2"}}]}`,
			want: []arena.Battle{{ID: 9, Result1ID: 10, Result2ID: 11, Result: arena.Second, ResultRaw: "second", Votes: arena.Votes{Second: 2}}}},
		{name: "unknown results kept raw", body: `[{"battle_id":5,"result_1_id":1,"result_2_id":2,"battle_result":"both_bad"},{"battle_id":6,"result_1_id":3,"result_2_id":4,"battle_result":7},{"battle_id":7,"result_1_id":5,"result_2_id":6}]`,
			want: []arena.Battle{
				{ID: 5, Result1ID: 1, Result2ID: 2, Result: arena.Unknown, ResultRaw: "both_bad"},
				{ID: 6, Result1ID: 3, Result2ID: 4, Result: arena.Unknown, ResultRaw: "7"},
				{ID: 7, Result1ID: 5, Result2ID: 6, Result: arena.Unknown, ResultRaw: ""},
			}},
		{name: "unkeyable items skipped", body: `{"items":[{"result_1_id":1},{"battle_id":2},"junk",{"battle_id":3.5,"result_1_id":1},{"battle_id":4,"result_1_id":9,"result_2_id":10,"battle_result":"meh"}]}`,
			want: []arena.Battle{{ID: 4, Result1ID: 9, Result2ID: 10, Result: arena.Meh, ResultRaw: "meh"}}, skipped: 4},
		{name: "date without a zone is UTC", body: `{"items":[{"battle_id":1,"result_1_id":1,"result_2_id":2,"date":"2025-03-14 08:56:04","battle_result":"first"}]}`,
			want: []arena.Battle{{ID: 1, Date: time.Date(2025, 3, 14, 8, 56, 4, 0, time.UTC), DateRaw: "2025-03-14 08:56:04", Result1ID: 1, Result2ID: 2, Result: arena.First, ResultRaw: "first"}}},
		// Hostile or broken battles are quarantined, the rest of the page kept.
		{name: "unparsable and huge dates quarantined", body: `{"items":[{"battle_id":1,"result_1_id":1,"result_2_id":2,"date":"yesterday"},{"battle_id":2,"result_1_id":1,"result_2_id":2,"date":"` + strings.Repeat("9", 100000) + `"},{"battle_id":3,"result_1_id":1,"result_2_id":2,"battle_result":"meh"}]}`,
			want: []arena.Battle{{ID: 3, Result1ID: 1, Result2ID: 2, Result: arena.Meh, ResultRaw: "meh"}}, skipped: 2},
		{name: "a 450 KB battle_result quarantined", body: `{"items":[{"battle_id":1,"result_1_id":1,"result_2_id":2,"battle_result":"` + strings.Repeat("x", 450<<10) + `"},{"battle_id":2,"result_1_id":1,"result_2_id":2,"battle_result":{"nested":"` + strings.Repeat("y", 40) + `"}},{"battle_id":3,"result_1_id":3,"result_2_id":4,"battle_result":"` + strings.Repeat("z", 32) + `"}]}`,
			want: []arena.Battle{{ID: 3, Result1ID: 3, Result2ID: 4, Result: arena.Unknown, ResultRaw: strings.Repeat("z", 32)}}, skipped: 2},
		{name: "negative ids quarantined", body: `{"items":[{"battle_id":1,"result_1_id":-1,"result_2_id":2},{"battle_id":2,"result_1_id":5,"result_2_id":0}]}`,
			want: []arena.Battle{{ID: 2, Result1ID: 5, Result: arena.Unknown}}, skipped: 1},
		// −5/−100 used to read as a loss, 1e18 to overflow a total.
		{name: "votes clamped", body: `{"items":[{"battle_id":1,"result_1_id":1,"result_2_id":2,"battle_result":"first","num_votes":{"first":-5,"second":-100,"tie":1e18,"meh":"9223372036854775807"}}]}`,
			want: []arena.Battle{{ID: 1, Result1ID: 1, Result2ID: 2, Result: arena.First, ResultRaw: "first", Votes: arena.Votes{Tie: arena.MaxVotes, Meh: arena.MaxVotes}}}},
		{name: "empty", body: `{"items":[]}`, want: []arena.Battle{}},
		{name: "null items", body: `{"items":null}`, want: []arena.Battle{}},
		{name: "not JSON", body: `<html>`, wantErr: true},
		{name: "items not a list", body: `{"items":{}}`, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, skipped, err := arena.Decode([]byte(c.body))
			if (err != nil) != c.wantErr {
				t.Fatalf("error %v", err)
			}
			if c.wantErr {
				return
			}
			if skipped != c.skipped || len(got) != len(c.want) {
				t.Fatalf("got %d battles (%d skipped), want %d (%d)", len(got), skipped, len(c.want), c.skipped)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("battle %d:\n got %+v\nwant %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	voted := arena.Votes{First: 1}
	cases := []struct {
		result string
		votes  arena.Votes
		side   int
		want   string
	}{
		{arena.First, voted, 1, arena.Win}, {arena.First, voted, 2, arena.Loss},
		{arena.Second, voted, 1, arena.Loss}, {arena.Second, voted, 2, arena.Win},
		{arena.Tie, voted, 2, arena.Tie}, {arena.Meh, voted, 1, arena.Meh},
		{arena.Unknown, voted, 1, arena.Unknown}, {arena.First, arena.Votes{}, 1, arena.Pending},
	}
	for _, c := range cases {
		b := arena.Battle{Result: c.result, Votes: c.votes}
		if got := b.Outcome(c.side); got != c.want {
			t.Errorf("%s side %d votes %d: %s, want %s", c.result, c.side, c.votes.Total(), got, c.want)
		}
	}
}

// The client sends repeated result_id filters, the day, and the key, and
// reads the test server's answer.
func TestClientFilters(t *testing.T) {
	srv := arenatest.New()
	defer srv.Close()
	srv.APIKey = "k"
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	srv.Put(arenatest.Generate(30, 10, day, 1)...) // 10 a day: Nov 20, 19, 18
	c := arena.New(&httpretry.Client{HTTP: srv.Client()}, srv.BattlesURL(), "k")
	ctx := context.Background()

	got, _, err := c.Battles(ctx, arena.Query{ResultIDs: []int64{1, 4, 59}})
	if err != nil {
		t.Fatal(err)
	}
	if ids := battleIDs(got); ids != "30,2,1" {
		t.Errorf("by result id: battles %s", ids)
	}
	got, _, err = c.Battles(ctx, arena.Query{To: day.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 || got[0].ID != 20 {
		t.Errorf("to Nov 19: %d battles, first %d", len(got), got[0].ID)
	}
	if _, _, err := arena.New(&httpretry.Client{HTTP: srv.Client()}, srv.BattlesURL(), "").Battles(ctx, arena.Query{}); err == nil {
		t.Error("no key: want an error")
	}
	many := make([]int64, arena.MaxIDsPerQuery+1)
	if _, _, err := c.Battles(ctx, arena.Query{ResultIDs: many}); err == nil {
		t.Error("too many ids: want an error")
	}
}

func battleIDs(bs []arena.Battle) string {
	var s []string
	for _, b := range bs {
		s = append(s, itoa(b.ID))
	}
	return strings.Join(s, ",")
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// FuzzDecode: whatever the arena sends, no panic, and every decoded battle
// is keyed and carries a normalised result.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"items":[{"battle_id":1078,"date":"2025-03-14T08:56:04.642Z","result_1_id":2416,"result_2_id":2415,"battle_result":"tie","num_votes":{"first":0}}]}`))
	f.Add([]byte(`[{"battle_id":"1","result_1_id":1e3,"vote":"SAME_SHIT"}]`))
	f.Add([]byte(`{"items":[null,1,"x",{}]}`))
	f.Add([]byte(`{"items":[{"battle_id":1,"result_1_id":1,"battle_result":{"a":1},"num_votes":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		battles, skipped, err := arena.Decode(data)
		if err != nil {
			return
		}
		if skipped < 0 {
			t.Fatal("negative skip count")
		}
		for _, b := range battles {
			if b.ID <= 0 || (b.Result1ID <= 0 && b.Result2ID <= 0) || b.Result1ID < 0 || b.Result2ID < 0 {
				t.Fatalf("unkeyed battle %+v", b)
			}
			if len(b.ResultRaw) > arena.MaxResultBytes || (b.DateRaw != "" && b.Date.IsZero()) {
				t.Fatalf("battle past its caps %.200q", fmt.Sprintf("%+v", b))
			}
			for _, v := range []int64{b.Votes.First, b.Votes.Second, b.Votes.Tie, b.Votes.Meh} {
				if v < 0 || v > arena.MaxVotes {
					t.Fatalf("votes %+v not clamped", b.Votes)
				}
			}
			switch b.Result {
			case arena.First, arena.Second, arena.Tie, arena.Meh, arena.Unknown:
			default:
				t.Fatalf("result %q not normalised", b.Result)
			}
			for _, side := range []int{1, 2} {
				switch b.Outcome(side) {
				case arena.Win, arena.Loss, arena.Tie, arena.Meh, arena.Pending, arena.Unknown:
				default:
					t.Fatalf("outcome %q", b.Outcome(side))
				}
			}
		}
	})
}

// BenchmarkDecodeStreamMillionBattles decodes an answer of 1,000,000
// battles (about 110 MB) as it streams: B/op is what decoding allocates,
// peak-heap-MB the most heap in use meanwhile (target: under 256 MB).
func BenchmarkDecodeStreamMillionBattles(b *testing.B) {
	var peak uint64
	for b.Loop() {
		pr, pw := io.Pipe()
		go func() {
			bw := bufio.NewWriterSize(pw, 64<<10)
			bw.WriteString(`{"items":[`)
			for i := 1; i <= 1_000_000; i++ {
				if i > 1 {
					bw.WriteByte(',')
				}
				if _, err := fmt.Fprintf(bw, `{"battle_id":%d,"date":"2026-11-21T10:00:00Z","prompt":"p","result_1_id":%d,"result_2_id":%d,"battle_result":"first","num_votes":{"first":1}}`, i, 2*i, 2*i+1); err != nil {
					return
				}
			}
			bw.WriteString(`]}`)
			pw.CloseWithError(bw.Flush())
		}()
		done := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		battles, _, err := arena.DecodeStream(pr)
		close(done)
		pr.Close()
		if !errors.Is(err, arena.ErrTruncated) || len(battles) != arena.MaxItems {
			b.Fatalf("%d battles, %v", len(battles), err)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
