package main

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"punchline/pkg/provider/providertest"
)

// deniedListener is a second loopback server that the fetch policy does not
// allow; it counts the connections it accepts (there must be none).
func deniedListener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), accepted
}

// allRecipes lets the joke engine use every recipe that can run.
var allRecipes = map[string]string{"RECIPES": ""}

// TestFaultMatrix drives the real server (run) against the provider test
// server in every fault mode we know of, in parallel, with the production
// DEADLINE. Every answer must be a valid contract answer and arrive within
// 15 s of wall time; the image must not be fetched from a denied host.
func TestFaultMatrix(t *testing.T) {
	denied, accepted := deniedListener(t)
	deniedURL := "http://" + denied + "/picture.png"
	crash := fakeFFmpeg(t, `kill -SEGV $$`)
	slow := fakeFFmpeg(t, `sleep 60`)
	modes := []struct {
		name string
		set  func(b *providertest.Behavior)
		want string            // "image", "text", "video" or "" for any
		env  map[string]string // extra environment
	}{
		{"heavy-tailed latency", func(b *providertest.Behavior) {
			b.ChatLatency = providertest.HeavyTail(1, 800*time.Millisecond, 0.2, 5*time.Second, 20*time.Second)
			tail := providertest.HeavyTail(2, 1500*time.Millisecond, 0.5, 10*time.Second, 20*time.Second)
			b.ImageLatency = func(string) time.Duration { return tail() }
		}, "image", nil},
		{"image 429 Retry-After", func(b *providertest.Behavior) { b.ImageStatus, b.ImageRetryAfter = 429, "30" }, "image", nil},
		{"image 500", func(b *providertest.Behavior) { b.ImageStatus = 500 }, "image", nil},
		{"chat 500", func(b *providertest.Behavior) { b.ChatStatus = 500 }, "image", nil},
		{"image hangs forever", func(b *providertest.Behavior) { b.ImageHang = true }, "image", nil},
		{"chat hangs forever", func(b *providertest.Behavior) { b.ChatHang = true }, "image", nil},
		{"image answer drips", func(b *providertest.Behavior) { b.ImageDrip = 400 * time.Millisecond }, "image", nil},
		{"chat answer drips", func(b *providertest.Behavior) { b.ChatDrip = 400 * time.Millisecond }, "image", nil},
		{"truncated image JSON", func(b *providertest.Behavior) { b.ImageBody = []byte(`{"images":[{"url":"http://`) }, "image", nil},
		{"prose instead of a plan", func(b *providertest.Behavior) { b.ChatContent = "Sure! Here is a funny meme about cats." }, "image", nil},
		{"non-image bytes", func(b *providertest.Behavior) { b.ImageBytes = []byte("<html>not a picture</html>") }, "image", nil},
		{"decompression bomb", func(b *providertest.Behavior) { b.ImageBytes = providertest.BombPNG(20000, 20000) }, "image", nil},
		{"30 MB image", func(b *providertest.Behavior) { b.ImageBytes = make([]byte, 30<<20) }, "image", nil},
		{"image on a denied host", func(b *providertest.Behavior) { b.ImageURL = deniedURL }, "image", nil},
		{"redirect to a denied host", func(b *providertest.Behavior) { b.RedirectTo = deniedURL; b.ImageURL = "self-redirect" }, "image", nil},
		{"content policy refusal", func(b *providertest.Behavior) {
			b.ImageStatus, b.ImageErrBody = 400, "Your prompt was rejected by our content policy"
		}, "image", nil},
		{"video", func(*providertest.Behavior) {}, "video", map[string]string{"FORMAT_POLICY": "video", "TTS_MODEL": "openai/tts-1"}},
		{"video: ffmpeg missing", func(*providertest.Behavior) {}, "image", map[string]string{"FORMAT_POLICY": "video", "FFMPEG_PATH": "/nonexistent/ffmpeg"}},
		{"video: ffmpeg crashes", func(*providertest.Behavior) {}, "image", map[string]string{"FORMAT_POLICY": "video", "FFMPEG_PATH": crash}},
		{"video: ffmpeg too slow", func(*providertest.Behavior) {}, "image", map[string]string{"FORMAT_POLICY": "video", "FFMPEG_PATH": slow}},
		{"video: voice hangs", func(b *providertest.Behavior) { b.TTSDelay = time.Hour }, "video", map[string]string{"FORMAT_POLICY": "video", "TTS_MODEL": "openai/tts-1"}},
		// The joke engine, with every recipe: the generator and the judge fail in turn.
		{"generator hangs", func(b *providertest.Behavior) { b.ChatHang = true }, "image", allRecipes},
		{"generator writes no candidates", func(b *providertest.Behavior) { b.GeneratorContent = `{"candidates": []}` }, "image", allRecipes},
		{"generator answer malformed", func(b *providertest.Behavior) {
			b.GeneratorContent = "```json\n{\"candidates\": [{\"recipe\": \"template\", \"captions\": [\"a\""
		}, "image", allRecipes},
		{"generator gets box counts wrong", func(b *providertest.Behavior) {
			b.GeneratorContent = `{"candidates": [{"recipe": "template", "template": "two-buttons", "captions": ["only one"]},` +
				`{"recipe": "template", "template": "no-such-template", "captions": ["a", "b"]},` +
				`{"recipe": "clip", "template": "two-buttons", "captions": ["a"]},` +
				`{"recipe": "scene", "captions": ["x", "y", "z"]},` +
				`{"recipe": "limerick", "captions": ["?"]}]}`
		}, "image", allRecipes},
		// The recipe is drawn per request, so a judged answer may be any type.
		{"judge hangs", func(b *providertest.Behavior) { b.JudgeHang = true }, "", allRecipes},
		{"judge 500", func(b *providertest.Behavior) { b.JudgeStatus = 500 }, "", allRecipes},
		{"judge ranks out of range", func(b *providertest.Behavior) { b.JudgeContent = `{"ranking": [9, 0, -1, 2, 2, 1.5, "x"]}` }, "", allRecipes}, // candidate 2 wins, whatever it is
		{"judge answers nonsense", func(b *providertest.Behavior) { b.JudgeContent = "They are all hilarious!" }, "", allRecipes},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			prov := providertest.New()
			defer prov.Close()
			prov.Set(m.set)
			if b := prov.LastImageRequest(); b != nil {
				t.Fatal("fresh server has requests")
			}
			prov.Set(func(b *providertest.Behavior) {
				if b.ImageURL == "self-redirect" {
					b.ImageURL = prov.URL + "/files/redirect"
				}
			})
			provURL, _ := url.Parse(prov.URL)
			env := map[string]string{
				"DATA_DIR": t.TempDir(), "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": prov.URL,
				"IMAGE_MODELS": "flux/schnell,flux/dev", "FETCH_ALLOW_HOSTS": provURL.Host,
				"RECIPES": "scene", // the picture path, which the image faults need
			}
			for k, v := range m.env {
				env[k] = v
			}
			base, logs := startRun(t, env)
			start := time.Now()
			got := post(t, base+"/api/v1/predict", `{"result_id":1,"prompt":"a cat explains kubernetes"}`)
			elapsed := time.Since(start)
			if elapsed >= 15*time.Second {
				t.Errorf("answered after %v", elapsed)
			}
			switch got["type"] {
			case "image":
				getJPEG(t, got["url"].(string))
			case "video":
				resp, err := http.Get(got["url"].(string))
				if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
					t.Fatalf("clip: %v %v", err, resp)
				}
				resp.Body.Close()
			case "text":
				if s, _ := got["text"].(string); strings.TrimSpace(s) == "" {
					t.Errorf("empty text answer")
				}
			default:
				t.Fatalf("answer %v", got)
			}
			if m.want != "" && got["type"] != m.want {
				t.Errorf("answer type %v, want %s; logs:\n%s", got["type"], m.want, logs.String())
			}
			t.Logf("%s: %s in %v", m.name, got["type"], elapsed.Round(time.Millisecond))
		})
	}
	t.Cleanup(func() {
		if n := accepted.Load(); n != 0 {
			t.Errorf("the denied host received %d connections", n)
		}
	})
}
