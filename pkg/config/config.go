// Package config reads punchline's settings from the environment. The names
// are a contract (DESIGN §5): the same locally and in template.yaml.
package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults of DESIGN §5.
const (
	DefaultPort            = "8080"
	DefaultProviderBaseURL = "https://api.aimlapi.com/v1"
	DefaultChatModel       = "gpt-4o-mini"
	DefaultImageModels     = "flux/schnell"
	DefaultDataDir         = ".data"
	DefaultMediaURLTTL     = time.Hour
	DefaultDeadline        = 12 * time.Second
	DefaultHedgeAfter      = 3 * time.Second
	DefaultRefreshWindow   = 72 * time.Hour
	DefaultArenaStatsURL   = "https://api.aimemearena.com/api/battles"
	DefaultModelChorusURL  = "https://http-actions.modelchorus.com"
)

// Config is every setting of both functions.
type Config struct {
	Port                string
	ProviderBaseURL     string
	ProviderAPIKey      string
	ProviderAPIKeyParam string
	ChatModel           string
	ImageModels         []string
	MediaBucket         string
	ResultsTable        string
	StateTable          string
	DataDir             string
	MediaURLTTL         time.Duration
	Deadline            time.Duration
	AuthToken           string
	FetchAllowHosts     []string
	FormatPolicy        string
	HedgeAfter          time.Duration // 0: hedging off
	Speculate           bool          // start the picture from the raw prompt while the planner runs
	FFmpegPath          string
	TTSModel            string // text-to-speech model for video voices; "" for silent clips
	TTSVoice            string
	RefreshWindow       time.Duration
	ArenaStatsURL       string
	ArenaAPIKey         string
	ModelChorusURL      string
	// OnLambda is true when the Lambda runtime API is present.
	OnLambda bool
}

// Online reports whether a provider key is configured (directly or via SSM);
// without one the offline generator is used.
func (c Config) Online() bool { return c.ProviderAPIKey != "" || c.ProviderAPIKeyParam != "" }

// Load reads the configuration through getenv, applying defaults, and
// reports every bad value at once.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 12s or 1h", name, v))
			return def
		}
		return d
	}
	// off is 0 for "off" or "0", else the duration.
	off := func(name string, d func() time.Duration) time.Duration {
		switch strings.ToLower(strings.TrimSpace(getenv(name))) {
		case "off", "0":
			return 0
		}
		return d()
	}
	onOff := func(name string, def bool) bool {
		switch v := strings.ToLower(strings.TrimSpace(getenv(name))); v {
		case "":
			return def
		case "on", "true", "1", "yes":
			return true
		case "off", "false", "0", "no":
			return false
		default:
			errs = append(errs, fmt.Errorf("%s=%q: want on or off", name, v))
			return def
		}
	}
	list := func(name, def string) []string {
		var out []string
		for _, s := range strings.Split(str(name, def), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}

	c := Config{
		Port:                str("PORT", DefaultPort),
		ProviderBaseURL:     strings.TrimRight(str("PROVIDER_BASE_URL", DefaultProviderBaseURL), "/"),
		ProviderAPIKey:      str("PROVIDER_API_KEY", ""),
		ProviderAPIKeyParam: str("PROVIDER_API_KEY_PARAM", ""),
		ChatModel:           str("CHAT_MODEL", DefaultChatModel),
		ImageModels:         list("IMAGE_MODELS", DefaultImageModels),
		MediaBucket:         str("MEDIA_BUCKET", ""),
		ResultsTable:        str("RESULTS_TABLE", ""),
		StateTable:          str("STATE_TABLE", ""),
		DataDir:             str("DATA_DIR", DefaultDataDir),
		MediaURLTTL:         dur("MEDIA_URL_TTL", DefaultMediaURLTTL),
		Deadline:            dur("DEADLINE", DefaultDeadline),
		AuthToken:           str("AUTH_TOKEN", ""),
		FetchAllowHosts:     list("FETCH_ALLOW_HOSTS", ""),
		FormatPolicy:        strings.ToLower(str("FORMAT_POLICY", "auto")),
		HedgeAfter:          off("HEDGE_AFTER", func() time.Duration { return dur("HEDGE_AFTER", DefaultHedgeAfter) }),
		Speculate:           onOff("SPECULATE", true),
		FFmpegPath:          str("FFMPEG_PATH", "ffmpeg"),
		TTSModel:            str("TTS_MODEL", ""),
		TTSVoice:            str("TTS_VOICE", "alloy"),
		RefreshWindow:       dur("REFRESH_WINDOW", DefaultRefreshWindow),
		ArenaStatsURL:       str("ARENA_STATS_URL", DefaultArenaStatsURL),
		ArenaAPIKey:         str("ARENA_API_KEY", ""),
		ModelChorusURL:      strings.TrimRight(str("MODELCHORUS_URL", DefaultModelChorusURL), "/"),
		OnLambda:            getenv("AWS_LAMBDA_RUNTIME_API") != "",
	}
	if p, err := strconv.Atoi(c.Port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("PORT=%q: want 0..65535", c.Port))
	}
	switch c.FormatPolicy {
	case "auto", "image", "video", "text":
	default:
		errs = append(errs, fmt.Errorf("FORMAT_POLICY=%q: want auto, image, video or text", c.FormatPolicy))
	}
	if len(c.ImageModels) == 0 {
		errs = append(errs, errors.New("IMAGE_MODELS: want at least one model"))
	}
	for _, h := range c.FetchAllowHosts {
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("FETCH_ALLOW_HOSTS entry %q: want host:port", h))
		}
	}
	if c.Deadline > 14*time.Second {
		errs = append(errs, fmt.Errorf("DEADLINE=%s: the arena waits 15s; keep it at 14s or less", c.Deadline))
	}
	return c, errors.Join(errs...)
}
