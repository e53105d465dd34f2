package templates

import (
	"strings"
	"testing"

	"punchline/pkg/media/mediatest"
)

// FuzzParse: template.yaml comes from outside (a team folder, the bucket).
// Parsing and validating any bytes must not panic, and a template that
// validates must render without error or panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add([]byte("id: x\nkind: drawn\nscene: {size: [64, 64], background: \"#000\", shapes: [{pie: [0.5, 0.5, 0.5], slices: [1], colors: [\"#fff\"]}]}\n"))
	f.Add([]byte("boxes: [{x: .NaN, y: .inf, w: -1, h: 1e309}]"))
	f.Add([]byte("text: {en: [1, 2]}"))
	f.Add([]byte("&a [*a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tp, err := Parse(data)
		if err != nil {
			return
		}
		if tp.Validate(tp.ID) != nil || tp.Kind != KindDrawn {
			return
		}
		if tp.Scene.Size[0]*tp.Scene.Size[1] > 512*512 {
			return // keep each run fast; size limits are validated above
		}
		if tp.checkBoxes(tp.Scene.Size[0], tp.Scene.Size[1]) != nil {
			return // refused at load: a box that cannot hold a letter
		}
		caps := tp.Longest("en", 40)
		if _, _, err := tp.Render(caps, "en"); err != nil {
			t.Fatalf("valid template failed to render: %v", err)
		}
	})
}

// FuzzLoad: a template folder from outside (a team's bucket or folder):
// any template.yaml with any asset bytes loads or is reported, never
// panics, and what loads has a checked asset.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(strings.Replace(validYAML, "id: good", "id: x", 1)), []byte{})
	f.Add([]byte("id: x\nkind: image\nasset: base.png\nboxes: [{x: 0, y: 0, w: 1, h: 0.2, role: top, style: outline}]\nabout: {en: a}\nuse_when: b\nlicense: {source: s, holder: h, license: l}\n"),
		mediatest.PNG16(64, 64))
	f.Add([]byte("id: x\nkind: clip\nasset: clip.mp4\nboxes: [{x: 0, y: 0, w: 1, h: 0.2, role: top, style: bar}]\nabout: {en: a}\nuse_when: b\nlicense: {source: s, holder: h, license: l}\n"),
		[]byte("\x00\x00\x00\x10ftypisom\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, yaml, asset []byte) {
		files := map[string][]byte{"x/template.yaml": yaml, "x/base.png": asset, "x/base.jpg": asset, "x/clip.mp4": asset}
		ts, problems := Load(Files(files), SourceDir)
		_ = problems // reported, not fatal: any input may be refused
		for _, tp := range ts {
			if tp.Kind == KindImage {
				if _, err := tp.decode(); err != nil && !strings.Contains(err.Error(), "decode") {
					t.Fatalf("loaded, then: %v", err)
				}
			}
		}
	})
}
