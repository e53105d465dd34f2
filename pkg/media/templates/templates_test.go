package templates

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A valid drawn template to break one field at a time.
const validYAML = `id: good
kind: drawn
scene:
  size: [400, 400]
  background: "#ffffff"
  shapes:
    - {rect: [0.1, 0.1, 0.8, 0.3], fill: "#ffcc00"}
    - {emoji: "🔥", at: [0.5, 0.7, 0.3]}
boxes:
  - {x: 0, y: 0, w: 1, h: 0.2, role: top, style: outline, max_chars: 20}
  - {x: 0.1, y: 0.8, w: 0.8, h: 0.2, role: fixed, style: label, text: {en: "Yes", ru: "Да"}}
about: {en: "A test format.", ru: "Тестовый формат."}
use_when: "testing"
fits: [statement]
examples:
  - {lang: en, prompt: "p", captions: ["hello"]}
license: {source: "test", holder: "us", license: "CC0-1.0"}
status: active
`

func parseValid(t *testing.T, edit func(string) string) (*Template, error) {
	t.Helper()
	tp, err := Parse([]byte(edit(validYAML)))
	if err != nil {
		return nil, err
	}
	return tp, tp.Validate("good")
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"valid", "", "", ""},
		{"unknown field", "use_when:", "colour: red\nuse_when:", "field colour not found"},
		{"box out of bounds", "{x: 0, y: 0, w: 1, h: 0.2,", "{x: 0.5, y: 0, w: 0.6, h: 0.2,", "out of bounds"},
		{"negative box", "{x: 0, y: 0, w: 1, h: 0.2,", "{x: 0, y: -0.1, w: 1, h: 0.2,", "out of bounds"},
		{"no English about", `about: {en: "A test format.", ru:`, `about: {ru:`, "about: want at least an English"},
		{"no licence", `license: {source: "test", holder: "us", license: "CC0-1.0"}`, `license: {source: "test"}`, "license: want source, holder and license"},
		{"bad id", "id: good", "id: Good_One", "id \"Good_One\""},
		{"id differs from folder", "id: good", "id: other", "differs from its folder"},
		{"bad kind", "kind: drawn", "kind: gif", "kind \"gif\""},
		{"drawn with an asset", "kind: drawn", "kind: drawn\nasset: x.png", "takes no asset"},
		{"unknown style", "style: outline", "style: comic-sans", "style \"comic-sans\""},
		{"unknown emoji", `emoji: "🔥"`, `emoji: "🦄"`, "not in the embedded set"},
		{"bad colour", `fill: "#ffcc00"`, `fill: "yellow"`, "colour \"yellow\""},
		{"wrong caption count", `captions: ["hello"]`, `captions: ["hello", "there"]`, "2 captions for 1 slots"},
		{"caption past max_chars", `captions: ["hello"]`, `captions: ["hello hello hello hello"]`, "its box takes 20"},
		{"unknown fit", "fits: [statement]", "fits: [limerick]", "fits \"limerick\""},
		{"bad status", "status: active", "status: maybe", "status \"maybe\""},
		{"no slots", "role: top, style: outline, max_chars: 20}", "role: top, style: outline, max_chars: 20, text: T}", "at least one caption slot"},
		{"trim on a drawn template", "status: active", "status: active\ntrim: [0, 2]", "trim and speech are for clips"},
		{"paint with neither", "status: active", "status: active\npaint: {}", "paint: want a prompt for the whole base or panels"},
		{"paint panel outside", "status: active", "status: active\npaint: {panels: [{rect: [0.5, 0, 0.6, 1], prompt: a cat}]}", "paint panel 1: want a prompt and a rect inside 0..1"},
		{"painted without provenance", "status: active", "status: active\npainted_from: distracted", "records its model and prompt under license.provenance"},
		{"offline phrase without its subject", "status: active", "status: active\noffline: {en: \"memes\"}", "offline (en): want {about}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseValid(t, func(s string) string {
				if tt.old == "" {
					return s
				}
				if !strings.Contains(s, tt.old) {
					t.Fatalf("test edit %q not in the template", tt.old)
				}
				return strings.Replace(s, tt.old, tt.new, 1)
			})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("valid template rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const imageYAML = `id: %s
kind: image
asset: base.png
boxes:
  - {x: 0, y: 0, w: 1, h: 0.25, role: top, style: outline}
  - {x: 0, y: 0.75, w: 1, h: 0.25, role: bottom, style: outline}
about: {en: "Picture with two captions."}
use_when: "tests"
license: {source: "generated in the test", holder: "us", license: "CC0-1.0"}
`

// Load keeps the good templates and reports each broken one with its id
// and reason; a folder without template.yaml is not a template.
func TestLoadSkipsBrokenTemplates(t *testing.T) {
	files := map[string][]byte{
		"good/template.yaml":     []byte(validYAML),
		"pic/template.yaml":      []byte(strings.Replace(imageYAML, "%s", "pic", 1)),
		"pic/base.png":           pngBytes(t, 200, 120),
		"no-asset/template.yaml": []byte(strings.Replace(imageYAML, "%s", "no-asset", 1)),
		"tiny/template.yaml":     []byte(strings.Replace(imageYAML, "%s", "tiny", 1)),
		"tiny/base.png":          pngBytes(t, 20, 20),
		"not-png/template.yaml":  []byte(strings.Replace(imageYAML, "%s", "not-png", 1)),
		"not-png/base.png":       []byte("GIF89a"),
		"garbage/template.yaml":  []byte("id: [unclosed"),
		"misnamed/template.yaml": []byte(strings.Replace(validYAML, "id: good", "id: other", 1)),
		"just-files/readme.txt":  []byte("not a template"),
		"escape/template.yaml":   []byte(strings.Replace(strings.Replace(imageYAML, "%s", "escape", 1), "base.png", "../pic/base.png", 1)),
	}
	ts, problems := Load(Files(files), SourceDir)
	var ids []string
	for _, tp := range ts {
		ids = append(ids, tp.ID)
		if tp.Source != SourceDir {
			t.Errorf("%s: source %q", tp.ID, tp.Source)
		}
	}
	if strings.Join(ids, ",") != "good,pic" {
		t.Errorf("loaded %v, want good and pic", ids)
	}
	want := map[string]string{
		"no-asset": "file does not exist", "tiny": "want at least 64x64", "not-png": "not an image",
		"garbage": "template.yaml", "misnamed": "differs from its folder", "escape": "want a file in the folder",
	}
	if len(problems) != len(want) {
		t.Errorf("problems %v, want %d", problems, len(want))
	}
	for _, p := range problems {
		if w, ok := want[p.ID]; !ok || !strings.Contains(p.Reason, w) {
			t.Errorf("problem %s: %q, want %q", p.ID, p.Reason, w)
		}
	}
	pic := ts[1]
	img, err := pic.Picture()
	if err != nil || img.Bounds().Dx() != 200 {
		t.Fatalf("picture: %v %v", img, err)
	}
	out, info, err := pic.Render([]string{"top text", "bottom text"}, "en")
	if err != nil || len(info.Sizes) != 2 || out.Bounds().Dx() != 200 {
		t.Errorf("render: %v, %d captions", err, len(info.Sizes))
	}
}

// The library merges by id, later sources winning; Reload logs every
// skipped template with its id and reason and keeps the rest.
func TestReloadMergesAndLogs(t *testing.T) {
	dir := func(context.Context) (fs.FS, []string, error) {
		return Files(map[string][]byte{
			"text-card/template.yaml": []byte(strings.Replace(strings.Replace(validYAML, "id: good", "id: text-card", 1), "A test format.", "Overridden.", 1)),
			"broken/template.yaml":    []byte("id: broken\nkind: drawn\n"),
		}), nil, nil
	}
	bucket := func(context.Context) (fs.FS, []string, error) {
		return Files(map[string][]byte{"good/template.yaml": []byte(validYAML)}), nil, nil
	}
	var logs bytes.Buffer
	lib := NewLibrary()
	problems := lib.Reload(context.Background(), Sources{Dir: dir, Bucket: bucket, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if len(problems) != 1 || problems[0].ID != "broken" || problems[0].Source != SourceDir {
		t.Fatalf("problems %v", problems)
	}
	if !strings.Contains(logs.String(), `"msg":"template skipped","template":"broken","source":"dir","reason":`) {
		t.Errorf("skip not logged with id and reason: %s", logs.String())
	}
	if tc := lib.Get("text-card"); tc == nil || tc.Source != SourceDir || tc.About["en"] != "Overridden." {
		t.Errorf("dir template does not override the house one: %+v", tc)
	}
	if g := lib.Get("good"); g == nil || g.Source != SourceBucket {
		t.Errorf("bucket template missing: %+v", g)
	}
	if h := lib.Get("two-buttons"); h == nil || h.Source != SourceHouse {
		t.Errorf("house template missing")
	}
	// A bucket that cannot be read leaves the others in place, and its
	// own last good read (a refresh that fails loses nothing).
	failing := func(context.Context) (fs.FS, []string, error) { return nil, nil, errors.New("bucket unreachable") }
	problems = lib.Reload(context.Background(), Sources{Bucket: failing})
	if len(problems) != 1 || problems[0].Source != SourceBucket || lib.Get("two-buttons") == nil || lib.Get("good") == nil {
		t.Errorf("after a failing bucket: problems %v, good %v", problems, lib.Get("good"))
	}
	// A source that does not answer in time is left out within the bound.
	hang := func(ctx context.Context) (fs.FS, []string, error) {
		<-ctx.Done()
		time.Sleep(time.Hour)
		return nil, nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	problems = lib.Reload(ctx, Sources{Dir: hang})
	if time.Since(start) > 2*time.Second || len(problems) != 1 || !strings.Contains(problems[0].Reason, "not read in time") {
		t.Errorf("a hanging source: %v after %v", problems, time.Since(start))
	}
}

// Spec puts captions in slot order and fixed text in the caption's language.
func TestSpecFillsSlotsAndFixedText(t *testing.T) {
	tp, err := parseValid(t, func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	for lang, fixed := range map[string]string{"en": "Yes", "ru": "Да", "de": "Yes"} {
		s := tp.Spec([]string{"caption"}, lang)
		if len(s.Texts) != 2 || s.Texts[0] != "caption" || s.Texts[1] != fixed {
			t.Errorf("%s: texts %q", lang, s.Texts)
		}
	}
	if s := tp.Spec(nil, "en"); s.Texts[0] != "" {
		t.Errorf("missing caption: %q", s.Texts)
	}
}

func TestLongestFillsToMaxChars(t *testing.T) {
	tp, _ := parseValid(t, func(s string) string { return s })
	for _, lang := range []string{"en", "ru"} {
		got := tp.Longest(lang, 80)
		if len(got) != 1 || len([]rune(got[0])) > 20 || len([]rune(got[0])) < 14 {
			t.Errorf("%s: %q", lang, got)
		}
	}
}

// TestTinyBoxIsRefusedAtLoad: a box too small for one letter panicked the
// renderer on first use; now the template is refused when it loads, with a
// problem naming it and the box (what make templates-lint reports).
func TestTinyBoxIsRefusedAtLoad(t *testing.T) {
	tiny := strings.Replace(strings.Replace(validYAML, "id: good", "id: tiny", 1),
		"{x: 0, y: 0, w: 1, h: 0.2, role: top", "{x: 0, y: 0, w: 1, h: 0.004, role: top", 1)
	ts, problems := Load(Files(map[string][]byte{"tiny/template.yaml": []byte(tiny)}), SourceDir)
	if len(ts) != 0 || len(problems) != 1 {
		t.Fatalf("loaded %d, problems %v", len(ts), problems)
	}
	if p := problems[0].String(); !strings.Contains(p, "tiny") || !strings.Contains(p, "box 1 (top)") || !strings.Contains(p, "too small for one letter") {
		t.Errorf("problem %q", p)
	}
}

// TestSecondYAMLDocumentIsReported: a second document in template.yaml was
// dropped without a word; the template loads and the loss is a warning.
func TestSecondYAMLDocumentIsReported(t *testing.T) {
	two := strings.Replace(validYAML, "id: good", "id: two", 1) + "---\nid: other\n"
	ts, problems := Load(Files(map[string][]byte{"two/template.yaml": []byte(two)}), SourceDir)
	if len(ts) != 1 || len(problems) != 1 || !problems[0].Warning || !strings.Contains(problems[0].Reason, "second YAML document") {
		t.Errorf("templates %d, problems %+v", len(ts), problems)
	}
}

// A painted variant is preferred: its drawn original leaves the usable
// set while the variant is usable, and comes back when it is retired.
func TestUsablePrefersPainted(t *testing.T) {
	drawn := &Template{ID: "distracted", Status: StatusActive}
	other := &Template{ID: "two-buttons", Status: StatusActive}
	photo := &Template{ID: "distracted-photo", Status: StatusActive, PaintedFrom: "distracted"}
	l := NewLibrary([]*Template{drawn, other}, []*Template{photo})
	ids := func() (out []string) {
		for _, u := range l.Usable() {
			out = append(out, u.ID)
		}
		return out
	}
	if got := strings.Join(ids(), ","); got != "distracted-photo,two-buttons" {
		t.Errorf("usable %s, want the photo instead of the drawn one", got)
	}
	photo.Status = StatusRetired
	if got := strings.Join(ids(), ","); got != "distracted,two-buttons" {
		t.Errorf("usable %s once the photo is retired", got)
	}
}
