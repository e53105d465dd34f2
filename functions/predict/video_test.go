package main

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var page = template.Must(template.New("page").Parse(`<!doctype html><html><head><title>pending</title></head><body>
<video id="v" src="{{.}}" muted playsinline preload="auto"></video>
<script>
const v = document.getElementById('v');
const report = s => { document.title = s; };
v.addEventListener('error', () => report('error ' + (v.error && v.error.code)));
const state = () => 'ok duration=' + v.duration.toFixed(2) + ' ready=' + v.readyState + ' time=' + v.currentTime.toFixed(2);
let done = false;
// Report once playback has advanced (a loaded machine may take a while to
// get there), or whatever the page has after 10 s.
v.addEventListener('timeupdate', () => { if (!done && v.currentTime > 0) { done = true; report(state()); } });
v.addEventListener('loadeddata', () => {
  v.play().then(() => setTimeout(() => { if (!done) { done = true; report(state()); } }, 10000)).catch(e => report('play ' + e));
});
</script></body></html>`))

// playInChromium loads clipURL in a <video> element in headless Chromium
// and returns what the page saw: duration, readyState and playback time.
func playInChromium(t *testing.T, clipURL string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium missing (run make deps): %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, clipURL)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
		"--autoplay-policy=no-user-gesture-required", "--virtual-time-budget=15000", "--dump-dom", srv.URL)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no title in %s", out.String())
	}
	return m[1]
}

// `make run` with FORMAT_POLICY=video answers with a clip, and the clip
// plays in a browser.
func TestRunVideoPlaysInChromium(t *testing.T) {
	base, logs := startRun(t, map[string]string{"DATA_DIR": t.TempDir(), "FORMAT_POLICY": "video"})
	got := post(t, base+"/api/v1/predict", `{"result_id":7,"prompt":"когда видео собралось с первого раза"}`)
	u, _ := got["url"].(string)
	if got["type"] != "video" || !strings.HasSuffix(u, ".mp4") {
		t.Fatalf("answer %v; logs %s", got, logs.String())
	}
	resp, err := http.Get(u)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("GET %s: %v %v", u, err, resp)
	}
	resp.Body.Close()
	title := playInChromium(t, u)
	var dur, tm float64
	var ready int
	if _, err := fmt.Sscanf(title, "ok duration=%f ready=%d time=%f", &dur, &ready, &tm); err != nil || dur < 4 || dur > 6 || ready < 2 || tm <= 0 {
		t.Fatalf("chromium saw %q", title)
	}
}

// Without ffmpeg the same request gets the still.
func TestRunVideoWithoutFFmpeg(t *testing.T) {
	base, _ := startRun(t, map[string]string{"DATA_DIR": t.TempDir(), "FORMAT_POLICY": "video", "FFMPEG_PATH": "/nonexistent/ffmpeg"})
	if got := post(t, base+"/api/v1/predict", `{"prompt":"x"}`); got["type"] != "image" {
		t.Fatalf("answer %v", got)
	}
}

// fakeFFmpeg writes a script standing in for ffmpeg.
func fakeFFmpeg(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ffmpeg")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}
