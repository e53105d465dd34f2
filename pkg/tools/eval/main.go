// Command eval runs the evaluation prompt set through the real predict
// pipeline, with the configured provider or, with no key, the provider test
// server, and writes an HTML contact sheet of the answers with every
// candidate and the judge's ranking (`make eval`). With a second
// configuration (`make eval A=… B=…`) it also has the judge compare the two
// winners of each prompt and reports how often B is preferred, with a
// Wilson 95% interval. A local tool, not deployed.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"punchline/pkg/assemble"
	"punchline/pkg/joke"
	"punchline/pkg/meme"
	"punchline/pkg/platform/config"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/providertest"
	"punchline/pkg/stats/report"
)

var (
	//go:embed prompts.yaml
	promptsYAML []byte
	//go:embed page.tmpl
	pageTmpl string
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

// Prompt is one prompt of the set.
type Prompt struct {
	Lang   string `yaml:"lang"`
	Kind   string `yaml:"kind"`
	Prompt string `yaml:"prompt"`
}

// Prompts is the embedded evaluation set.
func Prompts() ([]Prompt, error) {
	var ps []Prompt
	if err := yaml.Unmarshal(promptsYAML, &ps); err != nil {
		return nil, fmt.Errorf("prompts.yaml: %w", err)
	}
	return ps, nil
}

type side struct {
	Config, Type, Media, Text, Recipe, Template, Fallback string
	Lang                                                  string // as recorded (package language)
	LatencyMS                                             int64
	Candidates                                            []candidateRow
	winner                                                *meme.Candidate
}

type candidateRow struct {
	N, Rank                          string
	Recipe, Template, Captions, Plan string
	P                                float64
	Winner                           bool
}

type row struct {
	Prompt, Lang, Kind, Verdict string
	Sides                       []side
}

type configRun struct {
	Name, Describe, Answers string
	Models                  string  // the models the run resolved to (generator, judge)
	CostUSD                 float64 // what its answers cost, from their records
	app                     *assemble.App
	sides                   []side
}

type pairwise struct {
	Judge           string // the model the judge calls were made with
	N, B            int
	Rate, Low, High float64
	// StandIn: the calls went to the AIML stand-in, whose judge prefers
	// the last-written candidate: the result checks plumbing, not humour.
	StandIn bool
	CostUSD float64 // what the judgings cost (0 on the stand-in's own tariff is not real money)
}

// standInNote is what a run on the stand-in says wherever it reports a
// preference: no model judged anything.
const standInNote = "a run on the AIML stand-in checks plumbing only: its judge prefers the last-written candidate, so this is no evidence of which configuration is funnier"

// summary is the pairwise line for the terminal and the page.
func (pw *pairwise) summary() string {
	if pw.StandIn {
		return fmt.Sprintf("pairwise on the AIML stand-in (judge called: %s, a test double): B chosen in %d of %d; %s", pw.Judge, pw.B, pw.N, standInNote)
	}
	return fmt.Sprintf("pairwise (judge %s): B preferred in %d of %d (%.1f%%, 95%% CI %.1f–%.1f%%); judging cost $%.4f", pw.Judge, pw.B, pw.N, pw.Rate, pw.Low, pw.High, pw.CostUSD)
}

// Summary is summary for the page template.
func (pw *pairwise) Summary() string { return pw.summary() }

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fl := flag.NewFlagSet("eval", flag.ContinueOnError)
	out := fl.String("out", filepath.Join(".data", "eval"), "folder for the contact sheet and media")
	n := fl.Int("n", 0, "use the first n prompts (0: all)")
	mix := fl.Int("mix", 0, "use n prompts taken in turn from each language (0: all)")
	a := fl.String("a", "", "configuration A: environment overrides, comma-separated K=V")
	b := fl.String("b", "", "configuration B (optional): environment overrides; compares A and B")
	conc := fl.Int("conc", 2, "requests at once")
	offlineOnly := fl.Bool("offline", false, "answer offline (no provider, no stand-in): the embedded default's memes")
	if err := fl.Parse(args); err != nil {
		return err
	}
	prompts, err := Prompts()
	if err != nil {
		return err
	}
	if *n > 0 && *n < len(prompts) {
		prompts = prompts[:*n]
	}
	if *mix > 0 {
		prompts = mixed(prompts, *mix)
	}
	base := map[string]string{}
	standIn := getenv("PROVIDER_API_KEY") == "" && getenv("PROVIDER_API_KEY_PARAM") == "" && !*offlineOnly
	if *offlineOnly {
		base = map[string]string{"PROVIDER_API_KEY": "", "PROVIDER_API_KEY_PARAM": ""}
		fmt.Fprintln(stdout, "offline: no provider; every answer is the embedded default's")
	}
	if standIn {
		prov := providertest.New()
		defer prov.Close()
		u, _ := url.Parse(prov.URL)
		base = map[string]string{"PROVIDER_API_KEY": "fake", "PROVIDER_BASE_URL": prov.URL, "FETCH_ALLOW_HOSTS": u.Host}
		fmt.Fprintf(stdout, "no provider key: using the AIML stand-in at %s (%s)\n", prov.URL, standInNote)
	}
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	var runs []*configRun
	for _, c := range []struct{ name, overrides string }{{"A", *a}, {"B", *b}} {
		if c.name == "B" && c.overrides == "" {
			break
		}
		cr, err := runConfig(ctx, c.name, c.overrides, base, getenv, prompts, *out, *conc)
		if err != nil {
			return fmt.Errorf("configuration %s: %w", c.name, err)
		}
		defer cr.app.Close()
		runs = append(runs, cr)
		fmt.Fprintf(stdout, "%s (%s): %s\n", cr.Name, cr.Describe, cr.Answers)
		if !standIn && !*offlineOnly {
			fmt.Fprintf(stdout, "%s models: %s; cost of its answers $%.4f\n", cr.Name, cr.Models, cr.CostUSD)
		}
	}
	rows := make([]row, len(prompts))
	for i, p := range prompts {
		rows[i] = row{Prompt: p.Prompt, Lang: p.Lang, Kind: p.Kind}
		for _, cr := range runs {
			rows[i].Sides = append(rows[i].Sides, cr.sides[i])
		}
	}
	var pw *pairwise
	if len(runs) == 2 {
		pw, err = compare(ctx, runs[0].app.Jokes, runs[0].app.Templates, rows)
		if err != nil {
			return err
		}
		pw.StandIn = standIn
		fmt.Fprintln(stdout, pw.summary())
	}
	page := filepath.Join(*out, "index.html")
	if err := writePage(page, runs, rows, pw, standIn); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "contact sheet: %s\n", page)
	for _, cr := range runs {
		pic := filepath.Join(*out, "sheet-"+cr.Name+".jpg")
		if err := writeSheet(pic, *out, cr, rows); err != nil {
			return fmt.Errorf("picture sheet %s: %w", cr.Name, err)
		}
		fmt.Fprintf(stdout, "picture sheet: %s\n", pic)
	}
	return nil
}

