// Package config reads each function's settings from the environment, in
// sections: Stores (where data lives, shared), then one section per
// function (Predict, Stats, Report). A function loads only its own
// section, so it checks only the environment it gets. The names are a
// contract: the same locally and in template.yaml, where each function's
// variables map one to one onto what its loader reads (a test holds them
// to it); the few read only locally are listed in NotInTemplate.
package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"punchline/pkg/meme"
	"strconv"
	"strings"
	"time"
)

// Defaults (docs/architecture.md, "Configuration").
const (
	DefaultPort            = "8080"
	DefaultListenAddr      = "127.0.0.1" // local runs are not reachable from the network unless asked
	DefaultProviderBaseURL = "https://api.aimlapi.com/v1"
	// Preference lists, best first; the first model the live catalogue
	// lists is used (README, "Models"). The judge is always of another
	// developer than the generator: judges of another family agree with
	// people more.
	DefaultChatModel       = "openai/gpt-4.1-mini-2025-04-14,google/gemini-2.5-flash"
	DefaultJudgeModel      = "anthropic/claude-haiku-4.5,google/gemini-2.5-flash"
	DefaultCandidates      = 4
	DefaultImageModels     = "flux/schnell,alibaba/z-image-turbo"
	DefaultDataDir         = ".data"
	LambdaDataDir          = "/tmp/punchline" // on Lambda (sam local invoke with local stores) only /tmp is writable
	DefaultMediaURLTTL     = time.Hour
	DefaultDeadline        = 12 * time.Second
	DefaultHedgeAfter      = 3 * time.Second
	DefaultRefreshWindow   = 72 * time.Hour
	DefaultArenaStatsURL   = "https://api.aimemearena.com/api/battles"
	DefaultModelChorusURL  = "https://http-actions.modelchorus.com"
	DefaultTemplatesPrefix = "templates/"
	DefaultExplore         = 0.1
	DefaultJudgeHoldout    = 0.05
	DefaultPolicyWindow    = 28 * 24 * time.Hour
	DefaultPolicyHalfLife  = 7 * 24 * time.Hour
	DefaultSweepWindow     = 30 * 24 * time.Hour
	// DefaultLocalPassBudget bounds a stats pass run locally; on Lambda
	// the pass ends its deadline less a margin unless PASS_BUDGET says less.
	DefaultLocalPassBudget = 280 * time.Second
)

// NotInTemplate are the names a loader reads that template.yaml does not
// set, and why.
var NotInTemplate = map[string]string{
	"PORT":                    "the local server's port",
	"LISTEN_ADDR":             "the local server's address (an IP); Lambda has no listener",
	"PASS_BUDGET":             "bounds a stats pass; on Lambda the default (its deadline less a margin) is right",
	"DATA_DIR":                "the local stores' folder",
	"PROVIDER_API_KEY":        "a key given directly, for local runs; Lambda reads PROVIDER_API_KEY_PARAM from SSM",
	"AUTH_TOKEN":              "a token given directly, for local runs; Lambda reads AUTH_TOKEN_PARAM from SSM",
	"ARENA_API_KEY":           "a key given directly, for local runs; Lambda reads ARENA_API_KEY_PARAM from SSM",
	"FETCH_ALLOW_HOSTS":       "private or loopback providers, for tests and local runs",
	"AWS_LAMBDA_RUNTIME_API":  "set by the Lambda runtime, never by us",
	"AWS_XRAY_DAEMON_ADDRESS": "set by the Lambda runtime when tracing is active (Tracing: Active)",
	"TEMPLATES_DIR":           "a local folder of meme templates; on Lambda templates come from TEMPLATES_PREFIX",
}

// Stores says where a function keeps its data: a table or bucket name
// selects AWS, an empty one the local store under DataDir.
type Stores struct {
	DataDir      string
	ResultsTable string
	StateTable   string
	MediaBucket  string
	MediaURLTTL  time.Duration
	// Which stores the function opens besides results.
	State, Media bool
	// MediaBaseURL is where the local server serves local media; set by the
	// caller once it listens, not read from the environment.
	MediaBaseURL string
}

