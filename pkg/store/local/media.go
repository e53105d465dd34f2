package local

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Media writes media files under dir and links to them under baseURL,
// where the local server serves them at /media/….
type Media struct {
	dir     string
	baseURL string // e.g. http://localhost:8080
}

// NewMedia returns a media store rooted at dir (created if missing).
func NewMedia(dir, baseURL string) (*Media, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("media dir %s: %w", dir, err)
	}
	return &Media{dir: dir, baseURL: strings.TrimRight(baseURL, "/")}, nil
}

// path maps a key to a file, refusing keys that would escape the root.
func (s *Media) path(key string) (string, error) {
	clean := path.Clean("/" + key)
	if clean == "/" || clean != "/"+key || !strings.HasPrefix(clean, "/media/") {
		return "", fmt.Errorf("media key %q: want media/…", key)
	}
	return filepath.Join(s.dir, filepath.FromSlash(clean)), nil
}

// Put writes body atomically (temp file, then rename) so a reader never
// sees half a file.
func (s *Media) Put(_ context.Context, key, _ string, body []byte) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// URL links to key on the local server.
func (s *Media) URL(_ context.Context, key string) (string, error) {
	if _, err := s.path(key); err != nil {
		return "", err
	}
	return s.baseURL + "/" + key, nil
}

// mediaTypes are the files the handler serves: what the pipeline writes.
var mediaTypes = map[string]bool{".jpg": true, ".mp4": true}

// Handler serves GET /media/… from the media folder only: the file server
// is rooted there (results.jsonl and templates beside it are out of reach
// whatever the path decodes to), serves only media files and no listings.
func (s *Media) Handler() http.Handler {
	files := http.StripPrefix("/media", http.FileServer(http.Dir(filepath.Join(s.dir, "media"))))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if !strings.HasPrefix(p, "/media/") || strings.Contains(p, "..") || strings.Contains(p, "\\") ||
			!mediaTypes[strings.ToLower(path.Ext(p))] || strings.HasPrefix(path.Base(p), ".") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "private, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// Files reads every file under prefix (a folder below the media root, such
// as templates/) into memory, keyed by its path below the prefix, within
// the bucket's limits, as s3media.Store.Files does for a bucket (ReadTree:
// no special files, no symlinks out of the folder); skipped says what was
// left out and why. A missing folder has no files.
func (s *Media) Files(ctx context.Context, prefix string) (map[string][]byte, []string, error) {
	root := filepath.Join(s.dir, filepath.FromSlash(path.Clean("/"+prefix)))
	return ReadTree(ctx, root)
}
