// Command stats pulls the arena's battle results into the results table,
// recomputes the learned policy from them, and puts ModelChorus' image
// leaderboard into the state table: on an
// EventBridge schedule on Lambda, one pass locally (`make stats`), which
// prints its summary. Wiring only; the work is in pkg/statsync.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"punchline/pkg/learn"
	"punchline/pkg/platform/awsenv"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/emf"
	"punchline/pkg/platform/httpretry"
	"punchline/pkg/platform/lease"
	"punchline/pkg/platform/reqlog"
	"punchline/pkg/platform/secrets"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/stats/arena"
	"punchline/pkg/stats/modelchorus"
	"punchline/pkg/stats/statsync"
	"punchline/pkg/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "stats:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadStats(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := reqlog.New(stdout, slog.LevelInfo)
	p, closeFn, err := newPass(ctx, cfg, getenv, log)
	if err != nil {
		return err
	}
	defer closeFn()
	if cfg.OnLambda {
		lambda.StartWithOptions(func(ctx context.Context, _ json.RawMessage) (Report, error) { return p.run(ctx) },
			lambda.WithContext(ctx))
		return nil
	}
	rep, err := p.run(ctx)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if encErr := enc.Encode(rep); encErr != nil && err == nil {
		err = encErr
	}
	return err
}

// tailBudget bounds the work after the sync: the policy update, the
// model catalogue and the ModelChorus snapshot.
var tailBudget = 15 * time.Second // a var: tests shorten it

// Report is one pass's outcome, returned to Lambda and printed locally.
type Report struct {
	Arena  statsync.Summary `json:"arena"`
	Policy struct {
		Version string `json:"version,omitempty"`
		Battles int    `json:"battles"`
		Arms    int    `json:"arms"`
		Error   string `json:"error,omitempty"`
	} `json:"policy"`
	Examples struct {
		Version string         `json:"version,omitempty"`
		Groups  map[string]int `json:"groups,omitempty"` // winners kept per language group
		Error   string         `json:"error,omitempty"`
	} `json:"examples"`
	ModelChorus struct {
		Models    int    `json:"models,omitempty"`
		Leader    string `json:"image_leader,omitempty"`
		FetchedAt string `json:"fetched_at,omitempty"`
		Error     string `json:"error,omitempty"`
	} `json:"modelchorus"`
	Catalogue struct {
		Models int    `json:"models,omitempty"`
		ETag   string `json:"etag,omitempty"`
		Error  string `json:"error,omitempty"`
	} `json:"catalogue"`
}

type pass struct {
	lease    lease.Store // nil when the state store has none
	key      *arenaKey
	newArena func(key string) statsync.Arena
	sync     statsync.Options
	chorus   *modelchorus.Client
	state    store.State
	results  store.Results
	policy   learn.Settings
	// simulated: a stand-in arena's battles may teach the examples (local
	// runs; never on Lambda).
	simulated bool
	log       *slog.Logger
	// The provider's model catalogue (no key needed); "" skips it.
	catalogueURL string
	catalogueAPI aiml.Doer
}

// leaseKey is the stats pass's lease in the state table.
const leaseKey = "lease/stats"

// run syncs the arena, then snapshots ModelChorus; a ModelChorus failure
// is reported but does not fail the pass (the arena is what we are for).
// A pass runs only while it holds the lease, so two never overlap (a slow
// pass and the next scheduled one, or a retry).
func (p *pass) run(ctx context.Context) (Report, error) {
	var rep Report
	now := time.Now()
	until := now.Add(p.sync.Budget + tailBudget + time.Minute)
	if dl, ok := ctx.Deadline(); ok {
		until = dl.Add(time.Minute) // a Lambda killed at its deadline frees the lease soon after
	}
	if p.lease != nil {
		release, ok, err := lease.Take(ctx, p.lease, leaseKey, now, until)
		if err != nil {
			return rep, err
		}
		if !ok {
			rep.Arena.Stopped = "lease"
			p.log.InfoContext(ctx, "another stats pass holds the lease; this one skips")
			emf.Log(ctx, p.log, "stats metrics", time.Now(), emf.Line{Metrics: []emf.Metric{{Name: "SyncSkipped", Unit: "Count", Value: 1}}})
			return rep, nil
		}
		defer func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := release(rctx); err != nil {
				p.log.WarnContext(ctx, "lease not released; it runs out by itself", "error", err)
			}
		}()
	}
	if !p.key.read { // unreadable at the last pass: ask again
		p.sync.Arena = p.newArena(p.key.get(ctx, p.log))
	}
	sum, err := statsync.Run(ctx, p.sync)
	rep.Arena = sum
	p.log.InfoContext(ctx, "arena sync", "summary", sum, "error", err)
	if err != nil {
		return rep, fmt.Errorf("arena sync: %w", err)
	}
	// The policy and the ModelChorus snapshot get what the sync leaves
	// (it ends 20 s before the deadline), so a hanging API cannot run the
	// Lambda out.
	ctx, cancel := context.WithTimeout(ctx, tailBudget)
	defer cancel()
	pol, perr := learn.Update(ctx, p.results, p.state, time.Now(), p.policy)
	if perr != nil {
		rep.Policy.Error = perr.Error()
		p.log.ErrorContext(ctx, "policy update failed", "error", perr)
	} else {
		rep.Policy.Version, rep.Policy.Battles, rep.Policy.Arms = pol.Version, pol.Battles, len(pol.Arms)
	}
	// Our winners, for the generator's "memes of ours that won".
	if ex, err := learn.UpdateExamples(ctx, p.results, p.state, time.Now(), p.policy.Window, p.simulated); err != nil {
		rep.Examples.Error = err.Error()
		p.log.ErrorContext(ctx, "winning examples not updated", "error", err)
	} else {
		rep.Examples.Version, rep.Examples.Groups = ex.Version, map[string]int{}
		for g, ws := range ex.Groups {
			rep.Examples.Groups[g] = len(ws)
		}
	}
	if p.catalogueURL != "" {
		// The provider's live models, for predict's preference lists.
		cat, err := aiml.RefreshCatalogue(ctx, p.catalogueAPI, p.catalogueURL, p.state, time.Now())
		if err != nil {
			rep.Catalogue.Error = err.Error()
			p.log.WarnContext(ctx, "model catalogue not refreshed", "error", err)
		} else {
			rep.Catalogue.Models, rep.Catalogue.ETag = len(cat.Models), cat.ETag
		}
	}
	snap, cerr := p.chorus.Save(ctx, p.state, time.Now())
	if cerr != nil {
		rep.ModelChorus.Error = cerr.Error()
		p.log.WarnContext(ctx, "modelchorus snapshot failed", "error", cerr)
		return rep, nil
	}
	rep.ModelChorus.Models, rep.ModelChorus.FetchedAt = len(snap.Models), snap.FetchedAt
	rep.ModelChorus.Leader = snap.Leaderboard[0].Model
	return rep, nil
}