// Predict is the predict function's configuration.
type Predict struct {
	Stores
	Port                string
	ListenAddr          string // the local server's IP address
	ProviderBaseURL     string
	ProviderAPIKey      string
	ProviderAPIKeyParam string
	ChatModels          []string // CHAT_MODEL: generators, best first
	JudgeModels         []string // JUDGE_MODEL: judges, best first; empty ("off"): the generator's favourite wins unjudged
	JudgeVision         bool     // show the judge the candidates as voters see them (when the judge takes images)
	JudgeHoldout        float64  // share of judged requests answered with a random candidate, to measure the judge
	Candidates          int      // candidates per generator call
	Recipes             []string // the recipes allowed; empty: all
	Explore             float64  // share of requests whose recipe is drawn uniformly
	ImageModels         []string
	Deadline            time.Duration
	AuthToken           string  // given directly (local runs)
	AuthTokenParam      string  // SSM SecureString holding the token (Lambda)
	DailyProviderCalls  int     // provider calls a UTC day may spend before requests are answered offline; 0: no cap
	DailyBudgetUSD      float64 // dollars a UTC day may spend before requests are answered offline; 0: no cap
	FetchAllowHosts     []string
	FormatPolicy        string
	HedgeAfter          time.Duration // 0: hedging off
	Speculate           bool          // start the picture from the raw prompt while the planner runs
	FFmpegPath          string
	TTSModels           []string // TTS_MODEL: text-to-speech models for video voices, best first; empty for silent clips
	TTSVoice            string   // a voice of the model's family; "": the family's default
	TemplatesDir        string   // a folder of template folders; "" for none
	TemplatesPrefix     string   // templates under this prefix of the media store; "" for none
	OnLambda            bool     // the Lambda runtime API is present
	XRayDaemon          string   // where X-Ray subsegments go; set by Lambda with active tracing
}

// Online reports whether a provider key is configured (directly or via
// SSM); without one the offline generator is used.
func (c Predict) Online() bool { return c.ProviderAPIKey != "" || c.ProviderAPIKeyParam != "" }

// Stats is the stats function's configuration.
type Stats struct {
	Stores
	RefreshWindow    time.Duration
	SweepWindow      time.Duration // results re-read by the daily sweep; 0: no sweep
	PolicyWindow     time.Duration // outcomes the policy learns from
	PolicyHalfLife   time.Duration // how fast old outcomes fade
	ArenaStatsURL    string
	ProviderBaseURL  string // the model catalogue is read from here (no key needed); "off": not read
	ArenaAPIKey      string // given directly (local runs)
	ArenaAPIKeyParam string // SSM SecureString holding the key (Lambda)
	ModelChorusURL   string
	PassBudget       time.Duration // how long a stats pass may work; 0 on Lambda: its deadline less a margin
	OnLambda         bool
}

// Report is the report tool's configuration.
type Report struct {
	Stores
}

