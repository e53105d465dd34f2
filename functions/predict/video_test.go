package main

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"punchline/pkg/media/mediatest"
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, clipURL)
	}))
	defer srv.Close()
	return mediatest.BrowserTitle(t, srv.URL)
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
