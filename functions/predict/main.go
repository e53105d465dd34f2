// Command predict is punchline's arena endpoint: the function URL's handler
// on Lambda, an HTTP server on PORT locally. Wiring only; the work is in pkg/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	openai "github.com/sashabaranov/go-openai"

	"punchline/pkg/joke"
	"punchline/pkg/media/templates"
	"punchline/pkg/media/video"
	"punchline/pkg/platform/awsenv"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/reqlog"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/imagegen"
	"punchline/pkg/provider/tts"
	"punchline/pkg/serve/httpapi"
	"punchline/pkg/serve/pipeline"
	"punchline/pkg/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "predict:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadPredict(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := reqlog.New(stdout, slog.LevelInfo)

	if cfg.OnLambda {
		h, closeFn, err := newHandler(ctx, cfg, getenv, log)
		if err != nil {
			return err
		}
		defer closeFn()
		lambdaurl.Start(h)
		return nil
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("", cfg.Port))
	if err != nil {
		return fmt.Errorf("listen on port %s: %w", cfg.Port, err)
	}
	cfg.MediaBaseURL = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	h, closeFn, err := newHandler(ctx, cfg, getenv, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeFn()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", cfg.MediaBaseURL, "online", cfg.Online())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// newHandler builds the stores, generator and HTTP handler from cfg.
func newHandler(ctx context.Context, cfg config.Predict, getenv func(string) string, log *slog.Logger) (http.Handler, func(), error) {
	stores, closeFn, err := store.Open(ctx, cfg.Stores, getenv)
	if err != nil {
		return nil, nil, err
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

	if cfg.Online() {
		key, err := providerKey(ctx, cfg, getenv)
		if err != nil {
			closeFn()
			return nil, nil, err
		}
		policy, err := fetch.NewPolicy(ctx, cfg.FetchAllowHosts)
		if err != nil {
			closeFn()
			return nil, nil, fmt.Errorf("FETCH_ALLOW_HOSTS: %w", err)
		}
		// Deadlines come from each call's context; the client timeout is a backstop.
		api := &http.Client{Timeout: 30 * time.Second}
		oc := openai.DefaultConfig(key)
		oc.BaseURL = cfg.ProviderBaseURL
		oc.HTTPClient = api
		chat := openai.NewClientWithConfig(oc)
		opts.Planner = joke.New(joke.Options{
			Chat: chat, Model: cfg.ChatModel, Judge: chat, JudgeModel: cfg.JudgeModel, Vision: cfg.JudgeVision,
			Candidates: cfg.Candidates, Recipes: cfg.Recipes, Templates: lib,
			Can: joke.Can{Image: true, Video: opts.Video != nil},
		})
		opts.PlanShare = joke.PlanShare
		opts.ChatModel = cfg.ChatModel
		opts.Imager = imagegen.New(api, cfg.ProviderBaseURL, key, cfg.ImageModels, policy.Client())
		if cfg.TTSModel != "" {
			opts.Voice = tts.New(api, cfg.ProviderBaseURL, key, cfg.TTSModel, cfg.TTSVoice, policy.Client())
		}
	}

	return httpapi.NewServer(httpapi.Options{
		Generator: pipeline.New(opts),
		Logger:    log,
		AuthToken: cfg.AuthToken,
		Media:     stores.MediaHandler,
	}), closeFn, nil
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
