package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"punchline/pkg/media/templates"
	"punchline/pkg/meme"
)

func houseLibrary(t testing.TB, extra ...map[string][]byte) *templates.Library {
	t.Helper()
	house, problems := templates.Load(templates.House(), templates.SourceHouse)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	sets := [][]*templates.Template{house}
	for _, files := range extra {
		ts, problems := templates.Load(templates.Files(files), templates.SourceDir)
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		sets = append(sets, ts)
	}
	return templates.NewLibrary(sets...)
}

// A clip template whose fits make the offline picker choose it for any
// statement it is offered with.
var clipFiles = map[string][]byte{
	"clip-test/template.yaml": []byte(`id: clip-test
kind: clip
asset: clip.mp4
trim: [0.5, 2.5]
speech: none
boxes:
  - {x: 0, y: 0, w: 1, h: 0.2, role: caption, style: bar}
about: {en: "A test clip."}
use_when: "tests"
fits: [question]
license: {source: "test", holder: "us", license: "CC0-1.0"}
`),
	"clip-test/clip.mp4": append([]byte{0, 0, 0, 32}, []byte("ftypisom0000000000000000")...),
}

func TestTemplateMemes(t *testing.T) {
	failPlan := planFunc(func(context.Context, string) (meme.Plan, error) { return meme.Plan{}, errors.New("planner down") })
	unknown := planFunc(func(context.Context, string) (meme.Plan, error) {
		return meme.Plan{Lang: "en", Format: "image", Template: "no-such-template", Captions: []string{"x"}, Text: "t", ImagePrompt: "cat"}, nil
	})
	tests := []struct {
		name      string
		offline   bool
		planner   Planner
		prompt    string
		clipper   *fakeClipper
		policy    string
		wantType  string
		wantStrat string
		wantFall  string
		wantTpl   bool
		wantRung  string
	}{
		{"offline: a template meme", true, nil, "Cats vs dogs", nil, "auto", "image", "offline-template", "", true, "full"},
		{"planner down: the offline template", false, failPlan, "Cats vs dogs", nil, "auto", "image", "offline-template", "plan", true, "template"},
		{"unknown template: the scene meme", false, unknown, "Cats vs dogs", nil, "auto", "image", "offline-classic", "template", false, "full"},
		{"template as a clip", true, nil, "Cats vs dogs", &fakeClipper{}, "video", "video", "offline-video", "", true, "full"},
		{"clip template", true, nil, "Is cereal a soup?", &fakeClipper{}, "auto", "video", "offline-template-clip", "", true, "full"},
		{"clip template fails: the scene meme", true, nil, "Is cereal a soup?", &fakeClipper{err: errors.New("ffmpeg: exit 1")}, "auto", "image", "offline-classic", "video,template", false, "full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results := &memResults{}
			media := &memMedia{objs: map[string][]byte{}}
			lib := houseLibrary(t)
			if strings.HasPrefix(tt.name, "clip template") {
				lib = templates.NewLibrary(lib.All(), mustLoad(t, clipFiles)) // only the clip fits a question here
				lib = onlyClip(lib)
			}
			o := Options{Offline: tt.offline, Planner: tt.planner, Imager: goodImage(), Media: media, Results: results,
				Templates: lib, Deadline: 8 * time.Second, FormatPolicy: tt.policy}
			if tt.clipper != nil {
				o.Video = tt.clipper
			}
			var logs strings.Builder
			o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			ans := New(o).Generate(context.Background(), meme.Request{ResultID: 9, HasResultID: true, Prompt: tt.prompt}, time.Now())
			if ans.Type != tt.wantType {
				t.Fatalf("answer %+v, want %s", ans, tt.wantType)
			}
			rec := results.records()[0]
			if rec.Strategy != tt.wantStrat || rec.Fallback != tt.wantFall {
				t.Errorf("strategy %q fallback %q, want %q %q", rec.Strategy, rec.Fallback, tt.wantStrat, tt.wantFall)
			}
			if got := rec.Template != ""; got != tt.wantTpl {
				t.Errorf("template %q (%s), want one: %v", rec.Template, rec.TemplateSource, tt.wantTpl)
			}
			if tt.wantTpl && (rec.TemplateSource == "" || rec.Caption == "" || rec.ImageModel != "") {
				t.Errorf("record %+v", rec)
			}
			if m := emfLine(t, []byte(logs.String())); m["Rung"] != tt.wantRung {
				t.Errorf("rung %v, want %s", m["Rung"], tt.wantRung)
			}
			if tt.policy == "video" && len(tt.clipper.specs) != 1 {
				t.Errorf("clip renders %d", len(tt.clipper.specs))
			}
		})
	}
}

func mustLoad(t testing.TB, files map[string][]byte) []*templates.Template {
	t.Helper()
	ts, problems := templates.Load(templates.Files(files), templates.SourceDir)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return ts
}

// onlyClip keeps the clip and every template that does not fit questions.
func onlyClip(lib *templates.Library) *templates.Library {
	var keep []*templates.Template
	for _, tp := range lib.All() {
		q := false
		for _, f := range tp.Fits {
			q = q || f == "question"
		}
		if tp.Kind == templates.KindClip || !q {
			keep = append(keep, tp)
		}
	}
	return templates.NewLibrary(keep)
}

// Without ffmpeg a clip template is never chosen.
func TestClipTemplatesNeedVideo(t *testing.T) {
	lib := onlyClip(templates.NewLibrary(houseLibrary(t).All(), mustLoad(t, clipFiles)))
	p := New(Options{Offline: true, Templates: lib})
	for _, tp := range p.usable() {
		if tp.Kind == templates.KindClip {
			t.Fatalf("%s offered without video", tp.ID)
		}
	}
}

// A template the planner chose is the full answer, not a fallback rung.
func TestPlannedTemplateIsFullRung(t *testing.T) {
	planned := planFunc(func(context.Context, string) (meme.Plan, error) {
		return meme.Plan{Lang: "en", Format: "image", Template: "two-buttons", Captions: []string{"a", "b", "c"}, Text: "t"}, nil
	})
	var logs strings.Builder
	results := &memResults{}
	New(Options{Planner: planned, Imager: goodImage(), Media: &memMedia{objs: map[string][]byte{}}, Results: results,
		Templates: houseLibrary(t), Logger: slog.New(slog.NewJSONHandler(&logs, nil))}).
		Generate(context.Background(), meme.Request{ResultID: 1, HasResultID: true, Prompt: "x"}, time.Now())
	if m := emfLine(t, []byte(logs.String())); m["Rung"] != "full" {
		t.Errorf("rung %v", m["Rung"])
	}
	if rec := results.records()[0]; rec.Strategy != "llm-template" || rec.Template != "two-buttons" || rec.Fallback != "" {
		t.Errorf("record %+v", rec)
	}
}