// newPass wires the stores and the two API clients.
func newPass(ctx context.Context, cfg config.Stats, getenv func(string) string, log *slog.Logger) (*pass, func(), error) {
	stores, closeFn, err := store.Open(ctx, cfg.Stores, getenv)
	if err != nil {
		return nil, nil, err
	}
	key := newArenaKey(ctx, cfg, getenv)
	// Deadlines come from the run's context; the client timeout is a backstop.
	hc := &httpretry.Client{HTTP: &http.Client{Timeout: 2 * time.Minute}}
	ls, _ := stores.State.(lease.Store)
	newArena := func(key string) statsync.Arena { return arena.New(hc, cfg.ArenaStatsURL, key) }
	return &pass{
		lease:    ls,
		key:      key,
		newArena: newArena,
		sync: statsync.Options{
			Arena:         newArena(key.get(ctx, log)),
			Results:       stores.Results,
			State:         stores.State,
			Logger:        log,
			RefreshWindow: cfg.RefreshWindow,
			SweepWindow:   cfg.SweepWindow,
			Budget:        cfg.PassBudget,
		},
		chorus:       modelchorus.New(hc, cfg.ModelChorusURL),
		state:        stores.State,
		results:      stores.Results,
		policy:       learn.Settings{Window: cfg.PolicyWindow, HalfLife: cfg.PolicyHalfLife},
		simulated:    !cfg.OnLambda,
		log:          log,
		catalogueURL: catalogueURL(cfg.ProviderBaseURL),
		catalogueAPI: &http.Client{Timeout: 10 * time.Second},
	}, closeFn, nil
}

// catalogueURL is where the catalogue is read: PROVIDER_BASE_URL, or
// nowhere when it is "off".
func catalogueURL(base string) string {
	if strings.EqualFold(base, "off") {
		return ""
	}
	return base
}

// arenaKey is ARENA_API_KEY, or the SecureString ARENA_API_KEY_PARAM names.
// Unreadable, the pass goes on without it (the battles API may not need
// it), with an ERROR line and the SecretsUnreadable metric, and the next
// pass of this container asks again.
type arenaKey struct {
	param string // ARENA_API_KEY_PARAM
	ssm   secrets.Getter
	key   string
	read  bool
}

func newArenaKey(ctx context.Context, cfg config.Stats, getenv func(string) string) *arenaKey {
	k := &arenaKey{param: cfg.ArenaAPIKeyParam, key: cfg.ArenaAPIKey, read: cfg.ArenaAPIKey != "" || cfg.ArenaAPIKeyParam == ""}
	if !k.read {
		if env, err := awsenv.Load(ctx, getenv); err == nil {
			k.ssm = env.SSM()
		}
	}
	return k
}

// get returns the key, reading it if it has not been read yet.
func (k *arenaKey) get(ctx context.Context, log *slog.Logger) string {
	if k.read {
		return k.key
	}
	got, failed := secrets.ReadAll(ctx, k.ssm, secrets.Set{Names: map[string]string{"arena key": k.param}}, secrets.ColdStart)
	if len(failed) > 0 {
		secrets.Report(ctx, log, failed)
		return ""
	}
	k.key, k.read = got["arena key"], true
	return k.key
}
