package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"punchline/pkg/provider/providertest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// Against the AIML stand-in: without a key only the catalogue is checked;
// with one, one call per role, with latency and cost; a deprecated model
// and an empty account say what they mean and exit non-zero.
func TestDoctor(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	host, _ := url.Parse(prov.URL)
	base := map[string]string{"PROVIDER_BASE_URL": prov.URL + "/v1", "FETCH_ALLOW_HOSTS": host.Host, "TTS_MODEL": "deepgram/aura-2"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name  string
		env   map[string]string
		set   func(*providertest.Behavior)
		ok    bool
		want  []string
		calls int64
	}{
		{"no key: catalogue only", with(), nil, true, []string{"live", "generator: openai/gpt-4.1-mini-2025-04-14 → google/gemini-2.5-flash", "no calls made", "all good"}, 0},
		{"with a key", with("PROVIDER_API_KEY", "k"), nil, true, []string{"generator  openai/gpt-4.1-mini-2025-04-14", "judge", "image", "speech", "$0.000400", "all good"}, 4},
		{"a deprecated default", with("JUDGE_MODEL", "claude-3-5-haiku-20241022,anthropic/claude-haiku-4.5"), nil, false,
			[]string{"claude-3-5-haiku-20241022       gone: will be skipped", "would skip (not in the catalogue): claude-3-5-haiku-20241022"}, 0},
		{"out of credits", with("PROVIDER_API_KEY", "k"), func(b *providertest.Behavior) { b.Account = providertest.AccountNoCredits }, false,
			[]string{"403: out of credits"}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prov.Set(func(b *providertest.Behavior) { *b = providertest.Behavior{ImageShape: providertest.ShapeDataURL} })
			if tc.set != nil {
				prov.Set(tc.set)
			}
			before := prov.TotalCalls()
			var out bytes.Buffer
			err := run(context.Background(), env(tc.env), &out)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, errAttention)) {
				t.Fatalf("err %v\n%s", err, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if n := prov.TotalCalls() - before; n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			if r := prov.Refusals(); len(r) > 0 {
				t.Errorf("refused: %q", r)
			}
		})
	}
}
