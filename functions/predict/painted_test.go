package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"punchline/pkg/paint"
	"punchline/pkg/provider/providertest"
)

// paintFolder has the stand-in paint ids into a new folder (make
// templates-paint's work).
func paintFolder(t *testing.T, ids ...string) string {
	t.Helper()
	prov := providertest.New()
	defer prov.Close()
	u, _ := url.Parse(prov.URL)
	o, err := paint.Clients(context.Background(), prov.URL, "k", []string{u.Host}, []string{"flux/schnell"}, []string{"google/veo-3.1-t2v-fast"}, "ffmpeg", 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	o.Seed, o.Out, o.IDs = 1, t.TempDir(), ids
	res, err := paint.Run(context.Background(), o)
	if err != nil || res.Loaded != len(ids) {
		t.Fatalf("painted %+v: %v", res, err)
	}
	return o.Out
}

// With TEMPLATES_DIR set to what the provider painted, predict answers with
// the painted pictures (instead of the drawn formats they stand for) and
// with painted clips that carry their sound, and records them as painted.
func TestRunAnswersWithPaintedTemplates(t *testing.T) {
	dir := paintFolder(t, "distracted", "two-buttons", "prefer-reject", "before-after", "slow-turn-clip", "cat-glass-clip")
	prov := providertest.New()
	defer prov.Close()
	for _, c := range []struct {
		name, recipes, prompt, want string
	}{
		{"picture", "template", "Cats vs dogs", "image"},
		{"clip", "clip", "When the deploy fails on Friday", "video"},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := t.TempDir()
			base, logs := startRun(t, map[string]string{
				"DATA_DIR": data, "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": prov.URL, "SPECULATE": "off",
				"TEMPLATES_DIR": dir, "RECIPES": c.recipes, "JUDGE_MODEL": "off", "CANDIDATES": "2",
			})
			got := post(t, base+"/", `{"result_id":90,"prompt":"`+c.prompt+`"}`)
			item := lastItem(t, data, "90")
			tpl, _ := item["template"].(string)
			if got["type"] != c.want || item["painted"] != true || item["template_source"] != "dir" {
				t.Fatalf("answer %v, item %v\nlogs %s", got, item, logs.String())
			}
			switch c.want {
			case "image":
				if !strings.HasSuffix(tpl, "-photo") {
					t.Errorf("template %q: the drawn format answered, not its painted variant", tpl)
				}
			case "video":
				if !strings.HasSuffix(tpl, "-clip") || item["recipe"] != "clip" {
					t.Errorf("template %q, recipe %v", tpl, item["recipe"])
				}
				if !hasAudio(t, got["url"].(string)) {
					t.Error("the painted clip's answer has no sound track")
				}
			}
		})
	}
	// Offline, the painted variant is preferred too.
	data := t.TempDir()
	base, _ := startRun(t, map[string]string{"DATA_DIR": data, "TEMPLATES_DIR": dir})
	post(t, base+"/", `{"result_id":91,"prompt":"Cats vs dogs"}`)
	if item := lastItem(t, data, "91"); item["painted"] != true || !strings.HasSuffix(item["template"].(string), "-photo") {
		t.Errorf("offline answer %v", item)
	}
}

func hasAudio(t *testing.T, u string) bool {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	path := filepath.Join(t.TempDir(), "answer.mp4")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path).Output()
	return err == nil && strings.TrimSpace(string(out)) != ""
}

// RECIPES=panels: the generator picks a multi-panel format and a picture
// per panel; only the winner's panels are painted, one image call each,
// into the format's drawn picture, and the answer records it.
func TestRunPanelsRecipe(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	data := t.TempDir()
	u, _ := url.Parse(prov.URL)
	base, logs := startRun(t, map[string]string{
		"DATA_DIR": data, "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": prov.URL, "SPECULATE": "off",
		"RECIPES": "panels", "CANDIDATES": "3", "FETCH_ALLOW_HOSTS": u.Host,
	})
	got := post(t, base+"/", `{"result_id":95,"prompt":"Breaking: company announces return to office five days a week"}`)
	item := lastItem(t, data, "95")
	if got["type"] != "image" || item["recipe"] != "panels" || item["painted"] != true || item["strategy"] != "llm-panels" {
		t.Fatalf("answer %v, item %v\nlogs %s", got, item, logs.String())
	}
	cands, _ := item["candidates"].([]any)
	pick := mustInt(t, item["pick"].(json.Number))
	winner, _ := cands[pick].(map[string]any)
	prompts, _ := winner["panel_prompts"].([]any)
	if len(prompts) < 2 || prov.Images.Load() != int64(len(prompts)) {
		t.Errorf("%d image calls for the winner's %d panels (of %d candidates)", prov.Images.Load(), len(prompts), len(cands))
	}
	if r := prov.Refusals(); len(r) > 0 {
		t.Errorf("refused: %q", r)
	}
	// A provider that fails every picture: the drawn panels answer.
	prov.Set(func(b *providertest.Behavior) { b.ImageStatus = 500 })
	got = post(t, base+"/", `{"result_id":96,"prompt":"Breaking: company announces return to office five days a week"}`)
	item = lastItem(t, data, "96")
	if got["type"] != "image" || item["painted"] != nil || item["strategy"] != "llm-template" || !strings.Contains(item["fallback"].(string), "panels") {
		t.Errorf("with pictures failing: answer %v, painted %v, strategy %v, fallback %v", got, item["painted"], item["strategy"], item["fallback"])
	}
}
