// Package assemble builds a function's application from its configuration:
// the stores, clients and pipeline that functions/predict serves and local
// tools (the evaluation harness) drive in-process. Constructors elsewhere
// take clients; this is where they are made.
package assemble

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"punchline/pkg/joke"
	"punchline/pkg/learn"
	"punchline/pkg/media/templates"
	"punchline/pkg/media/video"
	"punchline/pkg/platform/awsenv"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/secrets"
	"punchline/pkg/platform/trace"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/imagegen"
	"punchline/pkg/provider/tts"
	"punchline/pkg/serve/budget"
	"punchline/pkg/serve/httpapi"
	"punchline/pkg/serve/pipeline"
	"punchline/pkg/store"
)

// App is the predict application: its HTTP handler and the parts tools
// reach into (the pipeline, the stores, the template library).
type App struct {
	Handler   http.Handler
	Pipeline  *pipeline.Pipeline
	Stores    *store.Stores
	Templates *templates.Library
	Jokes     *joke.Engine // nil offline
	Close     func()       // releases the stores
}

// Predict builds the predict application from cfg: the stores, the
// template library (refreshed in the background until ctx ends), video
// when ffmpeg is there, and, with a provider key, the joke engine and the
// image and speech clients; the offline generator otherwise.
//
// Secrets (the provider key, the auth token) are read from SSM with a
// short retry. If one stays unreadable the app still serves, offline (no
// provider call can be spent, so no token is needed for it either), with
// an ERROR line and a SecretsUnreadable metric, and keeps retrying in the
// background; once all are read it switches to the full pipeline.
func Predict(ctx context.Context, cfg config.Predict, getenv func(string) string, log *slog.Logger) (*App, error) {
	stores, closeFn, err := store.Open(ctx, cfg.Stores, getenv)
	if err != nil {
		return nil, err
	}
	log.Info("stores", "results", stores.ResultsAt, "media", stores.MediaAt)
	lib := loadTemplates(ctx, cfg, stores.Media, log)
	opts := pipeline.Options{
		Templates:    lib,
		Offline:      true,
		Media:        stores.Media,
		Results:      stores.Results,
		Logger:       log,
		Deadline:     cfg.Deadline,
		FormatPolicy: cfg.FormatPolicy,
		HedgeAfter:   cfg.HedgeAfter,
		Speculate:    cfg.Speculate,
	}
	// Video needs ffmpeg (a layer on Lambda); without it plans get stills.
	if r, err := video.New(cfg.FFmpegPath); err == nil {
		opts.Video = r
	} else {
		log.Info("video off", "reason", err.Error())
	}
	// Spans for each step go to the X-Ray daemon when Lambda runs one.
	if t, err := trace.New(cfg.XRayDaemon); err != nil {
		log.Warn("tracing off", "error", err)
	} else if t != nil {
		opts.Tracer = t
	}
	var online *onlineParts
	if cfg.Online() {
		// Settings are checked before any secret is read: a bad one is
		// ours to fix, and fails the start rather than a later switch.
		if online, err = newOnlineParts(ctx, cfg); err != nil {
			closeFn()
			return nil, err
		}
	}
	if cfg.DailyProviderCalls > 0 {
		if c, ok := stores.State.(budget.Counter); ok {
			opts.Budget = &budget.Daily{Counter: c, Limit: int64(cfg.DailyProviderCalls), PerRequest: callsPerRequest(cfg)}
		}
	}

	app := &App{Stores: stores, Templates: lib, Close: closeFn, Handler: &swapHandler{}}
	serve := func(values map[string]string) {
		o := opts
		var jokes *joke.Engine
		if key := values[secretProviderKey]; online != nil && key != "" {
			o, jokes = online.options(ctx, cfg, key, opts, stores, lib, log)
		}
		p := pipeline.New(o)
		h := httpapi.NewServer(httpapi.Options{Generator: p, Logger: log, AuthToken: values[secretAuthToken], Media: stores.MediaHandler})
		app.Handler.(*swapHandler).set(h)
		if app.Pipeline == nil { // tools drive the first pipeline in-process
			app.Pipeline, app.Jokes = p, jokes
		}
	}

	need := secrets.Set{
		Names:  map[string]string{secretAuthToken: cfg.AuthTokenParam},
		Values: map[string]string{secretAuthToken: cfg.AuthToken, secretProviderKey: cfg.ProviderAPIKey},
	}
	if cfg.Online() {
		need.Names[secretProviderKey] = cfg.ProviderAPIKeyParam
	}
	var ssmAPI secrets.Getter
	if needsSSM(need) {
		env, err := awsenv.Load(ctx, getenv)
		if err != nil {
			closeFn()
			return nil, err
		}
		ssmAPI = env.SSM()
	}
	got, failed := secrets.ReadAll(ctx, ssmAPI, need, secrets.ColdStart)
	if len(failed) == 0 {
		serve(got)
		return app, nil
	}
	// Degraded: offline, so an unreadable token costs nothing to leave
	// open, and an unreadable key spends nothing.
	secrets.Report(ctx, log, failed)
	serve(map[string]string{secretAuthToken: got[secretAuthToken]})
	go secrets.Watch(ctx, ssmAPI, need, got, secretsRetry, secretsRetryMax,
		func(failed map[string]error) { secrets.Report(ctx, log, failed) },
		func(all map[string]string) {
			log.Info("secrets read; serving with the provider")
			serve(all)
		})
	return app, nil
}

// The secrets predict reads, by what they are.
const (
	secretProviderKey = "provider key"
	secretAuthToken   = "auth token"
)

