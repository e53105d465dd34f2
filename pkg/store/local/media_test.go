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
	for path, want := range map[string]int{"/media/2026/11/21/1-ab.jpg": 200, "/media/2026/": 404, "/media/nope.jpg": 404} {
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
	files, err := m.Files(context.Background(), "templates/")
	if err != nil || len(files) != 2 || string(files["a/template.yaml"]) != "id: a" || string(files["a/base.png"]) != "png" {
		t.Errorf("files %v, %v", files, err)
	}
	if files, err := m.Files(context.Background(), "nothing/"); err != nil || len(files) != 0 {
		t.Errorf("missing folder: %v %v", files, err)
	}
	if files, err := m.Files(context.Background(), "../../etc/"); err != nil || len(files) != 0 {
		t.Errorf("a prefix cannot leave the root: %v %v", files, err)
	}
}