// runConfig answers every prompt with one configuration, in-process, with
// local stores under out/<name>.
func runConfig(ctx context.Context, name, overrides string, base map[string]string, getenv func(string) string,
	prompts []Prompt, out string, conc int) (*configRun, error) {
	env := map[string]string{}
	for k, v := range base {
		env[k] = v
	}
	var describe []string
	for _, kv := range strings.Split(overrides, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("override %q: want KEY=VALUE", kv)
		}
		env[strings.TrimSpace(k)] = strings.TrimSpace(v)
		describe = append(describe, kv)
	}
	// Local stores always: an evaluation never writes to the real tables.
	env["DATA_DIR"], env["RESULTS_TABLE"], env["MEDIA_BUCKET"] = filepath.Join(out, name), "", ""
	get := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return getenv(k)
	}
	cfg, err := config.LoadPredict(get)
	if err != nil {
		return nil, err
	}
	cfg.MediaBaseURL = name // links relative to the page
	app, err := assemble.Predict(ctx, cfg, get, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	if len(describe) == 0 {
		describe = []string{"defaults"}
	}
	cr := &configRun{Name: name, Describe: strings.Join(describe, ", "), app: app, sides: make([]side, len(prompts))}
	answers := make([]meme.Answer, len(prompts))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, conc))
	for i, p := range prompts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			answers[i] = app.Pipeline.Generate(ctx, meme.Request{ResultID: int64(i + 1), HasResultID: true, Prompt: p.Prompt}, time.Now())
		}()
	}
	wg.Wait()
	items := map[int64]map[string]any{}
	err = app.Stores.Results.Scan(ctx, func(it map[string]any) error {
		var id int64
		fmt.Sscan(fmt.Sprint(it["result_id"]), &id)
		items[id] = it
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		var usd float64
		fmt.Sscan(fmt.Sprint(it["cost_usd"]), &usd)
		cr.CostUSD += usd
	}
	if app.Jokes != nil {
		cr.Models = "generator " + app.Jokes.Model() + ", judge " + app.Jokes.JudgeModel()
	}
	types := map[string]int{}
	var lat []int64
	for i := range prompts {
		cr.sides[i] = sideOf(name, answers[i], items[int64(i+1)])
		types[answers[i].Type]++
		lat = append(lat, cr.sides[i].LatencyMS)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	cr.Answers = fmt.Sprintf("%d image, %d video, %d text; latency p50 %d ms, p99 %d ms",
		types["image"], types["video"], types["text"], lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)])
	return cr, nil
}

