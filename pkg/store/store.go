// Package store opens a function's stores from its configuration, one way
// for every function: DynamoDB and S3 when a table or bucket is configured,
// the local files under DATA_DIR otherwise. The backends are its
// subpackages: dynamo (results and state tables), s3media (media bucket)
// and local (all three as files). The interfaces here are the whole of
// what a backend provides; consumers declare the smaller ones they use.
package store

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"punchline/pkg/meme"
	"punchline/pkg/platform/awsenv"
	"punchline/pkg/platform/config"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/item"
	"punchline/pkg/store/local"
	"punchline/pkg/store/s3media"
)

// Results is the results table: one item per result_id.
type Results interface {
	PutGeneration(ctx context.Context, rec meme.Record) error
	Claim(ctx context.Context, id int64, promptHash string, at, staleBefore time.Time) (meme.Claim, error)
	Conflict(ctx context.Context, id int64) error
	Lookup(ctx context.Context, id int64) (meme.Claim, error)
	Created(ctx context.Context, from, to time.Time) ([]int64, error)
	BattleTargets(ctx context.Context, ids []int64) (map[int64]item.Target, error)
	PutBattle(ctx context.Context, id int64, b meme.BattleSide) (bool, error)
	PutConflict(ctx context.Context, id int64, promptHash string, rec meme.Record) error
	PutConflictBattle(ctx context.Context, id int64, promptHash string, b meme.BattleSide) (bool, error)
	Scan(ctx context.Context, fn func(map[string]any) error) error
	Fetch(ctx context.Context, ids []int64, attrs ...string) ([]map[string]any, error)
}

// State holds small JSON documents by key (checkpoints, snapshots).
type State interface {
	Load(ctx context.Context, key string, v any) (bool, error)
	Save(ctx context.Context, key string, v any) error
}

// Media stores finished files and links to them, and reads folder trees
// kept beside them (the template library under TEMPLATES_PREFIX).
type Media interface {
	Put(ctx context.Context, key, contentType string, body []byte) error
	URL(ctx context.Context, key string) (string, error)
	Files(ctx context.Context, prefix string) (files map[string][]byte, skipped []string, err error)
}

// Stores are a function's open stores.
type Stores struct {
	Results Results
	State   State // nil unless the configuration asks for it
	Media   Media // nil unless the configuration asks for it
	// MediaHandler serves local media at /media/…; nil with S3.
	MediaHandler http.Handler
	// Where each store lives, for logs: "dynamodb", "s3" or "local:<path>".
	ResultsAt, StateAt, MediaAt string
}

// Open opens the stores cfg asks for. AWS clients are built once, from
// getenv (region, credentials, AWS_ENDPOINT_URL_*), and only when a table
// or bucket is configured. close releases the local files.
func Open(ctx context.Context, cfg config.Stores, getenv func(string) string) (st *Stores, closeFn func(), err error) {
	var closers []func() error
	closeAll := func() {
		for _, c := range closers {
			_ = c()
		}
	}
	// The named results are overwritten by each return: the cleanup runs
	// the local closeAll, never what a return left in closeFn.
	defer func() {
		if err != nil {
			closeAll()
			st, closeFn = nil, func() {}
		}
	}()
	var env *awsenv.Env
	aws := func() (*awsenv.Env, error) {
		if env != nil {
			return env, nil
		}
		e, err := awsenv.Load(ctx, getenv)
		env = e
		return e, err
	}
	st = &Stores{}

	if cfg.ResultsTable != "" {
		e, err := aws()
		if err != nil {
			return nil, nil, err
		}
		st.Results, st.ResultsAt = dynamo.NewResults(e.DynamoDB(), cfg.ResultsTable), "dynamodb"
	} else {
		path := filepath.Join(cfg.DataDir, "results.jsonl")
		r, err := local.OpenResults(path)
		if err != nil {
			return nil, nil, fmt.Errorf("results store: %w", err)
		}
		closers = append(closers, r.Close)
		st.Results, st.ResultsAt = r, "local:"+path
	}

	switch {
	case !cfg.State:
	case cfg.StateTable != "":
		e, err := aws()
		if err != nil {
			return nil, nil, err
		}
		st.State, st.StateAt = dynamo.NewState(e.DynamoDB(), cfg.StateTable), "dynamodb"
	default:
		path := filepath.Join(cfg.DataDir, "state.jsonl")
		s, err := local.OpenState(path)
		if err != nil {
			return nil, nil, fmt.Errorf("state store: %w", err)
		}
		closers = append(closers, s.Close)
		st.State, st.StateAt = s, "local:"+path
	}

	switch {
	case !cfg.Media:
	case cfg.MediaBucket != "":
		e, err := aws()
		if err != nil {
			return nil, nil, err
		}
		client := e.S3()
		st.Media, st.MediaAt = s3media.New(client, s3.NewPresignClient(client), cfg.MediaBucket, cfg.MediaURLTTL), "s3"
	default:
		m, err := local.NewMedia(cfg.DataDir, cfg.MediaBaseURL)
		if err != nil {
			return nil, nil, fmt.Errorf("media store: %w", err)
		}
		st.Media, st.MediaHandler, st.MediaAt = m, m.Handler(), "local:"+cfg.DataDir
	}
	return st, closeAll, nil
}
