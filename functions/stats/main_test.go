package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"punchline/pkg/learn"
	"punchline/pkg/meme"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/emf"
	"punchline/pkg/platform/reqlog"
	"punchline/pkg/platform/reqlog/logtest"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/providertest"
	"punchline/pkg/stats/arena/arenatest"
	"punchline/pkg/stats/modelchorus/chorustest"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/local"
	"punchline/pkg/store/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

type generationStore interface {
	PutGeneration(context.Context, meme.Record) error
}

// seed serves n battles from today back and records their first sides as
// ours in store.
func seed(t *testing.T, store generationStore, n int) (*arenatest.Server, *chorustest.Server) {
	t.Helper()
	arenaSrv, chorus := arenatest.New(), chorustest.New()
	t.Cleanup(arenaSrv.Close)
	t.Cleanup(chorus.Close)
	items := arenatest.Generate(n, 10, time.Now(), 1)
	arenaSrv.Put(items...)
	for _, it := range items {
		rec := meme.Record{ResultID: it.Result1ID, CreatedAt: it.Date, Lang: "en",
			Prompt: "p", Type: meme.TypeImage, Strategy: "offline-classic",
			Choice: meme.Choice{Recipe: meme.RecipeScene, Candidates: []meme.Candidate{
				{Recipe: meme.RecipeScene, Captions: []string{"setup", "winning punchline " + strconv.FormatInt(it.Result1ID, 10)}}}}}
		if err := store.PutGeneration(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	return arenaSrv, chorus
}

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// lastReport decodes the report, the last JSON value run() prints after
// its log lines.
func lastReport(t *testing.T, out []byte) Report {
	t.Helper()
	var rep Report
	dec := json.NewDecoder(bytes.NewReader(out))
	found := false
	for {
		var v map[string]json.RawMessage
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if raw, ok := v["arena"]; ok && v["modelchorus"] != nil {
			b, _ := json.Marshal(v)
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			found = raw != nil
		}
	}
	if !found {
		t.Fatalf("no report in output:\n%s", out)
	}
	return rep
}

// `make stats` locally: one pass against the arena and ModelChorus, the
// local files filled, the summary printed.
func TestRunLocal(t *testing.T) {
	dir := t.TempDir()
	store, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	arenaSrv, chorus := seed(t, store, 30)
	store.Close()
	prov := providertest.New() // the model catalogue
	defer prov.Close()
	env := map[string]string{"DATA_DIR": dir, "ARENA_STATS_URL": arenaSrv.BattlesURL(), "MODELCHORUS_URL": chorus.URL, "PROVIDER_BASE_URL": prov.URL + "/v1"}
	var out bytes.Buffer
	if err := run(context.Background(), getenv(env), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	rep := lastReport(t, out.Bytes())
	if rep.Arena.Written != 30 || !rep.Arena.Complete || rep.ModelChorus.Leader != "FLUX.1 [schnell]" {
		t.Fatalf("report %+v", rep)
	}
	// The catalogue is in the state for predict, with its ETag.
	if rep.Catalogue.Models < 300 || rep.Catalogue.ETag == "" || rep.Catalogue.Error != "" {
		t.Errorf("catalogue %+v", rep.Catalogue)
	}
	st, err := local.OpenState(filepath.Join(dir, "state.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var cat aiml.Catalogue
	if ok, err := st.Load(context.Background(), aiml.CatalogueKey, &cat); !ok || err != nil {
		t.Fatalf("no catalogue stored: %v", err)
	}
	st.Close()
	if _, live := cat.Resolve("claude-haiku-4-5"); !live {
		t.Error("stored catalogue does not resolve an alias")
	}
	// Our winners, for the generator: the newest six of the English group
	// (every battle won 3–1 with a meh: the same score, so newest first).
	var ex learn.Examples
	if ok, err := st.Load(context.Background(), learn.ExamplesKey, &ex); !ok || err != nil {
		t.Fatalf("no examples stored: %v", err)
	}
	if rep.Examples.Groups["en"] != 6 || len(ex.Groups["en"]) != 6 {
		t.Fatalf("examples: report %+v, stored %+v", rep.Examples, ex.Groups["en"])
	}
	for i, w := range ex.Groups["en"] {
		if !strings.HasPrefix(w.Captions[1], "winning punchline") || w.Votes != 5 || i > 0 && w.CreatedAt > ex.Groups["en"][i-1].CreatedAt {
			t.Errorf("example %d: %+v", i, w)
		}
	}
	// The pass's metrics line is valid EMF and says the pass succeeded
	// (the alarm on missing passes counts SyncOK).
	var metrics map[string]any
	for _, l := range bytes.Split(out.Bytes(), []byte("\n")) {
		if bytes.Contains(l, []byte(`"_aws"`)) {
			if err := emf.Validate(l); err != nil {
				t.Fatalf("%v\n%s", err, l)
			}
			_ = json.Unmarshal(l, &metrics)
		}
	}
	if metrics["SyncOK"] != 1.0 || metrics["SidesWritten"] != 30.0 {
		t.Errorf("stats metrics %v", metrics)
	}
	store, err = local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	item, _ := store.Get("1")
	if item["outcome"] != "win" || item["strategy"] != "offline-classic" {
		t.Errorf("result 1: %v", item)
	}
	// A second pass finds nothing new.
	out.Reset()
	if err := run(context.Background(), getenv(env), &out); err != nil {
		t.Fatal(err)
	}
	if rep := lastReport(t, out.Bytes()); rep.Arena.Written != 0 || rep.Arena.Unchanged != 30 || rep.Catalogue.Models < 300 {
		t.Errorf("second pass: %+v %+v", rep.Arena, rep.Catalogue)
	}
}

// On AWS (moto_server): the tables from the environment, through the SDK's
// endpoint override. A ModelChorus outage is reported, not fatal.
func TestRunDynamoDB(t *testing.T) {
	moto := mototest.Start(t)
	results, state := moto.ResultsTable(t), moto.StateTable(t)
	arenaSrv, chorus := seed(t, dynamo.NewResults(moto.DynamoDB(), results), 25)
	for n := int64(1); n <= 5; n++ {
		chorus.FailAt(n, 500, "INTERNAL_ERROR", "")
	}
	env := moto.Env()
	env["RESULTS_TABLE"], env["STATE_TABLE"] = results, state
	env["ARENA_STATS_URL"], env["MODELCHORUS_URL"], env["PROVIDER_BASE_URL"] = arenaSrv.BattlesURL(), chorus.URL, "off"
	var out bytes.Buffer
	if err := run(context.Background(), getenv(env), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	rep := lastReport(t, out.Bytes())
	if rep.Arena.Written != 25 || rep.ModelChorus.Error == "" {
		t.Fatalf("report %+v", rep)
	}
	var n int
	err := dynamo.NewResults(moto.DynamoDB(), results).Scan(context.Background(), func(item map[string]any) error {
		if item["outcome"] == "win" && item["battle_id"] != nil {
			n++
		}
		return nil
	})
	if err != nil || n != 25 {
		t.Errorf("%d items with battles (err %v), want 25", n, err)
	}
}

func TestBadConfig(t *testing.T) {
	if err := run(context.Background(), getenv(map[string]string{"REFRESH_WINDOW": "soon"}), io.Discard); err == nil {
		t.Error("bad REFRESH_WINDOW: want an error")
	}
}

// A ModelChorus that hangs used to hold the pass until the Lambda timed
// out; the work after the sync now has its own bound, and the sync's
// result stands.
func TestHangingModelChorusIsCutOff(t *testing.T) {
	dir := t.TempDir()
	store, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	arenaSrv, _ := seed(t, store, 5)
	store.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	defer func(d time.Duration) { tailBudget = d }(tailBudget)
	tailBudget = 300 * time.Millisecond
	env := map[string]string{"DATA_DIR": dir, "ARENA_STATS_URL": arenaSrv.BattlesURL(), "MODELCHORUS_URL": hang.URL, "PROVIDER_BASE_URL": "off"}
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), getenv(env), &out) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second): // the client's own timeout is 2 minutes
		t.Fatal("the pass is still waiting for ModelChorus")
	}
	if rep := lastReport(t, out.Bytes()); rep.Arena.Written != 5 || rep.ModelChorus.Error == "" {
		t.Errorf("report %+v: want the sync's writes and a ModelChorus error", rep)
	}
}

// Passes never overlap: while another pass holds the lease (in the state
// table, DynamoDB under moto) this one skips, writes nothing and counts
// SyncSkipped; once the lease is released the next pass runs.
func TestPassSkipsWhileLeaseHeld(t *testing.T) {
	moto := mototest.Start(t)
	results, state := moto.ResultsTable(t), moto.StateTable(t)
	arenaSrv, chorus := arenatest.New(), chorustest.New()
	defer arenaSrv.Close()
	defer chorus.Close()
	env := moto.Env()
	env["RESULTS_TABLE"], env["STATE_TABLE"] = results, state
	env["ARENA_STATS_URL"], env["MODELCHORUS_URL"], env["PROVIDER_BASE_URL"] = arenaSrv.BattlesURL(), chorus.URL, "off"
	st := dynamo.NewState(moto.DynamoDB(), state)
	now := time.Now()
	if ok, err := st.Lease(context.Background(), leaseKey, "other-pass", now, now.Add(time.Hour)); !ok || err != nil {
		t.Fatalf("lease: %v %v", ok, err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), getenv(env), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if rep := lastReport(t, out.Bytes()); rep.Arena.Stopped != "lease" || arenaSrv.Requests() != 0 {
		t.Errorf("report %+v after %d arena calls, want a skipped pass", rep.Arena, arenaSrv.Requests())
	}
	if !bytes.Contains(out.Bytes(), []byte(`"SyncSkipped":1`)) {
		t.Errorf("no SyncSkipped metric:\n%s", out.String())
	}
	if err := st.Release(context.Background(), leaseKey, "other-pass"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), getenv(env), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if rep := lastReport(t, out.Bytes()); rep.Arena.Stopped == "lease" {
		t.Errorf("the pass after the release skipped too: %+v", rep.Arena)
	}
	// The pass released its own lease: another can take it at once.
	if ok, _ := st.Lease(context.Background(), leaseKey, "third", time.Now(), time.Now().Add(time.Minute)); !ok {
		t.Error("the pass kept its lease after finishing")
	}
}

// The arena key parameter missing at cold start: the pass says so (ERROR,
// SecretsUnreadable) and goes on without it; the next pass of the same
// container reads it once it exists.
func TestArenaKeyReadWhenItAppears(t *testing.T) {
	moto := mototest.Start(t)
	env := moto.Env()
	env["RESULTS_TABLE"], env["STATE_TABLE"] = moto.ResultsTable(t), moto.StateTable(t)
	arenaSrv, chorus := arenatest.New(), chorustest.New()
	defer arenaSrv.Close()
	defer chorus.Close()
	arenaSrv.APIKey = "arena-key"
	env["ARENA_STATS_URL"], env["MODELCHORUS_URL"], env["PROVIDER_BASE_URL"] = arenaSrv.BattlesURL(), chorus.URL, "off"
	param := fmt.Sprintf("/punchline-test/%d/arena-key", time.Now().UnixNano())
	env["ARENA_API_KEY_PARAM"] = param
	cfg, err := config.LoadStats(getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logtest.Buffer{}
	ctx := context.Background()
	p, closeFn, err := newPass(ctx, cfg, getenv(env), reqlog.New(logs, slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if !strings.Contains(logs.String(), `"SecretsUnreadable":1`) {
		t.Errorf("no SecretsUnreadable for the missing arena key:\n%s", logs.String())
	}
	if _, err := p.run(ctx); err == nil {
		t.Error("the arena wants a key and got none, yet the pass succeeded")
	}
	if _, err := ssm.NewFromConfig(moto.Config()).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(param), Value: aws.String("arena-key"), Type: ssmtypes.ParameterTypeSecureString,
	}); err != nil {
		t.Fatal(err)
	}
	if rep, err := p.run(ctx); err != nil || !rep.Arena.Complete {
		t.Errorf("the pass after the key appeared: %+v, %v", rep.Arena, err)
	}
}