// sideOf is one configuration's answer to a prompt, from its record.
func sideOf(config string, ans meme.Answer, it map[string]any) side {
	s := side{Config: config, Type: ans.Type, Media: ans.URL, Text: meme.CleanText(ans.Text)}
	str := func(k string) string { v, _ := it[k].(string); return meme.CleanText(v) }
	s.Recipe, s.Template, s.Fallback, s.Lang = str("recipe"), str("template"), str("fallback"), str("lang")
	fmt.Sscan(fmt.Sprint(it["latency_ms"]), &s.LatencyMS)
	cands, _ := it["candidates"].([]any)
	rank := map[int]int{}
	if r, ok := it["judge_rank"].([]any); ok {
		for pos, x := range r {
			var c int
			fmt.Sscan(fmt.Sprint(x), &c)
			rank[c] = pos + 1
		}
	}
	pick := -1
	if len(cands) > 0 {
		fmt.Sscan(fmt.Sprint(it["pick"]), &pick)
	}
	for i, c := range cands {
		m, _ := c.(map[string]any)
		// What the page shows passed through CleanText: no control
		// characters or bidi overrides, whatever the record holds.
		get := func(k string) string { v, _ := m[k].(string); return meme.CleanText(v) }
		var caps []string
		if cs, ok := m["captions"].([]any); ok {
			for _, x := range cs {
				caps = append(caps, meme.CleanText(fmt.Sprint(x)))
			}
		}
		var p float64
		fmt.Sscan(fmt.Sprint(m["p"]), &p)
		r := candidateRow{N: fmt.Sprint(i + 1), Recipe: get("recipe"), Template: get("template"),
			Captions: strings.Join(caps, " / "), Plan: planOf(get), P: p, Winner: i == pick}
		if pos, ok := rank[i]; ok {
			r.Rank = fmt.Sprint(pos)
		}
		s.Candidates = append(s.Candidates, r)
		if i == pick {
			s.winner = &meme.Candidate{Recipe: get("recipe"), Template: get("template"), Captions: caps,
				ImagePrompt: get("image_prompt"), Plan: planOf(get), P: p}
		}
	}
	return s
}

// compare has the judge pick between A's and B's winner for each prompt
// (shown in random order) and counts B's wins.
func compare(ctx context.Context, judge *joke.Engine, lib joke.Library, rows []row) (*pairwise, error) {
	if judge == nil || judge.JudgeModel() == "" {
		return nil, errors.New("comparing configurations needs a judge: set a provider key (or none, for the test server) and JUDGE_MODEL")
	}
	model := judge.JudgeModel()
	pw := &pairwise{Judge: model}
	meter := &aiml.Meter{}
	ctx = aiml.WithMeter(ctx, meter)
	defer func() { pw.CostUSD = meter.USD() }()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range rows {
		a, b := rows[i].Sides[0].winner, rows[i].Sides[1].winner
		if a == nil || b == nil {
			rows[i].Verdict = "not compared (an offline answer has no candidate)"
			continue
		}
		order := []int{0, 1}
		if rng.IntN(2) == 1 {
			order = []int{1, 0}
		}
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		rank, err := judge.Judge(jctx, model, joke.Topic(rows[i].Prompt), []meme.Candidate{*a, *b}, order, lib, nil)
		cancel()
		if err != nil {
			rows[i].Verdict = "judge failed: " + err.Error()
			continue
		}
		pw.N++
		if rank[0] == 1 {
			pw.B++
			rows[i].Verdict = "B is funnier"
		} else {
			rows[i].Verdict = "A is funnier"
		}
	}
	if pw.N > 0 {
		lo, hi := report.Wilson(pw.B, pw.N, 1.96)
		pw.Rate, pw.Low, pw.High = 100*float64(pw.B)/float64(pw.N), 100*lo, 100*hi
	}
	return pw, nil
}

func writePage(path string, runs []*configRun, rows []row, pw *pairwise, standIn bool) error {
	t, err := template.New("page").Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).Parse(pageTmpl)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = t.Execute(f, map[string]any{"Configs": runs, "Rows": rows, "Pairwise": pw, "StandIn": standIn, "StandInNote": standInNote})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// planOf is a recorded candidate's plan ("angle" in items written before
// the generator planned first).
func planOf(get func(string) string) string {
	if p := get("plan"); p != "" {
		return p
	}
	return get("angle")
}

// mixed is up to n prompts taken in turn from each language, in the order
// the languages first appear: a sample that shows every language.
func mixed(ps []Prompt, n int) []Prompt {
	var langs []string
	by := map[string][]Prompt{}
	for _, p := range ps {
		if _, ok := by[p.Lang]; !ok {
			langs = append(langs, p.Lang)
		}
		by[p.Lang] = append(by[p.Lang], p)
	}
	var out []Prompt
	for round := 0; len(out) < n; round++ {
		took := false
		for _, l := range langs {
			if round < len(by[l]) && len(out) < n {
				out, took = append(out, by[l][round]), true
			}
		}
		if !took {
			break
		}
	}
	return out
}