// How often unreadable secrets are retried in the background: soon, then
// backing off, so a parameter created after the deploy is picked up within
// a minute and a missing one costs little.
var (
	secretsRetry    = 30 * time.Second
	secretsRetryMax = 5 * time.Minute
)

func needsSSM(s secrets.Set) bool {
	for what, name := range s.Names {
		if name != "" && s.Values[what] == "" {
			return true
		}
	}
	return false
}

// callsPerRequest is the most provider calls one request can make, which
// the daily budget reserves: the generator, two judgings, the speculative,
// planned and softened pictures, a hedge per further image model, a voice.
func callsPerRequest(cfg config.Predict) int64 {
	n := int64(1 + 2) // generate + shuffled and reversed judgings
	if cfg.JudgeModel == "" {
		n = 1
	}
	n += 2 // the planned picture and its softened retry
	if cfg.Speculate {
		n++
	}
	if cfg.HedgeAfter > 0 {
		n += int64(len(cfg.ImageModels) - 1)
	}
	if cfg.TTSModel != "" {
		n++
	}
	return n
}

// swapHandler serves the current application handler: the degraded one
// until the secrets are read, then the full one.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// onlineParts are what the provider needs that does not depend on the key.
type onlineParts struct {
	policy    *fetch.Policy
	redirects func(*http.Request, []*http.Request) error
}

func newOnlineParts(ctx context.Context, cfg config.Predict) (*onlineParts, error) {
	policy, err := fetch.NewPolicy(ctx, cfg.FetchAllowHosts)
	if err != nil {
		return nil, fmt.Errorf("FETCH_ALLOW_HOSTS: %w", err)
	}
	redirects, err := fetch.APIRedirects(cfg.ProviderBaseURL)
	if err != nil {
		return nil, fmt.Errorf("PROVIDER_BASE_URL: %w", err)
	}
	return &onlineParts{policy: policy, redirects: redirects}, nil
}

// options adds the provider to base: the joke engine with the learned
// policy, the image client and the voice.
func (o *onlineParts) options(ctx context.Context, cfg config.Predict, key string, base pipeline.Options, stores *store.Stores, lib *templates.Library, log *slog.Logger) (pipeline.Options, *joke.Engine) {
	opts := base
	opts.Offline = false
	// Deadlines come from each call's context; the client timeout is a
	// backstop. The key goes to the provider's host and port only.
	api := &http.Client{Timeout: 30 * time.Second, CheckRedirect: o.redirects}
	oc := openai.DefaultConfig(key)
	oc.BaseURL = cfg.ProviderBaseURL
	oc.HTTPClient = api
	chat := openai.NewClientWithConfig(oc)
	learned := loadPolicy(ctx, stores.State, log)
	jokes := joke.New(joke.Options{
		Chat: chat, Model: cfg.ChatModel, Judge: chat, JudgeModel: cfg.JudgeModel, Vision: cfg.JudgeVision,
		Candidates: cfg.Candidates, Recipes: cfg.Recipes, Templates: lib,
		Can:    joke.Can{Image: true, Video: opts.Video != nil},
		Policy: learned.Policy, Explore: cfg.Explore,
	})
	opts.Planner, opts.PlanShare = jokes, joke.PlanShare
	opts.ModelOrder = func(models []string) []string { return learned.Policy().Order(models) }
	opts.ChatModel = cfg.ChatModel
	opts.Imager = imagegen.New(api, cfg.ProviderBaseURL, key, cfg.ImageModels, o.policy.Client())
	if cfg.TTSModel != "" {
		opts.Voice = tts.New(api, cfg.ProviderBaseURL, key, cfg.TTSModel, cfg.TTSVoice, o.policy.Client())
	}
	return opts, jokes
}

// templatesRefresh is how often the template library is re-read from the
// folder and the bucket, in the background.
const templatesRefresh = 5 * time.Minute

// loadTemplates reads the house set, TEMPLATES_DIR and TEMPLATES_PREFIX of
// the media store once (bounded, so a slow bucket cannot hold the cold
// start) and keeps refreshing them in the background, never on the
// request path.
func loadTemplates(ctx context.Context, cfg config.Predict, media store.Media, log *slog.Logger) *templates.Library {
	src := templates.Sources{Logger: log}
	if cfg.TemplatesDir != "" {
		src.Dir = os.DirFS(cfg.TemplatesDir)
	}
	if cfg.TemplatesPrefix != "" && media != nil {
		src.Bucket = func(ctx context.Context) (fs.FS, error) {
			files, err := media.Files(ctx, cfg.TemplatesPrefix)
			return templates.Files(files), err
		}
	}
	lib := templates.NewLibrary()
	lctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	lib.Reload(lctx, src)
	cancel()
	if src.Dir != nil || src.Bucket != nil {
		go lib.Watch(ctx, src, templatesRefresh)
	}
	return lib
}

// policyRefresh is how often the learned policy is re-read, in the
// background.
const policyRefresh = 5 * time.Minute

// loadPolicy reads the learned policy once (bounded: the prior stands in
// when the state table is slow or the policy unreadable) and keeps
// refreshing it in the background, never on the request path.
func loadPolicy(ctx context.Context, state learn.Loader, log *slog.Logger) *learn.Holder {
	h := learn.NewHolder()
	if state == nil {
		return h
	}
	lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	h.Refresh(lctx, state, time.Now(), log)
	cancel()
	go h.Watch(ctx, state, policyRefresh, log)
	return h
}
