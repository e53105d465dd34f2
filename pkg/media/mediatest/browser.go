package mediatest

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// BrowserTitle opens url (http:// or file://) in headless Chromium, lets
// the page run for up to 15 s of virtual time (its scripts report what they
// saw in the title: pictures loaded, a clip played), and returns the
// title. Chromium comes from `make deps`; without it the test fails.
func BrowserTitle(t testing.TB, url string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium missing (run make deps): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(), "--allow-file-access-from-files",
		"--autoplay-policy=no-user-gesture-required", "--virtual-time-budget=15000", "--dump-dom", url)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no title in the page %s", url)
	}
	return m[1]
}
