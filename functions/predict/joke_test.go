package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"punchline/pkg/provider/providertest"
)

// lastItem is the merged local results item for result_id id.
func lastItem(t *testing.T, dir, id string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	item := map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e struct {
			K   string         `json:"k"`
			Set map[string]any `json:"set"`
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		if dec.Decode(&e) == nil && e.K == id {
			for k, v := range e.Set {
				item[k] = v
			}
		}
	}
	return item
}

// With the provider answering like a real model, a request makes one
// generator call and two judgings (time allows), answers with the judged
// winner, and records every candidate, the pick and the ranking. With the
// judge hanging, the generator's favourite answers, on time.
func TestRunJudgesCandidates(t *testing.T) {
	for _, c := range []struct {
		name    string
		set     func(*providertest.Behavior)
		judged  bool
		maxTime time.Duration
	}{
		{"judged", func(*providertest.Behavior) {}, true, 6 * time.Second}, // far under the deadline, with room for -race
		{"judge hangs", func(b *providertest.Behavior) { b.JudgeHang = true }, false, 12 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			prov := providertest.New()
			defer prov.Close()
			prov.Set(c.set)
			dir := t.TempDir()
			base, logs := startRun(t, map[string]string{
				"DATA_DIR": dir, "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": prov.URL, "SPECULATE": "off",
				"JUDGE_MODEL": "anthropic/claude-haiku-4.5", "CHAT_MODEL": "openai/gpt-4.1-mini-2025-04-14",
			})
			start := time.Now()
			// A plainly English prompt: a short one the first language stage
			// doubts loads the second stage's models on first use, which
			// under -race eats the time for the second judging.
			got := post(t, base+"/", `{"result_id":77,"prompt":"Cats versus dogs: which one would you rather live with?"}`)
			if took := time.Since(start); took > c.maxTime {
				t.Errorf("answered after %v", took)
			}
			if got["type"] == nil {
				t.Fatalf("answer %v", got)
			}
			if prov.Chats.Load()-prov.Judges.Load() != 1 || prov.Judges.Load() != 2 {
				t.Errorf("%d generator calls, %d judgings", prov.Chats.Load()-prov.Judges.Load(), prov.Judges.Load())
			}
			item := lastItem(t, dir, "77")
			cands, _ := item["candidates"].([]any)
			rank, _ := item["judge_rank"].([]any)
			pick, _ := item["pick"].(json.Number)
			if len(cands) != 4 || item["judge_model"] != "anthropic/claude-haiku-4.5" || item["chat_model"] != "openai/gpt-4.1-mini-2025-04-14" {
				t.Fatalf("item %v\nlogs %s", item, logs.String())
			}
			winner := cands[mustInt(t, pick)].(map[string]any)
			if item["recipe"] != winner["recipe"] || (winner["template"] != nil && item["template"] != winner["template"]) {
				t.Errorf("answer %v/%v is not the winner %v", item["recipe"], item["template"], winner)
			}
			if c.judged {
				if len(rank) != 4 || rank[0].(json.Number).String() != pick.String() {
					t.Errorf("pick %v, ranking %v", pick, rank)
				}
				if mustInt(t, pick) == 0 {
					t.Errorf("the judged winner is the generator's favourite; the test server's judge should overrule it")
				}
			} else {
				if len(rank) != 0 || mustInt(t, pick) != 0 || !strings.Contains(item["fallback"].(string), "judge") {
					t.Errorf("unjudged: pick %v, ranking %v, fallback %v", pick, rank, item["fallback"])
				}
			}
		})
	}
}

func mustInt(t *testing.T, n json.Number) int {
	t.Helper()
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("not an integer: %q", n)
	}
	return int(i)
}

// With the defaults, the judge takes images (the catalogue says so) and is
// shown the candidates as voters will see them: its request carries
// pictures and never the generator's plans.
func TestDefaultJudgeSeesTheMemes(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	// Recipes with pictures (a text meme is judged as text).
	base, logs := startRun(t, map[string]string{
		"DATA_DIR": t.TempDir(), "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": prov.URL, "SPECULATE": "off",
		"RECIPES": "template,scene",
	})
	// A template's first paint (and the fonts') is a cold start's cost:
	// seconds under -race, past the pictures' share of the judge's slice,
	// when the judge reads descriptions instead ("candidate pictures
	// late"). Each request paints the templates it shortlists, so within a
	// few requests one is judged warm, and that one must carry pictures.
	var judge map[string]any
	var body []byte
	for id := 78; id < 86; id++ {
		if got := post(t, base+"/", fmt.Sprintf(`{"result_id":%d,"prompt":"Cats vs dogs"}`, id)); got["type"] == nil {
			t.Fatalf("answer %v", got)
		}
		judge = prov.LastChatRequest()
		body, _ = json.Marshal(judge)
		if strings.Contains(string(body), `"type":"image"`) {
			break
		}
	}
	if judge["model"] != "anthropic/claude-haiku-4.5" || !strings.Contains(string(body), `"type":"image"`) ||
		!strings.Contains(string(body), "as voters see it") {
		t.Fatalf("the default judge's requests have no pictures: %.600s\nlogs %s", body, logs.String())
	}
	if strings.Contains(string(body), "plan 1") || strings.Contains(string(body), `"plan"`) {
		t.Errorf("the judge is shown the generator's plans: %.600s", body)
	}
	if r := prov.Refusals(); len(r) > 0 {
		t.Errorf("refused by the published schema: %q", r)
	}
}
