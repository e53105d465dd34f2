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
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"punchline/pkg/learn"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/httpretry"
	"punchline/pkg/platform/reqlog"
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

// tailBudget bounds the work after the sync: the policy update and the
// ModelChorus snapshot.
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
	ModelChorus struct {
		Models    int    `json:"models,omitempty"`
		Leader    string `json:"image_leader,omitempty"`
		FetchedAt string `json:"fetched_at,omitempty"`
		Error     string `json:"error,omitempty"`
	} `json:"modelchorus"`
}

type pass struct {
	sync    statsync.Options
	chorus  *modelchorus.Client
	state   store.State
	results store.Results
	policy  learn.Settings
	log     *slog.Logger
}

// run syncs the arena, then snapshots ModelChorus; a ModelChorus failure
// is reported but does not fail the pass (the arena is what we are for).
func (p *pass) run(ctx context.Context) (Report, error) {
	var rep Report
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
	// Deadlines come from the run's context; the client timeout is a backstop.
	hc := &httpretry.Client{HTTP: &http.Client{Timeout: 2 * time.Minute}}
	return &pass{
		sync: statsync.Options{
			Arena:         arena.New(hc, cfg.ArenaStatsURL, cfg.ArenaAPIKey),
			Results:       stores.Results,
			State:         stores.State,
			Logger:        log,
			RefreshWindow: cfg.RefreshWindow,
			SweepWindow:   cfg.SweepWindow,
			Budget:        cfg.PassBudget,
		},
		chorus:  modelchorus.New(hc, cfg.ModelChorusURL),
		state:   stores.State,
		results: stores.Results,
		policy:  learn.Settings{Window: cfg.PolicyWindow, HalfLife: cfg.PolicyHalfLife},
		log:     log,
	}, closeFn, nil
}
