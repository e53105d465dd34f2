package paint

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"punchline/pkg/media/templates"
	"punchline/pkg/provider/providertest"
	"punchline/pkg/store/local"
)

// Options for a run on the stand-in, into a new folder.
func standIn(t *testing.T, prov *providertest.Server, ids ...string) Options {
	t.Helper()
	u, _ := url.Parse(prov.URL)
	o, err := Clients(context.Background(), prov.URL, "k", []string{u.Host}, []string{"flux/schnell", "alibaba/z-image-turbo"},
		[]string{"google/veo-3.1-t2v-fast", "bytedance/seedance-1-5-pro"}, "ffmpeg", 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	o.Seed, o.Out, o.IDs = 7, t.TempDir(), ids
	return o
}

// The whole library on the stand-in: at least 12 picture and 6 clip
// templates, every one loading as predict loads a folder, their provenance
// recorded, no call refused by its published schema.
func TestRunPaintsTheLibrary(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	o := standIn(t, prov)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pictures < 12 || res.Clips < 6 || res.Loaded != res.Pictures+res.Clips {
		t.Fatalf("painted %+v", res)
	}
	if r := prov.Refusals(); len(r) > 0 {
		t.Errorf("refused by the published schema: %q", r)
	}
	files, _, err := local.ReadTree(context.Background(), o.Out)
	if err != nil {
		t.Fatal(err)
	}
	ts, problems := templates.Load(templates.Files(files), templates.SourceDir)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	byID := map[string]*templates.Template{}
	for _, tp := range ts {
		byID[tp.ID] = tp
		pv := tp.License.Provenance
		if pv == nil || pv.Model == "" || pv.Prompt == "" || pv.Date == "" || pv.Terms == "" {
			t.Errorf("%s: provenance %+v", tp.ID, pv)
		}
	}
	// A photo variant keeps its format's boxes and stands for it; a plain
	// caption over the photo gets a ground; a panel format records each
	// panel's prompt.
	d, cmm, pk := byID["distracted-photo"], byID["change-my-mind-photo"], byID["panik-kalm-photo"]
	if d == nil || d.PaintedFrom != "distracted" || len(d.Boxes) != 3 || d.Kind != templates.KindImage {
		t.Fatalf("distracted-photo %+v", d)
	}
	if cmm == nil || cmm.Boxes[0].Style != "label" {
		t.Errorf("change-my-mind-photo's sign caption is not legible on a photo: %+v", cmm)
	}
	if pk == nil || !strings.Contains(pk.License.Provenance.Prompt, "panel 3:") || pk.Boxes[3].Style != "plain" {
		t.Errorf("panik-kalm-photo: panels %q, the caption beside the panels %q", pk.License.Provenance.Prompt, pk.Boxes[3].Style)
	}
	// A clip template: H.264 at most 720p and 6 s, with its sound.
	c := byID["cat-glass-clip"]
	if c == nil || c.Kind != templates.KindClip || c.Speech == "" || c.License.Provenance.Seed != 7 {
		t.Fatalf("cat-glass-clip %+v", c)
	}
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, c.AssetData(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			Height    int    `json:"height"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	_ = json.Unmarshal(out, &p)
	kinds := ""
	for _, s := range p.Streams {
		kinds += s.CodecType + " "
		if s.CodecType == "video" && s.Height > 720 {
			t.Errorf("clip is %d pixels high", s.Height)
		}
	}
	if d, _ := strconv.ParseFloat(p.Format.Duration, 64); !strings.Contains(kinds, "audio") || d > 6.1 || d < 3 {
		t.Errorf("clip streams %q, %s s", kinds, p.Format.Duration)
	}
}

// A failing model is retried and the next one paints; an account out of
// credits stops the run with the reason; IDs limit the run.
func TestRunFailures(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	prov.Set(func(b *providertest.Behavior) {
		b.ImageLatency = nil
		b.Deprecated = []string{"flux/schnell"}
	})
	res, err := Run(context.Background(), standIn(t, prov, "shocked"))
	if err != nil || res.Pictures != 1 || res.Clips != 0 {
		t.Fatalf("with the first model gone: %+v, %v", res, err)
	}
	if prov.Calls("alibaba/z-image-turbo") != 1 {
		t.Errorf("the second model painted %d times", prov.Calls("alibaba/z-image-turbo"))
	}
	prov.Set(func(b *providertest.Behavior) { b.Account = providertest.AccountNoCredits })
	if _, err := Run(context.Background(), standIn(t, prov, "shocked", "facepalm-clip")); err == nil || !strings.Contains(err.Error(), "credits") {
		t.Errorf("out of credits: %v", err)
	}
}
