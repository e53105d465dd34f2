package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"punchline/pkg/platform/samtemplate"
)

func none(string) string { return "" }

func TestLoadDefaults(t *testing.T) {
	c, err := LoadPredict(none)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != "8080" || c.ProviderBaseURL != DefaultProviderBaseURL || c.Deadline != 12*time.Second ||
		c.MediaURLTTL != time.Hour || c.DataDir != ".data" || c.FormatPolicy != "auto" || c.Online() || c.OnLambda ||
		len(c.ImageModels) != 2 || len(c.ChatModels) != 2 || len(c.JudgeModels) != 2 || len(c.TTSModels) != 0 ||
		c.DailyBudgetUSD != 0 || !c.Media || !c.State || c.Explore != 0.1 {
		t.Errorf("predict defaults %+v", c)
	}
	s, err := LoadStats(none)
	if err != nil {
		t.Fatal(err)
	}
	if s.RefreshWindow != 72*time.Hour || s.ArenaStatsURL != DefaultArenaStatsURL || s.DataDir != ".data" || !s.State || s.Media {
		t.Errorf("stats defaults %+v", s)
	}
	r, err := LoadReport(none)
	if err != nil || r.DataDir != ".data" || r.State || r.Media {
		t.Errorf("report defaults %+v, %v", r, err)
	}
}

