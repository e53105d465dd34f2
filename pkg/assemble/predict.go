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
	"slices"
	"sync/atomic"
	"time"

	"punchline/pkg/joke"
	"punchline/pkg/learn"
	"punchline/pkg/media/templates"
	"punchline/pkg/media/video"
	"punchline/pkg/meme"
	"punchline/pkg/platform/awsenv"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/emf"
	"punchline/pkg/platform/secrets"
	"punchline/pkg/platform/trace"
	"punchline/pkg/platform/wait"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/chat"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/imagegen"
	"punchline/pkg/provider/tts"
	"punchline/pkg/serve/budget"
	"punchline/pkg/serve/httpapi"
	"punchline/pkg/serve/pipeline"
	"punchline/pkg/store"
	"punchline/pkg/store/local"
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
		if online, err = newOnlineParts(ctx, cfg, stores.State, log); err != nil {
			closeFn()
			return nil, err
		}
	}
	if c, ok := stores.State.(budget.Counter); ok && (cfg.DailyProviderCalls > 0 || cfg.DailyBudgetUSD > 0) {
		// A store outage fails open by one instance's share (a tenth, for
		// the ten instances PredictConcurrency allows).
		caps := budget.Caps{Local: &budget.Local{Share: 0.1}}
		if cfg.DailyProviderCalls > 0 {
			caps.Calls = &budget.Daily{Counter: c, Limit: int64(cfg.DailyProviderCalls), PerRequest: callsPerRequest(cfg)}
		}
		if cfg.DailyBudgetUSD > 0 {
			caps.Dollars = &budget.Dollars{Counter: c, Limit: cfg.DailyBudgetUSD}
		}
		opts.Budget = caps
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
// the daily budget reserves: the generator (and its one hand-over), two
// judgings, and for each picture job (the planned one and its softened
// retry, or a panels plan's panels; and the speculative one) every image
// model, or two calls of the only one when it is hedged with itself; a
// voice.
func callsPerRequest(cfg config.Predict) int64 {
	n := int64(1)
	if len(cfg.ChatModels) > 1 {
		n++ // a failing generator hands over once
	}
	if len(cfg.JudgeModels) > 0 {
		n += 2 // shuffled and reversed judgings
	}
	jobs := int64(2) // the planned picture and its softened retry
	if len(cfg.Recipes) == 0 || slices.Contains(cfg.Recipes, meme.RecipePanels) {
		jobs = max(jobs, templates.MaxPanels) // a panels plan paints each panel
	}
	if cfg.Speculate {
		jobs++
	}
	perJob := int64(1)
	if cfg.HedgeAfter > 0 {
		perJob = int64(max(len(cfg.ImageModels), 2))
	}
	n += jobs * perJob
	if len(cfg.TTSModels) > 0 {
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

// onlineParts are what the provider needs that does not depend on the
// key: the download policy, the redirect rule, and the models in play (the
// roster, kept current from the catalogue) with what errors taught.
type onlineParts struct {
	policy    *fetch.Policy
	redirects func(*http.Request, []*http.Request) error
	health    *aiml.Health
	roster    *aiml.Roster
}

func newOnlineParts(ctx context.Context, cfg config.Predict, state store.State, log *slog.Logger) (*onlineParts, error) {
	policy, err := fetch.NewPolicy(ctx, cfg.FetchAllowHosts)
	if err != nil {
		return nil, fmt.Errorf("FETCH_ALLOW_HOSTS: %w", err)
	}
	redirects, err := fetch.APIRedirects(cfg.ProviderBaseURL)
	if err != nil {
		return nil, fmt.Errorf("PROVIDER_BASE_URL: %w", err)
	}
	health := aiml.NewHealth()
	health.OnEvent = func(ev aiml.Event) { providerEvent(ctx, log, ev) }
	prefs := aiml.Prefs{Chat: cfg.ChatModels, Judge: cfg.JudgeModels, Image: cfg.ImageModels, Speech: cfg.TTSModels}
	o := &onlineParts{policy: policy, redirects: redirects, health: health, roster: aiml.NewRoster(aiml.Choose(prefs, nil), health)}
	watchCatalogue(ctx, cfg, prefs, state, o.roster, log)
	return o, nil
}

// providerEvent logs a new fact about the provider once, at WARN, with a
// metric line (ModelUnavailable) that the alarm watches.
func providerEvent(ctx context.Context, log *slog.Logger, ev aiml.Event) {
	attrs := []any{"kind", ev.Kind.String()}
	if !ev.Until.IsZero() {
		attrs = append(attrs, "until", ev.Until.UTC().Format(time.RFC3339))
	}
	if ev.Err != nil {
		attrs = append(attrs, "error", ev.Err.Error())
	}
	if ev.Model == "" {
		log.WarnContext(ctx, "provider refuses the account; no calls until the breaker closes", attrs...)
		return
	}
	log.WarnContext(ctx, "model unavailable; skipping it", append(attrs, "model", ev.Model)...)
	emf.Log(ctx, log, "model unavailable", time.Now(), emf.Line{
		Metrics: []emf.Metric{{Name: "ModelUnavailable", Unit: "Count", Value: 1}},
		Props:   []slog.Attr{slog.String("model", ev.Model), slog.String("kind", ev.Kind.String())},
	})
}

// options adds the provider to base: the joke engine with the learned
// policy, the image client and the voice, all on the roster's models.
func (o *onlineParts) options(ctx context.Context, cfg config.Predict, key string, base pipeline.Options, stores *store.Stores, lib *templates.Library, log *slog.Logger) (pipeline.Options, *joke.Engine) {
	opts := base
	opts.Offline = false
	// Deadlines come from each call's context; the client timeout is a
	// backstop. The key goes to the provider's host and port only.
	api := &http.Client{Timeout: 30 * time.Second, CheckRedirect: o.redirects}
	cl := chat.New(api, cfg.ProviderBaseURL, key, o.health)
	learned := loadPolicy(ctx, stores.State, log)
	winners := loadExamples(ctx, stores.State, log)
	jokes := joke.New(joke.Options{
		Chat: cl, Models: o.roster.Chat, Judge: cl, Judges: o.roster.Judges,
		Vision: cfg.JudgeVision, VisionOf: o.roster.Vision, Logger: log, Holdout: cfg.JudgeHoldout,
		Winners:    func(lang string) []learn.Winner { return winners.For(lang, shownWinners) },
		Candidates: cfg.Candidates, Recipes: cfg.Recipes, Templates: lib,
		Can:    joke.Can{Image: true, Video: opts.Video != nil},
		Policy: learned.Policy, Explore: cfg.Explore,
	})
	opts.Planner, opts.PlanShare = jokes, joke.PlanShare
	opts.ModelOrder = func(models []string) []string { return learned.Policy().Order(models) }
	opts.ChatModel = cfg.ChatModels[0]
	opts.Imager = imagegen.New(api, cfg.ProviderBaseURL, key, cfg.ImageModels, o.policy.Client()).Use(o.roster.Images, o.health)
	if sp := o.roster.Lineup().Speech; sp != "" {
		voice, err := tts.New(api, cfg.ProviderBaseURL, key, sp, cfg.TTSVoice, o.policy.Client(), o.health)
		if err != nil {
			log.WarnContext(ctx, "TTS_VOICE", "error", err)
		}
		opts.Voice = voice
	}
	return opts, jokes
}

// catalogueRefresh is how often the model catalogue is re-read from the
// state table (the stats function refreshes it there), in the background.
const catalogueRefresh = 5 * time.Minute

// watchCatalogue keeps the roster on the live catalogue: the stored one
// at cold start (bounded) and every catalogueRefresh after; with none
// stored yet, one bounded look-up of the configured ids at the provider,
// off the start path. Until a catalogue is known every configured model
// counts as live.
func watchCatalogue(ctx context.Context, cfg config.Predict, prefs aiml.Prefs, state store.State, roster *aiml.Roster, log *slog.Logger) {
	apply := func(cat *aiml.Catalogue) {
		l := aiml.Choose(prefs, cat)
		roster.Set(l)
		for _, m := range l.Gone {
			roster.Health.Gone(m)
		}
		for _, names := range [][]string{l.Chat, l.Judge, l.Image} {
			for _, m := range names {
				roster.Health.Live(m)
			}
		}
		if len(l.SameFamily) > 0 {
			log.WarnContext(ctx, "judges of the generator's own developer are not used", "judges", l.SameFamily, "generator", l.Chat)
		}
		if len(l.Chat) == 0 {
			log.ErrorContext(ctx, "no configured chat model is in the catalogue; answering offline", "configured", prefs.Chat)
		}
	}
	load := func() bool {
		if state == nil {
			return false
		}
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		var cat aiml.Catalogue
		found, err := state.Load(lctx, aiml.CatalogueKey, &cat)
		if err != nil {
			log.WarnContext(ctx, "model catalogue unreadable", "error", err)
			return false
		}
		if found && len(cat.Models) > 0 {
			apply(&cat)
		}
		return found
	}
	if !load() {
		go func() {
			var ids []string
			for _, list := range [][]string{prefs.Chat, prefs.Judge, prefs.Image, prefs.Speech} {
				ids = append(ids, list...)
			}
			fctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			cat, err := aiml.FetchCatalogue(fctx, http.DefaultClient, cfg.ProviderBaseURL, ids, "", time.Now())
			if err != nil {
				log.WarnContext(ctx, "model catalogue not checked; using the configured models", "error", err)
				return
			}
			apply(cat)
		}()
	}
	if state != nil {
		go wait.Every(ctx, catalogueRefresh, func(time.Time) { load() })
	}
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
	if dir := cfg.TemplatesDir; dir != "" {
		// A local folder gets the bucket's limits: no special files, no
		// symlinks out of it, nothing that can hold the start.
		src.Dir = func(ctx context.Context) (fs.FS, []string, error) {
			files, skipped, err := local.ReadTree(ctx, dir)
			return templates.Files(files), skipped, err
		}
	}
	if cfg.TemplatesPrefix != "" && media != nil {
		src.Bucket = func(ctx context.Context) (fs.FS, []string, error) {
			files, skipped, err := media.Files(ctx, cfg.TemplatesPrefix)
			return templates.Files(files), skipped, err
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

// shownWinners is how many of our winners the generator sees.
const shownWinners = 3

// loadExamples reads our winning memes once (bounded) and keeps refreshing
// them beside the policy.
func loadExamples(ctx context.Context, state learn.Loader, log *slog.Logger) *learn.ExampleHolder {
	h := learn.NewExampleHolder()
	if state == nil {
		return h
	}
	lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	h.Refresh(lctx, state, log)
	cancel()
	go h.Watch(ctx, state, policyRefresh, log)
	return h
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
