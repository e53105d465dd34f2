// Command smoke checks a deployed predict URL the way the arena uses it
// (`make smoke URL=… TOKEN=…`): a prompt with the token gets a contract
// answer within 15 s and its media downloads and decodes; the same prompt
// without the token gets 401, so the URL is locked. It prints what it saw
// and exits non-zero on the first broken promise.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

func main() {
	u := flag.String("url", "", "the PredictUrl output")
	token := flag.String("token", "", "the token stored in AuthTokenParam (empty: the URL is expected open)")
	prompt := flag.String("prompt", "кот и понедельник", "the prompt to send")
	flag.Parse()
	if err := run(context.Background(), http.DefaultClient, *u, *token, *prompt, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		os.Exit(1)
	}
}

// arenaWait is how long the arena waits for an answer.
const arenaWait = 15 * time.Second

func run(ctx context.Context, hc *http.Client, base, token, prompt string, out io.Writer) error {
	if _, err := url.ParseRequestURI(base); err != nil {
		return fmt.Errorf("url %q: %w", base, err)
	}
	id := time.Now().UnixMilli() // a fresh result_id: a replay would not exercise generation
	start := time.Now()
	status, ans, err := post(ctx, hc, base, token, id, prompt)
	if err != nil {
		return err
	}
	took := time.Since(start)
	if status != http.StatusOK {
		return fmt.Errorf("POST with the token: HTTP %d %v", status, ans)
	}
	if took > arenaWait {
		return fmt.Errorf("answered in %v, past the arena's %v", took.Round(time.Millisecond), arenaWait)
	}
	fmt.Fprintf(out, "answer in %v: type %v\n", took.Round(time.Millisecond), ans["type"])
	switch ans["type"] {
	case "image", "video":
		link, _ := ans["url"].(string)
		n, kind, err := fetchMedia(ctx, hc, link)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "media: %d bytes of %s\n", n, kind)
	case "text":
		if s, _ := ans["text"].(string); strings.TrimSpace(s) == "" {
			return errors.New("a text answer with no text")
		}
		fmt.Fprintln(out, "a text meme: the provider or the budget may be out (see the dashboard)")
	default:
		return fmt.Errorf("answer %v is not a contract answer", ans)
	}
	if token == "" {
		fmt.Fprintln(out, "no token given: not checking that the URL is locked")
		return nil
	}
	status, _, err = post(ctx, hc, base, "", id+1, prompt)
	if err != nil {
		return err
	}
	if status != http.StatusUnauthorized {
		return fmt.Errorf("POST without the token: HTTP %d, want 401 (is the token parameter readable? see SecretsUnreadable)", status)
	}
	fmt.Fprintln(out, "without the token: 401 (locked)")
	return nil
}

func post(ctx context.Context, hc *http.Client, base, token string, id int64, prompt string) (int, map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"result_id": id, "prompt": prompt})
	ctx, cancel := context.WithTimeout(ctx, arenaWait+5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", base, err)
	}
	defer resp.Body.Close()
	var ans map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ans); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("POST %s: HTTP %d with a body that is not JSON: %w", base, resp.StatusCode, err)
	}
	return resp.StatusCode, ans, nil
}

// fetchMedia downloads the answer's link as the arena's viewers would
// (anonymously) and checks it is a JPEG that decodes or an MP4.
func fetchMedia(ctx context.Context, hc *http.Client, link string) (int, string, error) {
	if _, err := url.ParseRequestURI(link); err != nil {
		return 0, "", fmt.Errorf("media link %q: %w", link, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("GET media: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, "", fmt.Errorf("GET media: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("GET media: HTTP %d", resp.StatusCode)
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8}):
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			return 0, "", fmt.Errorf("media JPEG does not decode: %w", err)
		}
		return len(data), "JPEG", nil
	case len(data) > 12 && string(data[4:8]) == "ftyp":
		return len(data), "MP4", nil
	}
	return 0, "", fmt.Errorf("media is neither JPEG nor MP4 (%d bytes, %s)", len(data), resp.Header.Get("Content-Type"))
}
