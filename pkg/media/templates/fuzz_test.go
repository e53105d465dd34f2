package templates

import (
	"testing"
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
		caps := tp.Longest("en", 40)
		if _, _, err := tp.Render(caps, "en"); err != nil {
			t.Fatalf("valid template failed to render: %v", err)
		}
	})
}
