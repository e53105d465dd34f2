package videogen

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/providertest"
)

func client(t *testing.T, srv *providertest.Server, base string) *Client {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	policy, err := fetch.NewPolicy(context.Background(), []string{u.Host})
	if err != nil {
		t.Fatal(err)
	}
	c := New(http.DefaultClient, base, "k", policy.Client(), aiml.NewHealth())
	c.Every = 10 * time.Millisecond
	return c
}

// The whole round trip on the stand-in: the body its schema takes, the
// task read back until done, the clip downloaded, the cost metered.
func TestGenerate(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg missing (run make deps): %v", err)
	}
	srv := providertest.New()
	defer srv.Close()
	srv.Set(func(b *providertest.Behavior) { b.VideoPending = 3 })
	for _, base := range []string{srv.URL + "/v1", srv.URL} { // PROVIDER_BASE_URL with or without /v1
		m := &aiml.Meter{}
		data, err := client(t, srv, base).Generate(aiml.WithMeter(context.Background(), m), "google/veo-3.1-t2v-fast", "a slow turn to the camera", 7)
		if err != nil {
			t.Fatalf("%s: %v (refusals %q)", base, err, srv.Refusals())
		}
		if len(data) < 1000 || string(data[4:8]) != "ftyp" {
			t.Errorf("not an MP4: %d bytes %q", len(data), data[:min(8, len(data))])
		}
		if m.USD() != providertest.VideoUSD {
			t.Errorf("cost %v, want %v", m.USD(), providertest.VideoUSD)
		}
	}
	if req := srv.LastVideoRequest(); req["generate_audio"] != true || req["seed"] != 7.0 || req["duration"] != 6.0 {
		t.Errorf("body %v", req)
	}
	if srv.VideoPolls.Load() != 8 {
		t.Errorf("%d status reads, want 4 per clip", srv.VideoPolls.Load())
	}
	if r := srv.Refusals(); len(r) > 0 {
		t.Errorf("refused by the published schema: %q", r)
	}
}

func TestGenerateFailures(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	c := client(t, srv, srv.URL)
	srv.Set(func(b *providertest.Behavior) { b.VideoFails = true })
	if _, err := c.Generate(context.Background(), "bytedance/seedance-1-5-pro", "x", 0); err == nil || !strings.Contains(err.Error(), "injected video failure") {
		t.Errorf("failed generation: %v", err)
	}
	srv.Set(func(b *providertest.Behavior) { b.VideoFails, b.Account = false, providertest.AccountNoCredits })
	_, _, err := c.GenerateAny(context.Background(), []string{"google/veo-3.1-t2v-fast", "bytedance/seedance-1-5-pro"}, "x", 0, time.Second)
	if !errors.Is(err, meme.ErrProviderAccount) || srv.Videos.Load() != 2 {
		t.Errorf("out of credits: %v after %d submissions; want the account error and no second model", err, srv.Videos.Load())
	}
	srv.Set(func(b *providertest.Behavior) { b.Account, b.VideoPending = "", 1000 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := client(t, srv, srv.URL).Generate(ctx, "google/veo-3.1-t2v-fast", "x", 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a task that never finishes: %v", err)
	}
}
