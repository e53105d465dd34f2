package local

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestPutServeAndConfine(t *testing.T) {
	dir := t.TempDir()
	s, err := NewMedia(dir, "http://localhost:1/")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Put(ctx, "media/2026/11/21/1-ab.jpg", "image/jpeg", []byte("\xff\xd8jpeg")); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.URL(ctx, "media/2026/11/21/1-ab.jpg"); u != "http://localhost:1/media/2026/11/21/1-ab.jpg" {
		t.Errorf("URL %s", u)
	}
	for _, bad := range []string{"../etc/passwd", "media/../../x", "media/", "/media/x", "other/x.jpg", "media/a/../../x"} {
		if err := s.Put(ctx, bad, "x", []byte("x")); err == nil {
			t.Errorf("Put(%q) accepted a key outside media/", bad)
		}
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	// What lies beside the media folder, and what is in it but no media
	// file, must stay out of reach.
	for name, body := range map[string]string{"results.jsonl": "every prompt", "templates/a/template.yaml": "id: a", "media/notes.txt": "x", "media/.put-123": "half"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string]int{
		"/media/2026/11/21/1-ab.jpg": 200, "/media/2026/": 404, "/media/nope.jpg": 404,
		"/media/..%2fresults.jsonl":                404, // the reported attack
		"/media/%2e%2e/results.jsonl":              404,
		"/media/..%2ftemplates/a/template.yaml":    404,
		"/media/2026/..%2f..%2f..%2fresults.jsonl": 404,
		"/results.jsonl":                           404,
		"/media/notes.txt":                         404, // in the folder, not a media file
		"/media/.put-123":                          404,
		"/media/..%5cresults.jsonl":                404,
		"/media/2026/11/21/1-ab.JPG":               404, // no such file: case is kept
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
		if want == 200 && string(body) != "\xff\xd8jpeg" {
			t.Errorf("GET %s body %q", path, body)
		}
	}
}

// Files reads the folder under the media root, keyed below the prefix; a
// missing folder has no files.
func TestMediaFiles(t *testing.T) {
	dir := t.TempDir()
	m, err := NewMedia(dir, "http://localhost")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"templates/a/template.yaml": "id: a", "templates/a/base.png": "png", "media/x.jpg": "meme"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, _, err := m.Files(context.Background(), "templates/")
	if err != nil || len(files) != 2 || string(files["a/template.yaml"]) != "id: a" || string(files["a/base.png"]) != "png" {
		t.Errorf("files %v, %v", files, err)
	}
	if files, _, err := m.Files(context.Background(), "nothing/"); err != nil || len(files) != 0 {
		t.Errorf("missing folder: %v %v", files, err)
	}
	if files, _, err := m.Files(context.Background(), "../../etc/"); err != nil || len(files) != 0 {
		t.Errorf("a prefix cannot leave the root: %v %v", files, err)
	}
}
