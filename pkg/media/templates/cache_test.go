package templates

import (
	"fmt"
	"image"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/media/render"
)

// TestTemplatePicturesAreBounded: template pictures were decoded on the
// request path and kept for ever (a 141 KB 16-bit 4096² PNG cost 131 MB,
// 13 of them a 1,769 MB Lambda). Now the declared size is checked at load
// (costly formats held to 2048²), pictures are kept at the size they are
// drawn, in a cache that evicts instead of growing, and one template is
// decoded once however many ask at once.
func TestTemplatePicturesAreBounded(t *testing.T) {
	imageYAML := func(id string) []byte {
		return []byte(strings.NewReplacer("%s", id).Replace(`id: %s
kind: image
asset: base.png
boxes:
  - {x: 0, y: 0, w: 1, h: 0.2, role: top, style: outline}
about: {en: "A test format."}
use_when: "testing"
license: {source: "test", holder: "us", license: "CC0-1.0"}
`))
	}
	files := map[string][]byte{
		"huge/template.yaml": imageYAML("huge"), "huge/base.png": mediatest.PNG16(4096, 4096),
	}
	for i := 0; i < 6; i++ {
		id := fmt.Sprintf("big-%d", i)
		files[id+"/template.yaml"], files[id+"/base.png"] = imageYAML(id), mediatest.PNG16(2048, 2048)
	}
	ts, problems := Load(Files(files), SourceDir)
	if len(problems) != 1 || problems[0].ID != "huge" || !strings.Contains(problems[0].Reason, "16-bit png 4096x4096 exceeds") {
		t.Fatalf("problems %v", problems)
	}
	saved := pictures
	defer func() { pictures = saved }()
	side := int64(render.MaxSide)
	pictures = newPictureCache(3*side*side*4, 2) // room for three drawn pictures
	for round := 0; round < 2; round++ {
		for _, tp := range ts {
			pic, err := tp.Picture()
			if err != nil {
				t.Fatal(err)
			}
			if b := pic.Bounds(); b.Dx() > render.MaxSide || b.Dy() > render.MaxSide {
				t.Fatalf("%s kept at %v, over the drawn size", tp.ID, b)
			}
			if used := pictures.usedBytes(); used > 3*side*side*4 {
				t.Fatalf("cache holds %d bytes, over its bound", used)
			}
		}
	}

	// Thirty first uses at once: one decode.
	var decodes atomic.Int32
	c := newPictureCache(1<<30, 2)
	tp := ts[0]
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = c.get(tp, func() (image.Image, error) { decodes.Add(1); return tp.decode() })
		}()
	}
	wg.Wait()
	if n := decodes.Load(); n != 1 {
		t.Errorf("%d decodes for 30 first uses", n)
	}
}
