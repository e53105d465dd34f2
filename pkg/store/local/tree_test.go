package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLocalTemplateSourcesAreBounded: DATA_DIR/templates followed
// symlinks (to /dev/zero: 3 GB in 10 s), read any file whole, and a FIFO
// named template.yaml hung the start for ever. ReadTree reads regular
// files within the bucket's limits and says what it left out.
func TestLocalTemplateSourcesAreBounded(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "ok"), 0o755))
	must(os.WriteFile(filepath.Join(root, "ok", "template.yaml"), []byte("id: ok"), 0o644))
	must(os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
	must(os.MkdirAll(filepath.Join(root, "fifo"), 0o755))
	must(syscall.Mkfifo(filepath.Join(root, "fifo", "template.yaml"), 0o644))
	must(os.Symlink("/dev/zero", filepath.Join(root, "zero.png")))
	must(os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "leak.yaml")))
	must(os.Symlink(outside, filepath.Join(root, "linked-folder")))
	must(os.Symlink(filepath.Join(root, "ok", "template.yaml"), filepath.Join(root, "alias.yaml"))) // inside: read
	big, err := os.Create(filepath.Join(root, "big.png"))
	must(err)
	must(big.Truncate(MaxFileBytes + 1)) // sparse: no real disk
	big.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	done := make(chan struct{})
	var files map[string][]byte
	var skipped []string
	go func() {
		files, skipped, err = ReadTree(ctx, root)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ReadTree hung")
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || string(files["ok/template.yaml"]) != "id: ok" || string(files["alias.yaml"]) != "id: ok" {
		t.Errorf("files %v", keys(files))
	}
	want := map[string]string{"fifo/template.yaml": "not a regular file", "zero.png": "leaves the folder", "leak.yaml": "leaves the folder",
		"linked-folder": "leaves the folder", "big.png": "over"}
	for name, why := range want {
		found := false
		for _, s := range skipped {
			if strings.HasPrefix(s, name+": ") && strings.Contains(s, why) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s not skipped with %q: %q", name, why, skipped)
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
