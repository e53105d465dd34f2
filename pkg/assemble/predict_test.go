package assemble

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"punchline/pkg/platform/config"
	"punchline/pkg/platform/emf"
	"punchline/pkg/platform/reqlog"
	"punchline/pkg/platform/reqlog/logtest"
	"punchline/pkg/provider/providertest"
	"punchline/pkg/store/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// With the key and token parameters missing (a typo, the wrong region, not
// yet created), the cold start does not fail: predict answers 200 memes
// offline, logs the secrets at ERROR and emits SecretsUnreadable, and once
// the parameters exist it switches to the provider and requires the token.
func TestServesWhileSecretsUnreadable(t *testing.T) {
	secretsRetry, secretsRetryMax = 100*time.Millisecond, 200*time.Millisecond
	defer func() { secretsRetry, secretsRetryMax = 30*time.Second, 5*time.Minute }()
	moto := mototest.Start(t)
	prov := providertest.New()
	defer prov.Close()
	provURL, _ := url.Parse(prov.URL)
	prefix := fmt.Sprintf("/punchline-test/%d", time.Now().UnixNano())
	env := moto.Env()
	for k, v := range map[string]string{
		"MEDIA_BUCKET": moto.Bucket(t), "RESULTS_TABLE": moto.ResultsTable(t), "STATE_TABLE": moto.StateTable(t),
		"PROVIDER_API_KEY_PARAM": prefix + "/provider-api-key", "AUTH_TOKEN_PARAM": prefix + "/auth-token",
		"PROVIDER_BASE_URL": prov.URL, "FETCH_ALLOW_HOSTS": provURL.Host, "CHAT_MODEL": "openai/gpt-4.1-mini-2025-04-14",
		"RECIPES": "scene", "SPECULATE": "off", "DATA_DIR": t.TempDir(),
	} {
		env[k] = v
	}
	getenv := func(k string) string { return env[k] }
	cfg, err := config.LoadPredict(getenv)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logtest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	app, err := Predict(ctx, cfg, getenv, reqlog.New(logs, 0))
	if err != nil {
		t.Fatalf("cold start failed: %v", err)
	}
	defer app.Close()
	d := time.Since(start)
	t.Logf("cold start with both secrets missing: %v", d.Round(time.Millisecond))
	if d > 5*time.Second {
		t.Errorf("cold start took %v with the secrets missing", d)
	}
	srv := httptest.NewServer(app.Handler)
	defer srv.Close()

	post := func(id int, token string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(fmt.Sprintf(`{"result_id":%d,"prompt":"кот и понедельник"}`, id)))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, body := post(1, ""); code != 200 || body["type"] != "image" {
		t.Fatalf("degraded answer %d %v", code, body)
	}
	if prov.Chats.Load()+prov.Images.Load() != 0 {
		t.Errorf("the degraded app called the provider")
	}
	var unreadable float64
	errorLines := 0
	for _, l := range logs.Lines() {
		if bytes.Contains(l, []byte(`"level":"ERROR"`)) && bytes.Contains(l, []byte("secret unreadable")) {
			errorLines++
		}
		if bytes.Contains(l, []byte(`"SecretsUnreadable"`)) && bytes.Contains(l, []byte(`"_aws"`)) {
			if err := emf.Validate(l); err != nil {
				t.Errorf("%v: %s", err, l)
			}
			var m map[string]any
			_ = json.Unmarshal(l, &m)
			if unreadable == 0 { // the cold start's line; background retries add more
				unreadable, _ = m["SecretsUnreadable"].(float64)
			}
		}
	}
	if errorLines < 2 || unreadable != 2 {
		t.Errorf("%d ERROR lines, SecretsUnreadable %v; want 2 (one a secret) and 2", errorLines, unreadable)
	}

	// The parameters are created: within a retry the provider is used and
	// the token is required.
	api := ssm.NewFromConfig(moto.Config())
	for name, v := range map[string]string{"/provider-api-key": "test-key", "/auth-token": "s3cret"} {
		if _, err := api.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(prefix + name), Value: aws.String(v), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for id := 2; ; id++ {
		code, body := post(id, "s3cret")
		if code == 200 && prov.Images.Load() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never switched to the provider: %d %v", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := post(999, ""); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", code)
	}
}

// The daily budget reserves what a request can spend: a panels plan paints
// up to templates.MaxPanels pictures, more than a scene's two jobs.
func TestCallsPerRequestCoversPanels(t *testing.T) {
	load := func(env map[string]string) config.Predict {
		cfg, err := config.LoadPredict(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	all := callsPerRequest(load(map[string]string{}))
	scene := callsPerRequest(load(map[string]string{"RECIPES": "scene,text"}))
	panels := callsPerRequest(load(map[string]string{"RECIPES": "panels"}))
	// Defaults: 2 generators, 2 judgings, and (4 panel jobs + the
	// speculative one) × 2 hedged image models.
	if all != 14 || panels != all || scene != 10 {
		t.Errorf("calls reserved: all recipes %d, panels %d, scene %d; want 14, 14, 10", all, panels, scene)
	}
}
