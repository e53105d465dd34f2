package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"punchline/pkg/platform/emf"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/providertest"
)

// onlineEnv is the deployed configuration reduced to what the issue names:
// a key and the provider's base URL (the stand-in), on local stores. The
// stand-in answers pictures inline (b64_json), so no download rule for
// loopback is needed either.
func onlineEnv(t *testing.T, prov *providertest.Server) map[string]string {
	prov.Set(func(b *providertest.Behavior) { b.ImageShape = providertest.ShapeDataB64 })
	return map[string]string{"DATA_DIR": t.TempDir(), "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": prov.URL + "/v1"}
}

// With the defaults against the AIML stand-in: every request is judged by
// another family than the one that wrote it, the ranking and the cost are
// recorded, and the stand-in refuses no body against its published schema.
func TestDefaultsAgainstTheAIMLStandIn(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	env := onlineEnv(t, prov)
	base, logs := startRun(t, env)
	for i := 1; i <= 3; i++ {
		got := post(t, base+"/", fmt.Sprintf(`{"result_id":%d,"prompt":"When the deploy works on Friday, take %d"}`, 500+i, i))
		if got["type"] != "image" && got["type"] != "text" {
			t.Fatalf("answer %v", got)
		}
		item := lastItem(t, env["DATA_DIR"], fmt.Sprint(500+i))
		chat, _ := item["chat_model"].(string)
		judge, _ := item["judge_model"].(string)
		rank, _ := item["judge_rank"].([]any)
		if chat == "" || judge == "" || aiml.Developer(chat, nil) == aiml.Developer(judge, nil) || len(rank) == 0 {
			t.Errorf("request %d: written by %q, judged by %q, ranking %v\nlogs %s", i, chat, judge, rank, logs.String())
		}
		cost, _ := item["cost_usd"].(json.Number)
		if f, _ := cost.Float64(); f < providertest.ChatUSD*3 {
			t.Errorf("request %d: cost_usd %v, want the generator, two judgings and a picture", i, item["cost_usd"])
		}
	}
	if r := prov.Refusals(); len(r) > 0 {
		t.Errorf("bodies refused by their published schemas: %q", r)
	}
	if prov.Catalogues.Load() == 0 {
		t.Error("no catalogue check at cold start (the state had none)")
	}
	if !strings.Contains(logs.String(), `"CostUsd":`) {
		t.Error("no CostUsd metric")
	}
	checkEMF(t, logs.String())
}

// Out of credits: the first request makes at most two provider calls (the
// generator and the speculative picture start together), later ones none
// while the breaker is open; every request still gets a meme, and the
// metric the alarm watches says why. Once the breaker closes, calls resume.
func TestOutOfCreditsOpensTheBreaker(t *testing.T) {
	pause := aiml.AccountPause
	aiml.AccountPause = 1500 * time.Millisecond
	defer func() { aiml.AccountPause = pause }()
	prov := providertest.New()
	defer prov.Close()
	env := onlineEnv(t, prov)
	prov.Set(func(b *providertest.Behavior) { b.Account = providertest.AccountNoCredits })
	base, logs := startRun(t, env)
	waitCatalogue(t, prov)

	first := post(t, base+"/", `{"result_id":601,"prompt":"a cat reviews my code"}`)
	if n := prov.TotalCalls(); n > 2 || n == 0 {
		t.Errorf("first request made %d provider calls, want 1 or 2", n)
	}
	after := prov.TotalCalls()
	for i := 2; i <= 4; i++ {
		got := post(t, base+"/", fmt.Sprintf(`{"result_id":%d,"prompt":"a cat reviews my code %d"}`, 600+i, i))
		if got["type"] == nil {
			t.Fatalf("answer %v", got)
		}
	}
	if n := prov.TotalCalls() - after; n != 0 {
		t.Errorf("%d provider calls with the breaker open", n)
	}
	if first["type"] == nil || !regexp.MustCompile(`"ProviderCredits":[12]\b`).MatchString(logs.String()) || !strings.Contains(logs.String(), "provider refuses the account") {
		t.Errorf("answer %v; no ProviderCredits metric or WARN line:\n%s", first, logs.String())
	}

	prov.Set(func(b *providertest.Behavior) { b.Account = providertest.AccountOK })
	time.Sleep(aiml.AccountPause + 100*time.Millisecond)
	post(t, base+"/", `{"result_id":699,"prompt":"credits are back"}`)
	if prov.TotalCalls() == after {
		t.Error("no call after the breaker closed")
	}
}

// A deprecated first image model is called at most twice in all, then
// skipped: the catalogue no longer lists it (or its 404 says so), and the
// next model paints every picture.
func TestDeprecatedImageModelIsSkipped(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	env := onlineEnv(t, prov)
	env["IMAGE_MODELS"] = "flux/schnell,alibaba/z-image-turbo"
	env["RECIPES"] = "scene"
	prov.Set(func(b *providertest.Behavior) { b.Deprecated = []string{"flux/schnell"} })
	base, logs := startRun(t, env)
	for i := 1; i <= 5; i++ {
		post(t, base+"/", fmt.Sprintf(`{"result_id":%d,"prompt":"my plants judging me, part %d"}`, 700+i, i))
		if item := lastItem(t, env["DATA_DIR"], fmt.Sprint(700+i)); item["image_model"] != "alibaba/z-image-turbo" {
			t.Errorf("request %d: image_model %v", i, item["image_model"])
		}
	}
	if n := prov.Calls("flux/schnell"); n > 2 {
		t.Errorf("the deprecated model was called %d times", n)
	}
	if strings.Count(logs.String(), `"ModelUnavailable":1`) != 1 {
		t.Errorf("want one ModelUnavailable line:\n%s", logs.String())
	}
}

