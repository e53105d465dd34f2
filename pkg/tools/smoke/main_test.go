package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"punchline/pkg/assemble"
	"punchline/pkg/platform/config"
)

// app serves the offline predict application with a token, the way a
// deployment answers, with its local media on the same server.
func app(t *testing.T, token string) *httptest.Server {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	env := map[string]string{"DATA_DIR": t.TempDir(), "AUTH_TOKEN": token}
	cfg, err := config.LoadPredict(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.MediaBaseURL = srv.URL
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := assemble.Predict(ctx, cfg, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	h = a.Handler
	return srv
}

func TestSmoke(t *testing.T) {
	locked := app(t, "s3cret")
	open := app(t, "")
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"type":"image","url":"` + "http://" + r.Host + `/nothing.jpg"}`))
	}))
	defer broken.Close()
	for _, tc := range []struct {
		name, url, token string
		wantErr          string
	}{
		{"locked, with the token", locked.URL + "/api/v1/predict", "s3cret", ""},
		{"wrong token", locked.URL + "/api/v1/predict", "guess", "HTTP 401"},
		{"open URL said to be locked", open.URL + "/api/v1/predict", "s3cret", "want 401"},
		{"open URL, no token", open.URL + "/api/v1/predict", "", ""},
		{"media missing", broken.URL, "", "neither JPEG nor MP4"},
		{"not a URL", "nope", "", "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), http.DefaultClient, tc.url, tc.token, "кот и понедельник", &out)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want one about %q", err, tc.wantErr)
			}
			if tc.name == "locked, with the token" && !strings.Contains(out.String(), "401 (locked)") {
				t.Errorf("output:\n%s", out.String())
			}
		})
	}
}
