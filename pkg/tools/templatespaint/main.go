// Command templatespaint has the provider paint our template library, once
// (`make templates-paint OUT=dir [IDS=…]`; the work is in pkg/paint): photo
// variants of every house template with a `paint:` spec, and clip
// templates with sound from VIDEO_MODEL. The Makefile then lints the
// folder and renders its contact sheet for review before `aws s3 sync` to
// the templates prefix. Without a key it paints on the AIML stand-in,
// whose pictures and clips are placeholders. A local tool, not deployed.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"punchline/pkg/paint"
	"punchline/pkg/platform/config"
	"punchline/pkg/provider/providertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "templates-paint:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fl := flag.NewFlagSet("templates-paint", flag.ContinueOnError)
	out := fl.String("out", "", "the folder the painted templates go to (required)")
	ids := fl.String("ids", "", "comma-separated template and clip ids to paint (default: every spec)")
	seed := fl.Int64("seed", 7, "the seed asked of the video models (recorded)")
	terms := fl.String("terms", "", "the provider's output terms to record (default: a note to read them)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("want -out (make templates-paint OUT=dir)")
	}
	cfg, err := config.LoadPredict(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	base, key := cfg.ProviderBaseURL, cfg.ProviderAPIKey
	var allow []string
	var prov *providertest.Server
	if key == "" {
		prov = providertest.New()
		defer prov.Close()
		u, _ := url.Parse(prov.URL)
		base, key, allow = prov.URL, "stand-in", []string{u.Host}
		fmt.Fprintf(stdout, "no PROVIDER_API_KEY: painting on the AIML stand-in at %s; its pictures and clips are placeholders (the specs are the product)\n", prov.URL)
	} else if a := getenv("FETCH_ALLOW_HOSTS"); a != "" {
		allow = strings.Split(a, ",")
	}
	poll := 10 * time.Second
	if prov != nil {
		poll = 20 * time.Millisecond // the stand-in is done at once
	}
	o, err := paint.Clients(ctx, base, key, allow, cfg.ImageModels, config.List(cmp.Or(strings.TrimSpace(getenv("VIDEO_MODEL")), paint.DefaultVideoModels)), cfg.FFmpegPath, poll)
	if err != nil {
		return err
	}
	o.Seed, o.Terms, o.Out, o.IDs, o.Stdout = *seed, *terms, *out, config.List(*ids), stdout
	res, err := paint.Run(ctx, o)
	fmt.Fprintf(stdout, "painted %d picture templates and %d clip templates into %s (%d load)\n", res.Pictures, res.Clips, *out, res.Loaded)
	if prov != nil {
		// Every call made is held to its model's published schema.
		fmt.Fprintf(stdout, "stand-in: %d image calls, %d video generations, %d refused by their schema\n", prov.Images.Load(), prov.Videos.Load(), len(prov.Refusals()))
		for _, r := range prov.Refusals() {
			err = errors.Join(err, fmt.Errorf("refused by the published schema: %s", r))
		}
	}
	return err
}
