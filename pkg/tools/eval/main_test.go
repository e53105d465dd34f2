package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/provider/providertest"
)

func TestPromptSet(t *testing.T) {
	ps, err := Prompts()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 60 {
		t.Fatalf("%d prompts, want at least 60", len(ps))
	}
	count := map[string]int{}
	for _, p := range ps {
		count[p.Lang]++
		count[p.Kind]++
		if strings.TrimSpace(p.Prompt) == "" {
			t.Errorf("empty prompt %+v", p)
		}
	}
	for key, least := range map[string]int{"en": 15, "ru": 15, "transcript": 6, "comparison": 6, "list": 4, "question": 4} {
		if count[key] < least {
			t.Errorf("%d %s prompts, want at least %d", count[key], key, least)
		}
	}
	if langs := len(count) - 6; langs < 8 { // kinds are six of the keys
		t.Errorf("only %d languages", langs)
	}
}

// The harness end to end on the AIML stand-in: two configurations, a
// contact sheet whose pictures all load in a real browser, the judge's
// verdicts, and a pairwise line that says plainly it checks plumbing only:
// it names the judge actually called and shows no confidence interval.
func TestEvalSmoke(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	noKey := func(string) string { return "" }
	err := run(context.Background(), []string{"-n", "6", "-a", "RECIPES=scene", "-b", "CANDIDATES=3", "-out", out}, noKey, &stdout)
	if err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	for _, want := range []string{"AIML stand-in", "A (RECIPES=scene): 6 image", "pairwise on the AIML stand-in (judge called: anthropic/claude-haiku-4.5",
		"checks plumbing only", "contact sheet:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "95% CI") || strings.Contains(stdout.String(), "preferred") {
		t.Errorf("a stand-in run presents evidence:\n%s", stdout.String())
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if n := strings.Count(html, `class="row"`); n != 6 {
		t.Errorf("%d rows, want 6", n)
	}
	if n := strings.Count(html, `class="winner"`); n != 12 {
		t.Errorf("%d winners marked, want one per answer (12)", n)
	}
	if !strings.Contains(html, "judge: ") || !strings.Contains(html, "Cybercab") {
		t.Errorf("page lacks verdicts or prompts")
	}
	if !strings.Contains(html, "checks plumbing only") || strings.Contains(html, "95% CI") {
		t.Errorf("the page does not say the run checks plumbing only, or shows an interval")
	}
	// Every picture on the page loads (A's six scene answers at least;
	// B's recipe is drawn per prompt, and a text meme has no picture).
	imgs := strings.Count(html, "<img ")
	if title := mediatest.BrowserTitle(t, "file://"+filepath.Join(out, "index.html")); imgs < 6 || title != fmt.Sprintf("loaded %d of %d", imgs, imgs) {
		t.Errorf("chromium: %q for %d pictures", title, imgs)
	}
}

// With a key (here the stand-in posing as the real provider), the run
// names the models it resolved to and what its answers and judgings cost.
func TestEvalNamesModelsAndCost(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	u, _ := url.Parse(prov.URL)
	env := map[string]string{"PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": prov.URL, "FETCH_ALLOW_HOSTS": u.Host}
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"-n", "3", "-a", "RECIPES=scene", "-b", "CANDIDATES=2", "-out", t.TempDir()}, func(k string) string { return env[k] }, &stdout)
	if err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	for _, want := range []string{"A models: generator openai/gpt-4.1-mini-2025-04-14, judge anthropic/claude-haiku-4.5; cost of its answers $0.0", "95% CI", "judging cost $0.00"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}
