package report

import (
	"bytes"
	"encoding/csv"
	"image"
	"image/color"
	"math"
	"punchline/pkg/learn"
	"strings"
	"testing"
)

func TestWilson(t *testing.T) {
	cases := []struct {
		k, n   int
		lo, hi float64
	}{
		{5, 10, 0.2366, 0.7634},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{81, 263, 0.2553, 0.3662},
		{0, 0, 0, 0},
	}
	for _, c := range cases {
		lo, hi := Wilson(c.k, c.n, 1.96)
		if math.Abs(lo-c.lo) > 5e-4 || math.Abs(hi-c.hi) > 5e-4 {
			t.Errorf("Wilson(%d, %d) = (%.4f, %.4f), want (%.4f, %.4f)", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
}

func items() []map[string]any {
	var out []map[string]any
	add := func(n int, strategy, model, typ, lang, outcome string) {
		for i := 0; i < n; i++ {
			out = append(out, map[string]any{"strategy": strategy, "image_model": model, "type": typ, "lang": lang, "outcome": outcome})
		}
	}
	out = append(out, map[string]any{"strategy": "offline-template", "template": "two-buttons", "template_source": "house", "type": "image", "lang": "en", "outcome": "win"},
		map[string]any{"strategy": "offline-template", "template": "two-buttons", "template_source": "house", "type": "image", "lang": "en", "outcome": "loss"},
		map[string]any{"strategy": "offline-template", "template": "chat", "template_source": "dir", "type": "image", "lang": "ru", "outcome": "win"})
	add(6, "llm-classic", "flux/schnell", "image", "en", "win")
	add(3, "llm-classic", "flux/schnell", "image", "ru", "loss")
	add(1, "llm-classic", "flux/schnell", "image", "ru", "meh")
	add(2, "offline-card", "", "image", "en", "tie")
	add(2, "offline-card", "", "image", "en", "pending")
	add(1, "llm-text", "", "text", "en", "unknown")
	out = append(out, map[string]any{"strategy": "llm-classic", "type": "image"}) // no battle yet
	return out
}

func TestBuild(t *testing.T) {
	rows := Build(items())
	get := func(dim, value string) Row {
		for _, r := range rows {
			if r.Dimension == dim && r.Value == value {
				return r
			}
		}
		t.Fatalf("no row %s=%s in %+v", dim, value, rows)
		return Row{}
	}
	r := get("strategy", "llm-classic")
	if r.Battles != 10 || r.Decided() != 10 || r.Wins != 6 || r.Mehs != 1 || math.Abs(r.WinRate-0.6) > 1e-9 || math.Abs(r.MehRate-0.1) > 1e-9 {
		t.Errorf("llm-classic: %+v", r)
	}
	if r := get("strategy", "offline-card"); r.Battles != 4 || r.Decided() != 2 || r.Pending != 2 || r.WinRate != 0 {
		t.Errorf("offline-card: %+v", r)
	}
	if r := get("image model", "(none)"); r.Battles != 8 || r.Unknown != 1 {
		t.Errorf("no image model: %+v", r)
	}
	if r := get("template", "two-buttons"); r.Battles != 2 || r.Wins != 1 || r.WinRate != 0.5 {
		t.Errorf("two-buttons: %+v", r)
	}
	if r := get("template source", "dir"); r.Battles != 1 || r.Wins != 1 {
		t.Errorf("dir templates: %+v", r)
	}
	if r := get("template", "(none)"); r.Battles != 15 {
		t.Errorf("scene memes: %+v", r)
	}
	if r := get("language", "ru"); r.Battles != 5 || r.Losses != 3 {
		t.Errorf("ru: %+v", r)
	}
	if rows[0].Dimension != "strategy" || rows[0].Value != "llm-classic" {
		t.Errorf("first row %+v: want strategies first, most decided first", rows[0])
	}
}

func TestCSVAndTable(t *testing.T) {
	rows := Build(items())
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rows)+1 || recs[0][10] != "win_rate" || recs[1][0] != "strategy" || recs[1][10] != "0.6000" {
		t.Errorf("csv %v", recs[:2])
	}
	buf.Reset()
	if err := WriteTable(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "60.0%") || !strings.Contains(buf.String(), "llm-classic") {
		t.Errorf("table:\n%s", buf.String())
	}
}

func TestChart(t *testing.T) {
	img, err := Chart(Build(items()))
	if err != nil {
		t.Fatal(err)
	}
	if img.Rect.Dx() != chartW || img.Rect.Dy() < 300 {
		t.Errorf("chart %v", img.Rect)
	}
	// The llm-classic bar: 60% of the bar width in the win colour.
	found := 0
	for y := 0; y < img.Rect.Dy(); y++ {
		if img.RGBAAt(barX0+barW*59/100, y) == winBar && img.RGBAAt(barX0+barW*61/100, y) != winBar {
			found++
		}
	}
	if found == 0 {
		t.Error("no bar ends at 60%")
	}
}

func TestCosts(t *testing.T) {
	items := []map[string]any{
		{"recipe": "scene", "chat_model": "openai/gpt-4.1-mini-2025-04-14", "image_model": "flux/schnell", "cost_usd": 0.006, "outcome": "win"},
		{"recipe": "scene", "chat_model": "openai/gpt-4.1-mini-2025-04-14", "image_model": "flux/schnell", "cost_usd": 0.004, "outcome": "loss"},
		{"recipe": "template", "chat_model": "openai/gpt-4.1-mini-2025-04-14", "cost_usd": 0.002},
		{"recipe": "template", "image_model": "offline"}, // offline: no cost
	}
	rows := Costs(items)
	var scene, chat *CostRow
	for i, r := range rows {
		switch {
		case r.Dimension == "recipe" && r.Value == "scene":
			scene = &rows[i]
		case r.Dimension == "chat model":
			chat = &rows[i]
		}
	}
	if scene == nil || scene.Memes != 2 || scene.Wins != 1 || math.Abs(scene.PerMeme()-0.005) > 1e-9 || math.Abs(scene.PerWin()-0.01) > 1e-9 {
		t.Fatalf("scene %+v", scene)
	}
	if chat == nil || chat.Memes != 3 || math.Abs(chat.USD-0.012) > 1e-9 {
		t.Errorf("chat model %+v", chat)
	}
	var b strings.Builder
	if err := WriteCosts(&b, rows); err != nil || !strings.Contains(b.String(), "per win") || !strings.Contains(b.String(), "0.0100") {
		t.Errorf("%v\n%s", err, b.String())
	}
	b.Reset()
	if err := WriteCosts(&b, nil); err != nil || !strings.Contains(b.String(), "no result has a recorded cost") {
		t.Errorf("empty: %s", b.String())
	}
}

func TestWithConflicts(t *testing.T) {
	items := []map[string]any{
		{"result_id": 1, "prompt": "preset", "outcome": "loss"},
		{"result_id": 2, "prompt": "p2", "conflict": map[string]any{"h": map[string]any{"prompt": "arena", "outcome": "win", "recipe": "scene"}}},
	}
	all := WithConflicts(items)
	if len(all) != 3 || all[2]["prompt"] != "arena" || all[2]["result_id"] != 2 || all[2]["conflict_answer"] != true {
		t.Fatalf("%v", all)
	}
	for _, r := range Build(all) {
		if r.Dimension == "recipe" && r.Value == "scene" && r.Wins != 1 {
			t.Errorf("the conflicting answer's win is not counted: %+v", r)
		}
	}
}

// What lost and why, and what is not there yet: results without a battle
// count as pending, empty sections say why in one line, an empty traffic
// chart says "no data", and a template with under 5 battles gets no bar.
func TestReportSaysWhatIsMissing(t *testing.T) {
	items := []map[string]any{
		{"created_at": "2026-12-01T10:00:00.000Z", "strategy": "offline-template", "template": "tweet"},
		{"created_at": "2026-12-01T10:00:00.000Z", "strategy": "offline-template", "template": "tweet", "outcome": "win"},
		{"battle_id": 5, "outcome": "win"}, // a battle side of a result that is not ours
	}
	var tweet *Row
	for _, r := range Build(items) {
		if r.Dimension == "template" && r.Value == "tweet" {
			r := r
			tweet = &r
		}
	}
	if tweet == nil || tweet.Pending != 1 || tweet.Wins != 1 || tweet.Battles != 1 {
		t.Fatalf("tweet %+v", tweet)
	}
	var b strings.Builder
	if err := Arms(&b, learn.Policy{}); err != nil || !strings.Contains(b.String(), "no arms yet") {
		t.Errorf("arms: %v %q", err, b.String())
	}
	b.Reset()
	if err := ImageModels(&b, nil); err != nil || !strings.Contains(b.String(), "no image model tried yet") {
		t.Errorf("image models: %q", b.String())
	}
	empty, err := TrafficChart(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The note is drawn where the lines would be: the empty chart has ink
	// there, a chart with one flat line at 100 % has none at mid-height.
	mid := inkedRow(empty, 260)
	full, err := TrafficChart([]Share{{Day: "2026-12-01", Counts: map[string]int{"scene": 1}, Total: 1}, {Day: "2026-12-02", Counts: map[string]int{"scene": 1}, Total: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if mid == 0 || inkedRow(full, 260) != 0 {
		t.Errorf("empty chart: %d dark pixels at mid-height, chart with data: %d", mid, inkedRow(full, 260))
	}
	chart, err := Chart(Build(items))
	if err != nil {
		t.Fatal(err)
	}
	winBlue := 0
	for i := 0; i+3 < len(chart.Pix); i += 4 {
		if c := (color.RGBA{chart.Pix[i], chart.Pix[i+1], chart.Pix[i+2], 255}); c == winBar {
			winBlue++
		}
	}
	if winBlue != 0 {
		t.Errorf("%d win-bar pixels for sections of one battle, want none", winBlue)
	}
}

// inkedRow counts the grey or dark pixels of row y of img's plot area.
func inkedRow(img *image.RGBA, y int) int {
	n := 0
	for x := 120; x < 800; x++ {
		c := img.RGBAAt(x, y)
		if int(c.R)+int(c.G)+int(c.B) < 3*200 {
			n++
		}
	}
	return n
}

// The gallery shows a "worst" row only when it is worse than the best.
func TestGalleryWorstOnlyWhenDifferent(t *testing.T) {
	var items []map[string]any
	for i := 0; i < 8; i++ {
		items = append(items, map[string]any{"recipe": "scene", "outcome": "win", "votes_first": 3, "votes_second": 1, "prompt": "p"})
	}
	secs := Gallery(items, 3, func(string) string { return "" })
	if len(secs) != 1 || len(secs[0].Best) != 3 || len(secs[0].Worst) != 0 || secs[0].N != 8 || secs[0].WinRate() != 100 {
		t.Fatalf("%+v", secs)
	}
	items = append(items, map[string]any{"recipe": "scene", "outcome": "loss", "votes_first": 0, "votes_second": 4, "prompt": "p"})
	if secs := Gallery(items, 3, func(string) string { return "" }); len(secs[0].Worst) == 0 {
		t.Errorf("a loss among wins: no worst row")
	}
}

// The judge's uplift: judged answers against held-out ones, with
// Newcombe's interval; answers no judge ranked are in neither arm.
func TestJudgeUplift(t *testing.T) {
	var items []map[string]any
	add := func(n, wins int, holdout bool) {
		for i := range n {
			it := map[string]any{"judge_model": "anthropic/claude-haiku-4.5", "judge_rank": []any{1.0, 0.0}, "outcome": "loss"}
			if i < wins {
				it["outcome"] = "win"
			}
			if holdout {
				it["judge_holdout"] = true
			}
			items = append(items, it)
		}
	}
	add(60, 36, false)
	add(40, 16, true)
	items = append(items,
		map[string]any{"judge_model": "x", "outcome": "win"},                        // the judge failed: no rank
		map[string]any{"outcome": "win"},                                            // not judged
		map[string]any{"judge_model": "x", "judge_rank": []any{0.0}, "outcome": ""}, // no battle yet
	)
	u := JudgeUplift(items)
	if u.Judged.Battles != 60 || u.Judged.Wins != 36 || u.Holdout.Battles != 40 || u.Holdout.Wins != 16 {
		t.Fatalf("arms %+v %+v", u.Judged, u.Holdout)
	}
	if math.Abs(u.Diff-0.2) > 1e-9 || !(u.Low < u.Diff && u.Diff < u.High) || math.Abs(u.Low-0.0013) > 0.01 || math.Abs(u.High-0.378) > 0.01 {
		t.Errorf("uplift %.4f (%.4f..%.4f), want 0.2 (about 0.00..0.38)", u.Diff, u.Low, u.High)
	}
	var b strings.Builder
	if err := WriteUplift(&b, u); err != nil || !strings.Contains(b.String(), "uplift: +20.0 points") {
		t.Errorf("table:\n%s", b.String())
	}
	b.Reset()
	if err := WriteUplift(&b, JudgeUplift(nil)); err != nil || !strings.Contains(b.String(), "no data yet") {
		t.Errorf("empty table:\n%s", b.String())
	}
}
