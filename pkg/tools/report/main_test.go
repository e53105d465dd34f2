package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
