package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != "8080" || c.ProviderBaseURL != DefaultProviderBaseURL || c.Deadline != 12*time.Second ||
		c.MediaURLTTL != time.Hour || c.DataDir != ".data" || c.FormatPolicy != "auto" || c.Online() || c.OnLambda ||
		len(c.ImageModels) != 1 || c.RefreshWindow != 72*time.Hour {
		t.Errorf("defaults %+v", c)
	}
}

func TestLoadValues(t *testing.T) {
	env := map[string]string{
		"IMAGE_MODELS": " flux/schnell , flux/dev,,", "PROVIDER_BASE_URL": "http://127.0.0.1:9/v1/",
		"PROVIDER_API_KEY_PARAM": "/p/key", "FORMAT_POLICY": "TEXT", "FETCH_ALLOW_HOSTS": "127.0.0.1:9,[::1]:10",
		"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "DEADLINE": "10s",
	}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.ImageModels, "|") != "flux/schnell|flux/dev" || c.ProviderBaseURL != "http://127.0.0.1:9/v1" ||
		!c.Online() || c.FormatPolicy != "text" || len(c.FetchAllowHosts) != 2 || !c.OnLambda || c.Deadline != 10*time.Second {
		t.Errorf("values %+v", c)
	}
}

func TestLoadRejects(t *testing.T) {
	tests := map[string]string{
		"PORT": "http", "DEADLINE": "-1s", "MEDIA_URL_TTL": "forever", "FORMAT_POLICY": "gif",
		"FETCH_ALLOW_HOSTS": "localhost", "HEDGE_AFTER": "1",
	}
	for name, value := range tests {
		_, err := Load(func(k string) string {
			if k == name {
				return value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: err = %v", name, value, err)
		}
	}
	if _, err := Load(func(k string) string { return map[string]string{"DEADLINE": "20s"}[k] }); err == nil {
		t.Errorf("a deadline past the arena's 15 s must be refused")
	}
}