// LoadPredict reads the predict function's settings, reporting every bad
// value at once.
func LoadPredict(getenv func(string) string) (Predict, error) {
	r := &reader{getenv: getenv}
	c := Predict{
		Stores:              r.stores(true, true),
		Port:                r.str("PORT", DefaultPort),
		ListenAddr:          r.str("LISTEN_ADDR", DefaultListenAddr),
		ProviderBaseURL:     strings.TrimRight(r.str("PROVIDER_BASE_URL", DefaultProviderBaseURL), "/"),
		ProviderAPIKey:      r.str("PROVIDER_API_KEY", ""),
		ProviderAPIKeyParam: r.str("PROVIDER_API_KEY_PARAM", ""),
		ChatModels:          r.list("CHAT_MODEL", DefaultChatModel),
		JudgeModels:         r.list("JUDGE_MODEL", DefaultJudgeModel),
		JudgeVision:         r.onOff("JUDGE_VISION", true),
		JudgeHoldout:        r.share("JUDGE_HOLDOUT", DefaultJudgeHoldout),
		Candidates:          r.count("CANDIDATES", DefaultCandidates, 1, 8),
		Recipes:             r.list("RECIPES", ""),
		Explore:             r.share("EXPLORE", DefaultExplore),
		ImageModels:         r.list("IMAGE_MODELS", DefaultImageModels),
		Deadline:            r.dur("DEADLINE", DefaultDeadline),
		AuthToken:           r.str("AUTH_TOKEN", ""),
		AuthTokenParam:      r.str("AUTH_TOKEN_PARAM", ""),
		DailyProviderCalls:  r.count("DAILY_PROVIDER_CALLS", 0, 0, 100_000_000),
		DailyBudgetUSD:      r.dollars("DAILY_BUDGET_USD"),
		FetchAllowHosts:     r.list("FETCH_ALLOW_HOSTS", ""),
		FormatPolicy:        strings.ToLower(r.str("FORMAT_POLICY", "auto")),
		HedgeAfter:          r.durOrOff("HEDGE_AFTER", DefaultHedgeAfter),
		Speculate:           r.onOff("SPECULATE", true),
		FFmpegPath:          r.str("FFMPEG_PATH", "ffmpeg"),
		TTSModels:           r.list("TTS_MODEL", ""),
		TTSVoice:            r.str("TTS_VOICE", ""),
		TemplatesDir:        r.str("TEMPLATES_DIR", ""),
		TemplatesPrefix:     r.str("TEMPLATES_PREFIX", DefaultTemplatesPrefix),
		OnLambda:            r.onLambda(),
		XRayDaemon:          r.str("AWS_XRAY_DAEMON_ADDRESS", ""),
	}
	if len(c.JudgeModels) == 1 && strings.EqualFold(c.JudgeModels[0], "off") {
		c.JudgeModels = nil
	}
	if len(c.ChatModels) == 0 {
		r.fail("CHAT_MODEL: want at least one model")
	}
	for _, name := range c.Recipes {
		if !recipes[name] {
			r.fail("RECIPES entry %q: want one of %s", name, strings.Join(meme.Recipes, ", "))
		}
	}
	if c.TemplatesPrefix == "off" {
		c.TemplatesPrefix = ""
	}
	if p := c.TemplatesPrefix; p != "" && (!strings.HasSuffix(p, "/") || strings.HasPrefix(p, "/") || strings.Contains(p, "..") || strings.HasPrefix(p, "media/")) {
		r.fail("TEMPLATES_PREFIX=%q: want a folder such as templates/ (ending in /, not under media/), or off", p)
	}
	if p, err := strconv.Atoi(c.Port); err != nil || p < 0 || p > 65535 {
		r.fail("PORT=%q: want 0..65535", c.Port)
	}
	if net.ParseIP(c.ListenAddr) == nil {
		r.fail("LISTEN_ADDR=%q: want an IP address such as 127.0.0.1, ::1 or 0.0.0.0 (the port is PORT)", c.ListenAddr)
	}
	switch c.FormatPolicy {
	case "auto", "image", "video", "text":
	default:
		r.fail("FORMAT_POLICY=%q: want auto, image, video or text", c.FormatPolicy)
	}
	if len(c.ImageModels) == 0 {
		r.fail("IMAGE_MODELS: want at least one model")
	}
	for _, h := range c.FetchAllowHosts {
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" {
			r.fail("FETCH_ALLOW_HOSTS entry %q: want host:port", h)
		}
	}
	if c.Deadline > 14*time.Second {
		r.fail("DEADLINE=%s: the arena waits 15s; keep it at 14s or less", c.Deadline)
	}
	return c, r.err()
}

// LoadStats reads the stats function's settings.
func LoadStats(getenv func(string) string) (Stats, error) {
	r := &reader{getenv: getenv}
	c := Stats{
		Stores:           r.stores(true, false),
		RefreshWindow:    r.dur("REFRESH_WINDOW", DefaultRefreshWindow),
		SweepWindow:      r.durOrOff("SWEEP_WINDOW", DefaultSweepWindow),
		PolicyWindow:     r.dur("POLICY_WINDOW", DefaultPolicyWindow),
		PolicyHalfLife:   r.dur("POLICY_HALF_LIFE", DefaultPolicyHalfLife),
		ArenaStatsURL:    r.str("ARENA_STATS_URL", DefaultArenaStatsURL),
		ProviderBaseURL:  strings.TrimRight(r.str("PROVIDER_BASE_URL", DefaultProviderBaseURL), "/"),
		ArenaAPIKey:      r.str("ARENA_API_KEY", ""),
		ArenaAPIKeyParam: r.str("ARENA_API_KEY_PARAM", ""),
		ModelChorusURL:   strings.TrimRight(r.str("MODELCHORUS_URL", DefaultModelChorusURL), "/"),
		OnLambda:         r.onLambda(),
	}
	def := DefaultLocalPassBudget
	if c.OnLambda {
		def = 0
	}
	c.PassBudget = r.dur("PASS_BUDGET", def)
	return c, r.err()
}

