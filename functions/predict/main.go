// Command predict is punchline's arena endpoint: the function URL's handler
// on Lambda, an HTTP server on PORT locally. Wiring only; the work is in pkg/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	openai "github.com/sashabaranov/go-openai"

	"punchline/pkg/awsenv"
	"punchline/pkg/config"
	"punchline/pkg/dynresults"
	"punchline/pkg/fetch"
	"punchline/pkg/httpapi"
	"punchline/pkg/imagegen"
	"punchline/pkg/localmedia"
	"punchline/pkg/localresults"
	"punchline/pkg/offline"
	"punchline/pkg/pipeline"
	"punchline/pkg/planner"
	"punchline/pkg/reqlog"
	"punchline/pkg/s3media"
	"punchline/pkg/tts"
	"punchline/pkg/video"
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
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := reqlog.New(stdout, slog.LevelInfo)

	if cfg.OnLambda {
		h, closeFn, err := newHandler(ctx, cfg, getenv, log, "")
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
	port := ln.Addr().(*net.TCPAddr).Port
	h, closeFn, err := newHandler(ctx, cfg, getenv, log, fmt.Sprintf("http://localhost:%d", port))
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
	log.Info("listening", "addr", fmt.Sprintf("http://localhost:%d", port), "online", cfg.Online(),
		"media", storeName(cfg.MediaBucket, "s3", "local"), "results", storeName(cfg.ResultsTable, "dynamodb", "local"))
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

func storeName(aws, remote, local string) string {
	if aws != "" {
		return remote
	}
	return local
}

// newHandler builds the stores, generator and HTTP handler from cfg.
// baseURL is where the local media store's files are served ("" on Lambda).
func newHandler(ctx context.Context, cfg config.Config, getenv func(string) string, log *slog.Logger, baseURL string) (http.Handler, func(), error) {
	closeFn := func() {}
	var env *awsenv.Env
	loadAWS := func() (*awsenv.Env, error) {
		if env == nil {
			e, err := awsenv.Load(ctx, getenv)
			if err != nil {
				return nil, err
			}
			env = e
		}
		return env, nil
	}

	opts := pipeline.Options{
		Planner:      offline.Planner{},
		Imager:       offline.Imager{},
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
		key := cfg.ProviderAPIKey
		if key == "" {
			ac, err := loadAWS()
			if err != nil {
				return nil, closeFn, err
			}
			out, err := ac.SSM().GetParameter(ctx, &ssm.GetParameterInput{
				Name: aws.String(cfg.ProviderAPIKeyParam), WithDecryption: aws.Bool(true),
			})
			if err != nil {
				return nil, closeFn, fmt.Errorf("read provider key %s: %w", cfg.ProviderAPIKeyParam, err)
			}
			key = aws.ToString(out.Parameter.Value)
		}
		policy, err := fetch.NewPolicy(ctx, cfg.FetchAllowHosts)
		if err != nil {
			return nil, closeFn, fmt.Errorf("FETCH_ALLOW_HOSTS: %w", err)
		}
		// Deadlines come from each call's context; the client timeout is a backstop.
		api := &http.Client{Timeout: 30 * time.Second}
		oc := openai.DefaultConfig(key)
		oc.BaseURL = cfg.ProviderBaseURL
		oc.HTTPClient = api
		pl := planner.New(openai.NewClientWithConfig(oc), cfg.ChatModel)
		opts.Planner = pl
		opts.ChatModel = cfg.ChatModel
		opts.Imager = imagegen.New(api, cfg.ProviderBaseURL, key, cfg.ImageModels, policy.Client())
		if cfg.TTSModel != "" {
			opts.Voice = tts.New(api, cfg.ProviderBaseURL, key, cfg.TTSModel, cfg.TTSVoice, policy.Client())
		}
		if opts.Video != nil {
			pl.EnableVideo()
		}
	}

	var media http.Handler
	if cfg.MediaBucket != "" {
		ac, err := loadAWS()
		if err != nil {
			return nil, closeFn, err
		}
		client := ac.S3()
		opts.Media = s3media.New(client, s3.NewPresignClient(client), cfg.MediaBucket, cfg.MediaURLTTL)
	} else {
		store, err := localmedia.New(cfg.DataDir, baseURL)
		if err != nil {
			return nil, closeFn, err
		}
		opts.Media, media = store, store.Handler()
	}

	if cfg.ResultsTable != "" {
		ac, err := loadAWS()
		if err != nil {
			return nil, closeFn, err
		}
		opts.Results = dynresults.New(ac.DynamoDB(), cfg.ResultsTable)
	} else {
		store, err := localresults.Open(filepath.Join(cfg.DataDir, "results.jsonl"))
		if err != nil {
			return nil, closeFn, err
		}
		opts.Results, closeFn = store, func() { _ = store.Close() }
	}

	return httpapi.NewServer(httpapi.Options{
		Generator: pipeline.New(opts),
		Logger:    log,
		AuthToken: cfg.AuthToken,
		Media:     media,
	}), closeFn, nil
}
