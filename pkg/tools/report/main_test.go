package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/media/render"
	"punchline/pkg/meme"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/local"
	"punchline/pkg/store/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

type battleStore interface {
	PutGeneration(context.Context, meme.Record) error
	PutBattle(context.Context, int64, meme.BattleSide) (bool, error)
}

func fill(t *testing.T, s battleStore) {
	t.Helper()
	ctx := context.Background()
	for i := int64(1); i <= 12; i++ {
		lang, outcome := "en", "win"
		if i%3 == 0 {
			lang, outcome = "ru", "loss"
		}
		rec := meme.Record{ResultID: i, CreatedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
			Lang: lang, Type: meme.TypeImage, Strategy: "llm-classic", ImageModel: "flux/schnell"}
		if i%2 == 0 {
			rec.Strategy, rec.ImageModel, rec.Template, rec.TemplateSource = "offline-template", "", "two-buttons", "house"
		}
		if err := s.PutGeneration(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutBattle(ctx, i, meme.BattleSide{BattleID: 100 + i, Side: 1, Outcome: outcome, BattleResult: "first", Hash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
}

func check(t *testing.T, dir string, out string) {
	t.Helper()
	if !strings.Contains(out, "12 with a battle") || !strings.Contains(out, "llm-classic") || !strings.Contains(out, "66.7%") ||
		!strings.Contains(out, "two-buttons") {
		t.Errorf("report:\n%s", out)
	}
	f, err := os.Open(filepath.Join(dir, "report", "report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 1+2+1+2+1+2+2+2 { // header; strategy, recipe, model, format, language, template, source
		t.Errorf("csv: %v %v", err, recs)
	}
	p, err := os.Open(filepath.Join(dir, "report", "report.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := png.Decode(p); err != nil {
		t.Errorf("png: %v", err)
	}
}

func TestReportLocal(t *testing.T) {
	dir := t.TempDir()
	s, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s)
	s.Close()
	var out bytes.Buffer
	if err := run(context.Background(), getenv(map[string]string{"DATA_DIR": dir}), &out); err != nil {
		t.Fatal(err)
	}
	check(t, dir, out.String())
}

func TestReportDynamoDB(t *testing.T) {
	moto := mototest.Start(t)
	table := moto.ResultsTable(t)
	fill(t, dynamo.NewResults(moto.DynamoDB(), table))
	dir := t.TempDir()
	env := moto.Env()
	env["RESULTS_TABLE"], env["DATA_DIR"] = table, dir
	var out bytes.Buffer
	if err := run(context.Background(), getenv(env), &out); err != nil {
		t.Fatal(err)
	}
	check(t, dir, out.String())
}

// The learning loop made visible: posteriors per arm, the traffic chart,
// and with HTML=1 a gallery whose pictures all load in headless Chromium.
func TestReportPolicyAndGallery(t *testing.T) {
	dir := t.TempDir()
	s, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	media, err := local.NewMedia(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	id := int64(0)
	for day := 0; day < 6; day++ {
		for _, recipe := range []string{"template", "scene", "text"} {
			for k := 0; k < 3+day*(map[string]int{"template": 2}[recipe]); k++ {
				id++
				at := now.Add(-time.Duration(6-day) * 24 * time.Hour).Add(time.Duration(k) * time.Minute)
				prompt := fmt.Sprintf("prompt %d", id)
				if recipe == "text" {
					prompt = strings.Repeat("a very long chat transcript line ", 100) // folded on the page
				}
				rec := meme.Record{ResultID: id, CreatedAt: at, Prompt: prompt, Lang: "ru", Type: meme.TypeImage,
					Caption: "caption " + recipe, Strategy: "llm-" + recipe, Status: meme.StatusDone, Choice: meme.Choice{Recipe: recipe}}
				if recipe == "template" {
					rec.Template, rec.TemplateSource = "two-buttons", "house"
				}
				if recipe == "text" {
					rec.Type, rec.Text = meme.TypeText, "a text meme"
				} else {
					jpg, _, err := render.MemeJPEG(mediatest.Scene(200, 200), render.Caption{Top: recipe, Bottom: fmt.Sprint(id)})
					if err != nil {
						t.Fatal(err)
					}
					rec.MediaKey = fmt.Sprintf("media/x/%d.jpg", id)
					if err := media.Put(ctx, rec.MediaKey, "image/jpeg", jpg); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.PutGeneration(ctx, rec); err != nil {
					t.Fatal(err)
				}
				outcome := map[string]string{"template": "win", "scene": "loss", "text": "meh"}[recipe]
				if _, err := s.PutBattle(ctx, id, meme.BattleSide{BattleID: id, BattleDate: at.Format(meme.TimeLayout), OpponentResultID: 900000 + id,
					Side: 1, Outcome: outcome, VotesFirst: int64(k + 1), VotesSecond: 2, Hash: "h"}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	s.Close()
	var out bytes.Buffer
	if err := run(ctx, getenv(map[string]string{"DATA_DIR": dir, "HTML": "1"}), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"learned policy", "template/ru/statement", "scene/ru/statement", "traffic.png", "gallery.html"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if i, j := strings.Index(out.String(), "template/ru/statement"), strings.Index(out.String(), "scene/ru/statement"); i > j {
		t.Errorf("the most battled arm should come first")
	}
	f, err := os.Open(filepath.Join(dir, "report", "traffic.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() < 500 {
		t.Errorf("traffic chart: %v", err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report", "gallery.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"recipe template", "recipe scene", "recipe text", "template two-buttons", "a text meme",
		"ours : theirs", "% wins of ", "<details>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("gallery lacks %q", want)
		}
	}
	if strings.Contains(string(page), "Simulated votes") {
		t.Error("real battles called simulated")
	}
	imgs := strings.Count(string(page), "<img ")
	if title := mediatest.BrowserTitle(t, "file://"+filepath.Join(dir, "report", "gallery.html")); imgs == 0 || title != fmt.Sprintf("loaded %d of %d", imgs, imgs) {
		t.Errorf("chromium: %q for %d pictures", title, imgs)
	}
}

// make arena-fake's battles are simulated votes, and the report says so
// wherever it counts them: in the terminal and on the gallery page.
func TestSimulatedVotesAreSaid(t *testing.T) {
	dir := t.TempDir()
	s, err := local.OpenResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := int64(1); i <= 3; i++ {
		rec := meme.Record{ResultID: i, CreatedAt: time.Now().UTC(), Prompt: "p", Type: meme.TypeText, Text: "t", Strategy: "offline-text", Status: meme.StatusDone,
			Choice: meme.Choice{Recipe: "text"}}
		if err := s.PutGeneration(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutBattle(ctx, i, meme.BattleSide{BattleID: meme.SimulatedBattles + i, Side: 1, Outcome: "win", Hash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	var out bytes.Buffer
	if err := run(ctx, getenv(map[string]string{"DATA_DIR": dir, "HTML": "1"}), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "simulated votes: 3 of these battles") {
		t.Errorf("report:\n%s", out.String())
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report", "gallery.html"))
	if !strings.Contains(string(page), "Simulated votes:") {
		t.Error("the gallery does not say the votes are simulated")
	}
	csvData, _ := os.ReadFile(filepath.Join(dir, "report", "report.csv"))
	if lines := strings.Split(string(csvData), "\n"); !strings.HasSuffix(lines[0], ",simulated") || !strings.HasSuffix(lines[1], ",3") {
		t.Errorf("csv does not count the simulated battles:\n%s", csvData)
	}
}