// A deprecated judge (the old default) is skipped for the next one on the
// list, without a call to it.
func TestDeprecatedDefaultsAreSkipped(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	env := onlineEnv(t, prov)
	env["JUDGE_MODEL"] = "claude-3-5-haiku-20241022,anthropic/claude-haiku-4.5"
	env["CHAT_MODEL"] = "gpt-4o-mini"
	base, _ := startRun(t, env)
	waitCatalogue(t, prov)
	post(t, base+"/", `{"result_id":801,"prompt":"Cats vs dogs"}`)
	item := lastItem(t, env["DATA_DIR"], "801")
	if item["judge_model"] != "anthropic/claude-haiku-4.5" || prov.Calls("claude-3-5-haiku-20241022") != 0 {
		t.Errorf("judge %v after %d calls to the deprecated one", item["judge_model"], prov.Calls("claude-3-5-haiku-20241022"))
	}
}

// waitCatalogue waits for predict's cold-start catalogue check.
func waitCatalogue(t *testing.T, prov *providertest.Server) {
	t.Helper()
	for i := 0; i < 100 && prov.Catalogues.Load() == 0; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the answer is applied just after it arrives
}

// checkEMF holds every metrics line to the specification.
func checkEMF(t *testing.T, logs string) {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"_aws"`) {
			if err := emf.Validate([]byte(l)); err != nil {
				t.Errorf("%v in %s", err, l)
			}
		}
	}
}

// DAILY_BUDGET_USD: each request books what the provider said it cost;
// once the day's dollars are spent, requests are answered offline
// (fallback budget) without a provider call.
func TestDailyDollarBudget(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	env := onlineEnv(t, prov)
	env["DAILY_BUDGET_USD"] = "0.01"
	base, _ := startRun(t, env)
	var spent float64
	for i := 1; i <= 6; i++ {
		post(t, base+"/", fmt.Sprintf(`{"result_id":%d,"prompt":"rent prices, chapter %d"}`, 900+i, i))
		item := lastItem(t, env["DATA_DIR"], fmt.Sprint(900+i))
		if strings.Contains(fmt.Sprint(item["fallback"]), "budget") {
			if spent < 0.01 {
				t.Errorf("request %d answered offline after $%.4f of $0.01", i, spent)
			}
			before := prov.TotalCalls()
			post(t, base+"/", `{"prompt":"one more"}`)
			if prov.TotalCalls() != before {
				t.Error("a provider call past the dollar budget")
			}
			return
		}
		c, _ := item["cost_usd"].(json.Number)
		f, _ := c.Float64()
		spent += f
	}
	t.Errorf("never reached the $0.01 budget (spent $%.4f)", spent)
}

// Hostile model output within the deadline: a generator answer of 150,000
// "[" and a judge that hangs, then answers 100 KB, are answered in time,
// and a "p": "NaN" candidate is recorded done.
func TestHostileModelOutputIsAnsweredInTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*providertest.Behavior)
	}{
		{"150k brackets", func(b *providertest.Behavior) { b.GeneratorContent = strings.Repeat("[", 150_000) }},
		{"judge hangs, then 100 KB", func(b *providertest.Behavior) {
			b.JudgeDelay, b.JudgeContent = 2400*time.Millisecond, strings.Repeat(`{"ranking":[1,`, 7000)
		}},
		{"p is NaN", func(b *providertest.Behavior) {
			b.GeneratorContent = `{"candidates":[{"recipe":"text","captions":["a joke"],"p":"NaN"},{"recipe":"text","captions":["another"],"p":"Infinity"}]}`
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := providertest.New()
			defer prov.Close()
			env := onlineEnv(t, prov)
			prov.Set(tc.set)
			base, logs := startRun(t, env)
			start := time.Now()
			got := post(t, base+"/", `{"result_id":4100,"prompt":"Cats vs dogs"}`)
			if took := time.Since(start); took > 13*time.Second || got["type"] == nil {
				t.Fatalf("answer %v after %v", got, took)
			}
			if item := lastItem(t, env["DATA_DIR"], "4100"); item["status"] != "done" {
				t.Errorf("item %v\nlogs %s", item, logs.String())
			}
		})
	}
}

// A FIFO named template.yaml under DATA_DIR/templates hung the start for
// ever with the socket bound and /healthz silent; now it is skipped with a
// warning and the server answers at once.
func TestTemplateFIFODoesNotHangStartUp(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "templates", "trap"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "templates", "trap", "template.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	base, logs := startRun(t, map[string]string{"DATA_DIR": dir}) // fails the test unless /healthz answers within 2 s
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("healthz after %v", took)
	}
	post(t, base+"/", `{"prompt":"still serving"}`)
	if !strings.Contains(logs.String(), "not a regular file") {
		t.Errorf("the FIFO was not reported:\n%s", logs.String())
	}
}

// A DATA_DIR that is a file crashed the start (a nil cleanup called);
// now run exits with one line saying what is wrong.
func TestDataDirThatIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := run(context.Background(), envFunc(map[string]string{"DATA_DIR": file, "PORT": "0"}), &out)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), file) {
		t.Fatalf("run: %v", err)
	}
}
