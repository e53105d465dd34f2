// Command doctor is the first command after a deploy (`make doctor`): it
// checks every configured model against the provider's live catalogue
// (no key needed) and, with a key (PROVIDER_API_KEY, or the SecureString
// PROVIDER_API_KEY_PARAM names), makes one tiny call per role (generator,
// judge, image, speech), printing model, latency, cost and what predict
// would do differently. It exits non-zero when something needs a person.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"punchline/pkg/platform/awsenv"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/secrets"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/chat"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/imagegen"
	"punchline/pkg/provider/tts"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "doctor:", err)
		os.Exit(1)
	}
}

// errAttention: the report says what needs a person.
var errAttention = errors.New("something needs attention (see above)")

func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	cfg, err := config.LoadPredict(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	fmt.Fprintf(out, "provider %s\n\n", cfg.ProviderBaseURL)
	prefs := aiml.Prefs{Chat: cfg.ChatModels, Judge: cfg.JudgeModels, Image: cfg.ImageModels, Speech: cfg.TTSModels}
	var ids []string
	for _, l := range [][]string{prefs.Chat, prefs.Judge, prefs.Image, prefs.Speech} {
		ids = append(ids, l...)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	cat, err := aiml.FetchCatalogue(ctx, hc, cfg.ProviderBaseURL, ids, "", time.Now())
	if err != nil {
		return fmt.Errorf("the catalogue (GET %s/models) did not answer: %w", cfg.ProviderBaseURL, err)
	}
	lineup := aiml.Choose(prefs, cat)
	attention := catalogueReport(out, prefs, cat, lineup)

	key, err := providerKey(ctx, cfg, getenv)
	switch {
	case err != nil:
		fmt.Fprintf(out, "\nno calls made: %v\n", err)
		return errAttention
	case key == "":
		fmt.Fprintln(out, "\nno key (PROVIDER_API_KEY or PROVIDER_API_KEY_PARAM): catalogue checked, no calls made")
	default:
		attention = callReport(ctx, out, cfg, key, lineup) || attention
	}
	if attention {
		return errAttention
	}
	fmt.Fprintln(out, "\nall good")
	return nil
}

// catalogueReport prints each configured model's standing and the lineup
// predict would use; true when a role has no live model.
func catalogueReport(out io.Writer, prefs aiml.Prefs, cat *aiml.Catalogue, l aiml.Lineup) bool {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "setting\tmodel\tcatalogue\tdeveloper\tvision")
	for _, row := range []struct {
		name   string
		models []string
	}{{"CHAT_MODEL", prefs.Chat}, {"JUDGE_MODEL", prefs.Judge}, {"IMAGE_MODELS", prefs.Image}, {"TTS_MODEL", prefs.Speech}} {
		for _, m := range row.models {
			status, dev, vision := "gone: will be skipped", aiml.Developer(m, nil), ""
			if found, ok := cat.Resolve(m); ok {
				status = "live"
				if !strings.EqualFold(found.ID, m) {
					status = "live (alias of " + found.ID + ")"
				}
				dev = aiml.Developer(m, cat)
				if found.Vision {
					vision = "yes"
				}
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", row.name, m, status, dev, vision)
		}
	}
	_ = w.Flush()
	fmt.Fprintln(out)
	attention := false
	say := func(role string, models []string, empty string) {
		if len(models) == 0 {
			fmt.Fprintf(out, "%-9s %s\n", role+":", empty)
			return
		}
		fmt.Fprintf(out, "%-9s %s\n", role+":", strings.Join(models, " → "))
	}
	if len(l.Chat) == 0 {
		attention = true
	}
	say("generator", l.Chat, "NONE LIVE: every request would be answered offline; set CHAT_MODEL to live models")
	if len(prefs.Judge) > 0 {
		say("judge", l.Judge, "none live of another developer: the generator's favourite would win unjudged")
		if len(l.SameFamily) > 0 {
			fmt.Fprintf(out, "          (not used, same developer as the generator: %s)\n", strings.Join(l.SameFamily, ", "))
		}
	}
	if len(l.Image) == 0 {
		attention = true
	}
	say("image", l.Image, "NONE LIVE: pictures would be the offline background; set IMAGE_MODELS")
	if len(prefs.Speech) > 0 {
		sp := []string{}
		if l.Speech != "" {
			sp = []string{l.Speech}
		}
		say("speech", sp, "none live: clips would be silent")
	}
	if len(l.Gone) > 0 {
		attention = true
		fmt.Fprintf(out, "would skip (not in the catalogue): %s\n", strings.Join(l.Gone, ", "))
	}
	return attention
}

// providerKey is PROVIDER_API_KEY, else the SecureString the parameter
// names ("" when neither is set).
func providerKey(ctx context.Context, cfg config.Predict, getenv func(string) string) (string, error) {
	if cfg.ProviderAPIKey != "" || cfg.ProviderAPIKeyParam == "" {
		return cfg.ProviderAPIKey, nil
	}
	env, err := awsenv.Load(ctx, getenv)
	if err != nil {
		return "", err
	}
	got, failed := secrets.ReadAll(ctx, env.SSM(), secrets.Set{Names: map[string]string{"key": cfg.ProviderAPIKeyParam}}, secrets.ColdStart)
	if err := failed["key"]; err != nil {
		return "", fmt.Errorf("PROVIDER_API_KEY_PARAM %s unreadable: %w", cfg.ProviderAPIKeyParam, err)
	}
	return got["key"], nil
}

// callReport makes one tiny call per role with the first live model of
// each, and says what each outcome means; true when one failed.
func callReport(ctx context.Context, out io.Writer, cfg config.Predict, key string, l aiml.Lineup) bool {
	policy, err := fetch.NewPolicy(ctx, cfg.FetchAllowHosts)
	if err != nil {
		fmt.Fprintf(out, "FETCH_ALLOW_HOSTS: %v\n", err)
		return true
	}
	redirects, err := fetch.APIRedirects(cfg.ProviderBaseURL)
	if err != nil {
		fmt.Fprintf(out, "PROVIDER_BASE_URL: %v\n", err)
		return true
	}
	api := &http.Client{Timeout: 60 * time.Second, CheckRedirect: redirects}
	cl := chat.New(api, cfg.ProviderBaseURL, key, nil)
	type call struct {
		role, model string
		do          func(ctx context.Context) error
	}
	var calls []call
	if len(l.Chat) > 0 {
		m := l.Chat[0]
		calls = append(calls, call{"generator", m, func(ctx context.Context) error {
			_, err := cl.Complete(ctx, aiml.Chat{Model: m, System: "Reply with a JSON object.", User: `Say {"ok": true}`, Temperature: 1, MaxTokens: 20, JSON: true})
			return err
		}})
	}
	if len(l.Judge) > 0 {
		m := l.Judge[0]
		calls = append(calls, call{"judge", m, func(ctx context.Context) error {
			_, err := cl.Complete(ctx, aiml.Chat{Model: m, System: "Reply with a JSON object.", User: `Say {"ranking": [1]}`, MaxTokens: 20, JSON: true})
			return err
		}})
	}
	if len(l.Image) > 0 {
		m := l.Image[0]
		img := imagegen.New(api, cfg.ProviderBaseURL, key, []string{m}, policy.Client())
		calls = append(calls, call{"image", m, func(ctx context.Context) error {
			pic, err := img.GenerateWith(ctx, m, "a single red circle on a white background")
			if err == nil && pic.Bounds().Empty() {
				err = errors.New("empty picture")
			}
			return err
		}})
	}
	if l.Speech != "" {
		voice, verr := tts.New(api, cfg.ProviderBaseURL, key, l.Speech, cfg.TTSVoice, policy.Client(), nil)
		if verr != nil {
			fmt.Fprintf(out, "TTS_VOICE: %v\n", verr)
		}
		calls = append(calls, call{"speech", l.Speech, func(ctx context.Context) error {
			_, err := voice.Speak(ctx, "OK", "en")
			return err
		}})
	}
	fmt.Fprintln(out)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "role\tmodel\tlatency\tcost\tresult")
	failed := false
	for _, c := range calls {
		m := &aiml.Meter{}
		cctx, cancel := context.WithTimeout(aiml.WithMeter(ctx, m), 45*time.Second)
		start := time.Now()
		err := c.do(cctx)
		cancel()
		result := "ok"
		if err != nil {
			failed = true
			result = advice(c.role, err)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t$%.6f\t%s\n", c.role, c.model, time.Since(start).Round(time.Millisecond), m.USD(), result)
	}
	_ = w.Flush()
	return failed
}

// advice is what an error means for predict, in a person's words.
func advice(role string, err error) string {
	switch aiml.KindOf(err) {
	case aiml.KindAuth:
		return "401: the key is invalid; every request would be answered offline. Fix PROVIDER_API_KEY(_PARAM)"
	case aiml.KindCredits:
		return "403: out of credits; every request would be answered offline. Top up the account"
	case aiml.KindGone:
		return "404: the model is gone; predict would skip it. Remove it from the " + role + " list"
	case aiml.KindValidation:
		return "400: the provider refused our body for this model (" + err.Error() + "); predict would skip it for a while. Report it: a request builder needs a fix"
	case aiml.KindRateLimited:
		return "429: rate-limited; predict would back off"
	case aiml.KindModelFailed, aiml.KindUnavailable, aiml.KindTimeout:
		return "the model failed (" + err.Error() + "); predict would try the next one"
	}
	return "failed: " + err.Error()
}