// LoadReport reads the report tool's settings.
func LoadReport(getenv func(string) string) (Report, error) {
	r := &reader{getenv: getenv}
	c := Report{Stores: r.stores(false, false)}
	return c, r.err()
}

// reader reads values through getenv and collects every problem.
type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) err() error { return errors.Join(r.errs...) }

func (r *reader) fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

// stores reads the Stores section: results always, the state table and the
// media bucket only for a function that uses them.
func (r *reader) stores(state, media bool) Stores {
	s := Stores{
		DataDir:      r.str("DATA_DIR", r.dataDirDefault()),
		ResultsTable: r.str("RESULTS_TABLE", ""),
		State:        state,
		Media:        media,
	}
	if state {
		s.StateTable = r.str("STATE_TABLE", "")
	}
	if media {
		s.MediaBucket = r.str("MEDIA_BUCKET", "")
		s.MediaURLTTL = r.dur("MEDIA_URL_TTL", DefaultMediaURLTTL)
	}
	return s
}

func (r *reader) onLambda() bool { return r.getenv("AWS_LAMBDA_RUNTIME_API") != "" }

// dataDirDefault is where local stores go: .data, or /tmp under the Lambda
// runtime (sam local invoke), its only writable place.
func (r *reader) dataDirDefault() string {
	if r.onLambda() {
		return LambdaDataDir
	}
	return DefaultDataDir
}

func (r *reader) str(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

func (r *reader) dur(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail("%s=%q: want a positive duration such as 12s or 1h", name, v)
		return def
	}
	return d
}

// durOrOff is 0 for "off" or "0", else dur.
func (r *reader) durOrOff(name string, def time.Duration) time.Duration {
	switch strings.ToLower(strings.TrimSpace(r.getenv(name))) {
	case "off", "0":
		return 0
	}
	return r.dur(name, def)
}

func (r *reader) onOff(name string, def bool) bool {
	switch v := strings.ToLower(strings.TrimSpace(r.getenv(name))); v {
	case "":
		return def
	case "on", "true", "1", "yes":
		return true
	case "off", "false", "0", "no":
		return false
	default:
		r.fail("%s=%q: want on or off", name, v)
		return def
	}
}

// recipes are the names RECIPES may list (the joke engine's recipes).
var recipes = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range meme.Recipes {
		m[r] = true
	}
	return m
}()

// share is a fraction in 0..1.
func (r *reader) share(name string, def float64) float64 {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if strings.HasSuffix(v, "%") {
		f /= 100
	}
	if err != nil || !(f >= 0 && f <= 1) {
		r.fail("%s=%q: want a share from 0 to 1 (or 0%%..100%%)", name, v)
		return def
	}
	return f
}

// count is a whole number in lo..hi.
// dollars reads a non-negative amount of US dollars; unset is 0 (no cap).
func (r *reader) dollars(name string) float64 {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimPrefix(v, "$"), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e6 {
		r.fail("%s=%q: want an amount of US dollars from 0 to 1000000, such as 5 or 2.50", name, v)
		return 0
	}
	return f
}

func (r *reader) count(name string, def, lo, hi int) int {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail("%s=%q: want a whole number from %d to %d", name, v, lo, hi)
		return def
	}
	return n
}

func (r *reader) list(name, def string) []string { return List(r.str(name, def)) }

// List is a comma list's entries, trimmed, the empty ones left out: how
// every list setting (CHAT_MODEL, IMAGE_MODELS, RECIPES…) is read.
func List(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