func TestLoadValues(t *testing.T) {
	env := map[string]string{
		"IMAGE_MODELS": " flux/schnell , flux/dev,,", "PROVIDER_BASE_URL": "http://127.0.0.1:9/v1/",
		"PROVIDER_API_KEY_PARAM": "/p/key", "FORMAT_POLICY": "TEXT", "FETCH_ALLOW_HOSTS": "127.0.0.1:9,[::1]:10",
		"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "DEADLINE": "10s", "HEDGE_AFTER": "off",
	}
	c, err := LoadPredict(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.ImageModels, "|") != "flux/schnell|flux/dev" || c.ProviderBaseURL != "http://127.0.0.1:9/v1" ||
		!c.Online() || c.FormatPolicy != "text" || len(c.FetchAllowHosts) != 2 || !c.OnLambda ||
		c.Deadline != 10*time.Second || c.HedgeAfter != 0 {
		t.Errorf("values %+v", c)
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		load        func(func(string) string) error
		name, value string
	}{
		{predict, "PORT", "http"},
		{predict, "LISTEN_ADDR", "0.0.0.0:8080"}, // the port is PORT
		{predict, "LISTEN_ADDR", "localhost"},
		{predict, "DEADLINE", "-1s"},
		{predict, "DEADLINE", "20s"}, // past the arena's 15 s
		{predict, "MEDIA_URL_TTL", "forever"},
		{predict, "FORMAT_POLICY", "gif"},
		{predict, "FETCH_ALLOW_HOSTS", "localhost"},
		{predict, "HEDGE_AFTER", "1"},
		{predict, "SPECULATE", "maybe"},
		{predict, "IMAGE_MODELS", " , "},
		{stats, "REFRESH_WINDOW", "3 days"},
		{predict, "CANDIDATES", "0"},
		{predict, "CANDIDATES", "12"},
		{predict, "CANDIDATES", "four"},
		{predict, "RECIPES", "scene,limerick"},
		{predict, "JUDGE_VISION", "maybe"},
		{predict, "EXPLORE", "1.5"},
		{predict, "EXPLORE", "lots"},
		{stats, "POLICY_WINDOW", "28d"},
		{predict, "TEMPLATES_PREFIX", "templates"},
		{predict, "TEMPLATES_PREFIX", "/templates/"},
		{predict, "TEMPLATES_PREFIX", "media/templates/"},
		{predict, "TEMPLATES_PREFIX", "a/../b/"},
	}
	for _, tt := range tests {
		err := tt.load(func(k string) string {
			if k == tt.name {
				return tt.value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%s=%q: err = %v", tt.name, tt.value, err)
		}
	}
}

// Each function checks only its own environment: a bad value meant for
// another function is not its concern.
func TestSectionsCheckOnlyTheirOwnNames(t *testing.T) {
	bad := map[string]string{"DEADLINE": "forever", "REFRESH_WINDOW": "forever", "MEDIA_URL_TTL": "forever"}
	get := func(k string) string { return bad[k] }
	if _, err := LoadStats(get); err == nil || strings.Contains(err.Error(), "DEADLINE") || strings.Contains(err.Error(), "MEDIA_URL_TTL") {
		t.Errorf("stats: %v", err)
	}
	if _, err := LoadReport(get); err != nil {
		t.Errorf("report: %v", err)
	}
	if _, err := LoadPredict(get); err == nil || strings.Contains(err.Error(), "REFRESH_WINDOW") {
		t.Errorf("predict: %v", err)
	}
}

func predict(g func(string) string) error { _, err := LoadPredict(g); return err }
func stats(g func(string) string) error   { _, err := LoadStats(g); return err }

// reads is the sorted names load asks getenv for.
func reads(load func(func(string) string) error) []string {
	seen := map[string]bool{}
	_ = load(func(k string) string { seen[k] = true; return "" })
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// envMismatches compares what a function's loader reads with what the
// template gives that function: every template variable must be read, and
// every name read must be in the template or in notInTemplate.
func envMismatches(fn string, read, template []string, notInTemplate map[string]string) []string {
	var out []string
	for _, n := range template {
		if !slices.Contains(read, n) {
			out = append(out, fn+": template sets "+n+", which its config never reads")
		}
	}
	for _, n := range read {
		if _, local := notInTemplate[n]; !local && !slices.Contains(template, n) {
			out = append(out, fn+": config reads "+n+", which is neither in the template nor in NotInTemplate")
		}
	}
	return out
}

// loaders maps each function of template.yaml to its loader.
var loaders = map[string]func(func(string) string) error{
	"PredictFunction": predict,
	"StatsFunction":   stats,
}

func TestTemplateEnvironmentMatchesConfig(t *testing.T) {
	tpl, err := samtemplate.Load()
	if err != nil {
		t.Fatal(err)
	}
	fns := tpl.Functions()
	if len(fns) != len(loaders) {
		t.Fatalf("template functions %v; loaders for %d: every function needs a loader here", fns, len(loaders))
	}
	for _, fn := range fns {
		load, ok := loaders[fn]
		if !ok {
			t.Errorf("template function %s has no config loader", fn)
			continue
		}
		env, err := tpl.Env(fn)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envMismatches(fn, reads(load), env, NotInTemplate) {
			t.Error(m)
		}
	}
}

// The checker itself must catch both directions of drift.
func TestEnvMismatchesCatchesDrift(t *testing.T) {
	local := map[string]string{"PORT": "local"}
	tests := []struct {
		name           string
		read, template []string
		want           int
	}{
		{"in step", []string{"A", "PORT"}, []string{"A"}, 0},
		{"template variable nobody reads", []string{"A"}, []string{"A", "B"}, 1},
		{"name read but undeclared", []string{"A", "C"}, []string{"A"}, 1},
		{"both", []string{"C"}, []string{"B"}, 2},
	}
	for _, tt := range tests {
		if got := envMismatches("F", tt.read, tt.template, local); len(got) != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
}

// Every name any loader reads is in the README's configuration table.
func TestEveryNameDocumented(t *testing.T) {
	path, err := samtemplate.Path()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(filepath.Dir(path), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	all := append(append(reads(predict), reads(stats)...), reads(func(g func(string) string) error { _, err := LoadReport(g); return err })...)
	for _, n := range all {
		if n == "AWS_LAMBDA_RUNTIME_API" || n == "AWS_XRAY_DAEMON_ADDRESS" {
			continue // the runtime's, not a setting
		}
		if !strings.Contains(string(readme), "`"+n+"`") {
			t.Errorf("README's configuration table does not list %s", n)
		}
	}
	for n := range NotInTemplate {
		if !slices.Contains(all, n) {
			t.Errorf("NotInTemplate lists %s, which no loader reads", n)
		}
	}
}

// events/env.json points `sam local invoke` at local stores (under /tmp,
// the only writable place in the Lambda container) with no SSM read and
// the offline generator, and overrides only variables the template
// declares (SAM ignores any other).
func TestLocalInvokeEnv(t *testing.T) {
	tpl, err := samtemplate.Load()
	if err != nil {
		t.Fatal(err)
	}
	path, _ := samtemplate.Path()
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(path), "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	var overrides map[string]map[string]string
	if err := json.Unmarshal(raw, &overrides); err != nil {
		t.Fatal(err)
	}
	for fn, vars := range overrides {
		declared, err := tpl.Env(fn)
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		for k := range vars {
			if !slices.Contains(declared, k) {
				t.Errorf("%s: env.json sets %s, which the template does not declare (SAM would ignore it)", fn, k)
			}
		}
		env := func(k string) string {
			if k == "AWS_LAMBDA_RUNTIME_API" {
				return "127.0.0.1:9001"
			}
			return vars[k]
		}
		var st Stores
		switch fn {
		case "PredictFunction":
			c, err := LoadPredict(env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Online() || c.AuthTokenParam != "" {
				t.Errorf("predict under sam local invoke would read SSM: %+v", c)
			}
			st = c.Stores
		case "StatsFunction":
			c, err := LoadStats(env)
			if err != nil {
				t.Fatal(err)
			}
			if c.ArenaAPIKeyParam != "" {
				t.Errorf("stats would read SSM")
			}
			st = c.Stores
		default:
			t.Fatalf("env.json names %s, not a function", fn)
		}
		if st.ResultsTable != "" || st.StateTable != "" || st.MediaBucket != "" || st.DataDir != LambdaDataDir {
			t.Errorf("%s: stores %+v, want local ones under %s", fn, st, LambdaDataDir)
		}
	}
}
