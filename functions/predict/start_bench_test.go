package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartToReady starts the predict binary as `make run` does
// (offline, local stores, no keys) and times process start to the first
// 200 from /healthz, then the first meme, which pays for the lazily parsed
// fonts. It reports the median and the worst of b.N starts (budget: median
// ≤ 100 ms). Run with -benchtime 20x.
func BenchmarkStartToReady(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "predict")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	var ready, first []float64
	for i := 0; b.Loop(); i++ {
		r, f := startOnce(b, bin, i)
		ready, first = append(ready, r), append(first, f)
	}
	slices.Sort(ready)
	slices.Sort(first)
	b.ReportMetric(ready[len(ready)/2], "ready-p50-ms")
	b.ReportMetric(ready[len(ready)-1], "ready-max-ms")
	b.ReportMetric(first[len(first)/2], "first-meme-p50-ms")
}

// startOnce runs one start: milliseconds to ready, then to the first meme.
func startOnce(b *testing.B, bin string, i int) (readyMs, firstMs float64) {
	dir := b.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = []string{"PORT=0", "LISTEN_ADDR=127.0.0.1", "DATA_DIR=" + dir, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr := ""
	sc := bufio.NewScanner(stdout)
	for addr == "" && sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			addr = line.Addr
		}
	}
	if addr == "" {
		b.Fatal("predict exited before listening")
	}
	go func() { // keep draining the log so the server never blocks on it
		for sc.Scan() {
		}
	}()
	base := "http://" + addr
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > 10*time.Second {
			b.Fatalf("not ready after 10 s: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	readyMs = float64(time.Since(start).Microseconds()) / 1000
	body := fmt.Sprintf(`{"result_id":%d,"prompt":"🔥👍 когда пятница 😂"}`, i+1)
	t := time.Now()
	resp, err := http.Post(base+"/api/v1/predict", "application/json", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("first meme: %s", resp.Status)
	}
	return readyMs, float64(time.Since(t).Microseconds()) / 1000
}
