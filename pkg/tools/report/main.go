// Command report prints the arena win-rate report for analysts (`make
// report`): from the results table when RESULTS_TABLE is set, else from the
// local store; it also writes report.csv and report.png under
// DATA_DIR/report. A local tool, not deployed. Wiring only; the work is in
// pkg/stats/report.
package main

import (
	"context"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"punchline/pkg/learn"
	"punchline/pkg/platform/config"
	"punchline/pkg/stats/report"
	"punchline/pkg/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	html := getenv("HTML") == "1" // make report HTML=1: also the gallery page
	cfg, err := config.LoadReport(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	stores, closeFn, err := store.Open(ctx, cfg.Stores, getenv)
	if err != nil {
		return err
	}
	defer closeFn()
	src, from := stores.Results, strings.TrimPrefix(stores.ResultsAt, "local:")
	if from == "dynamodb" {
		from = cfg.ResultsTable
	}
	var items []map[string]any
	if err := src.Scan(ctx, func(item map[string]any) error {
		items = append(items, item)
		return nil
	}); err != nil {
		return err
	}
	items = report.WithConflicts(items)
	rows := report.Build(items)
	fmt.Fprintf(stdout, "%d results from %s, %d with a battle\n", len(items), from, battles(items))
	if n := report.Simulated(items); n > 0 {
		fmt.Fprintf(stdout, "simulated votes: %d of these battles come from the stand-in arena (make arena-fake), not from voters; every rate below counts them\n", n)
	}
	fmt.Fprintln(stdout)
	if err := report.WriteTable(stdout, rows); err != nil {
		return err
	}

	dir := filepath.Join(cfg.DataDir, "report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	csvPath, pngPath := filepath.Join(dir, "report.csv"), filepath.Join(dir, "report.png")
	if err := writeFile(csvPath, func(w io.Writer) error { return report.WriteCSV(w, rows) }); err != nil {
		return err
	}
	img, err := report.Chart(rows)
	if err != nil {
		return err
	}
	if err := writeFile(pngPath, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s and %s\n", csvPath, pngPath)

	// What the learning loop sees: the posteriors (as the stats function
	// computes them, with the default window and half-life) and where the
	// traffic went.
	policy := learn.Compute(items, time.Now(), learn.Settings{Window: config.DefaultPolicyWindow, HalfLife: config.DefaultPolicyHalfLife})
	if err := report.Arms(stdout, policy); err != nil {
		return err
	}
	if err := report.ImageModels(stdout, learn.ModelScores(items, nil)); err != nil {
		return err
	}
	if err := report.WriteUplift(stdout, report.JudgeUplift(items)); err != nil {
		return err
	}
	if err := report.WriteCosts(stdout, report.Costs(items)); err != nil {
		return err
	}
	trafficPath := filepath.Join(dir, "traffic.png")
	traffic, err := report.TrafficChart(report.Traffic(items))
	if err != nil {
		return err
	}
	if err := writeFile(trafficPath, func(w io.Writer) error { return png.Encode(w, traffic) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", trafficPath)

	if html {
		galleryPath := filepath.Join(dir, "gallery.html")
		// Local media sit under DATA_DIR, beside the report folder; S3
		// media are not linked (the page shows their captions).
		media := func(key string) string {
			if cfg.ResultsTable != "" {
				return ""
			}
			return "../" + key
		}
		sections := report.Gallery(items, 3, media)
		if err := writeFile(galleryPath, func(w io.Writer) error { return report.WriteGallery(w, sections, report.Simulated(items)) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%d recipes and templates)\n", galleryPath, len(sections))
	}
	return nil
}

func battles(items []map[string]any) int {
	n := 0
	for _, it := range items {
		if it["outcome"] != nil {
			n++
		}
	}
	return n
}

// writeFile writes through a temporary file so a failed run leaves the last
// good report in place.
func writeFile(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
