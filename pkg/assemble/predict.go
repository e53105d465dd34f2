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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	openai "github.com/sashabaranov/go-openai"

	"punchline/pkg/joke"
	"punchline/pkg/learn"
	"punchline/pkg/media/templates"
	"punchline/pkg/media/video"
	"punchline/pkg/platform/awsenv"
	"punchline/pkg/platform/config"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/imagegen"
	"punchline/pkg/provider/tts"
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
func Predict(ctx context.Context, cfg config.Predict, getenv func(string) string, log *slog.Logger) (*App, error) {
	stores, closeFn, err := store.Open(ctx, cfg.Stores, getenv)
	if err != nil {
		return nil, err
	}
	log.Info("stores", "results", stores.ResultsAt, "media", stores.MediaAt)
	lib := loadTemplates(ctx, cfg, stores.Media, log)
	opts := pipeline.Options{
		Templates:    lib,
		Offline:      !cfg.Online(),
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

	var jokes *joke.Engine
	if cfg.Online() {
		key, err := providerKey(ctx, cfg, getenv)
		if err != nil {
			closeFn()
			return nil, err
		}
		policy, err := fetch.NewPolicy(ctx, cfg.FetchAllowHosts)
		if err != nil {
			closeFn()
			return nil, fmt.Errorf("FETCH_ALLOW_HOSTS: %w", err)
		}
		redirects, err := fetch.APIRedirects(cfg.ProviderBaseURL)
		if err != nil {
			closeFn()
			return nil, fmt.Errorf("PROVIDER_BASE_URL: %w", err)
		}
		// Deadlines come from each call's context; the client timeout is a
		// backstop. The key goes to the provider's host and port only.
		api := &http.Client{Timeout: 30 * time.Second, CheckRedirect: redirects}
		oc := openai.DefaultConfig(key)
		oc.BaseURL = cfg.ProviderBaseURL
		oc.HTTPClient = api
		chat := openai.NewClientWithConfig(oc)
		learned := loadPolicy(ctx, stores.State, log)
		jokes = joke.New(joke.Options{
			Chat: chat, Model: cfg.ChatModel, Judge: chat, JudgeModel: cfg.JudgeModel, Vision: cfg.JudgeVision,
			Candidates: cfg.Candidates, Recipes: cfg.Recipes, Templates: lib,
			Can:    joke.Can{Image: true, Video: opts.Video != nil},
			Policy: learned.Policy, Explore: cfg.Explore,
		})
		opts.Planner, opts.PlanShare = jokes, joke.PlanShare
		opts.ModelOrder = func(models []string) []string { return learned.Policy().Order(models) }
		opts.ChatModel = cfg.ChatModel
		opts.Imager = imagegen.New(api, cfg.ProviderBaseURL, key, cfg.ImageModels, policy.Client())
		if cfg.TTSModel != "" {
			opts.Voice = tts.New(api, cfg.ProviderBaseURL, key, cfg.TTSModel, cfg.TTSVoice, policy.Client())
		}
	}

	p := pipeline.New(opts)
	return &App{
		Handler: httpapi.NewServer(httpapi.Options{
			Generator: p,
			Logger:    log,
			AuthToken: cfg.AuthToken,
			Media:     stores.MediaHandler,
		}),
		Pipeline: p, Stores: stores, Templates: lib, Jokes: jokes, Close: closeFn,
	}, nil
}

// providerKey is PROVIDER_API_KEY, or the SecureString PROVIDER_API_KEY_PARAM names.
func providerKey(ctx context.Context, cfg config.Predict, getenv func(string) string) (string, error) {
	if cfg.ProviderAPIKey != "" {
		return cfg.ProviderAPIKey, nil
	}
	env, err := awsenv.Load(ctx, getenv)
	if err != nil {
		return "", err
	}
	out, err := env.SSM().GetParameter(ctx, &ssm.GetParameterInput{
		Name: aws.String(cfg.ProviderAPIKeyParam), WithDecryption: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("read provider key %s: %w", cfg.ProviderAPIKeyParam, err)
	}
	return aws.ToString(out.Parameter.Value), nil
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
