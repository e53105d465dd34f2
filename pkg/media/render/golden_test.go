package render_test

import (
	"flag"
	"image"
	"image/color"
	"path/filepath"
	"testing"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/media/offline"
	"punchline/pkg/media/render"
	"punchline/pkg/meme"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/golden")

// goldenCases are the memes a person has looked at: every layout, both
// main scripts, mixed scripts with emoji, the extremes of caption length
// and of aspect ratio, and the white sky that hides white text.
var goldenCases = []struct {
	name string
	pic  image.Image
	cap  render.Caption
}{
	{"classic-en", mediatest.Scene(512, 512), render.Caption{Top: "When the code compiles", Bottom: "on the first try"}},
	{"classic-ru", mediatest.Scene(512, 512), render.Caption{Top: "Когда код скомпилировался", Bottom: "с первого раза"}},
	{"bar-en", mediatest.Scene(512, 384), render.Caption{Layout: meme.LayoutBar, Top: "Me explaining to my cat why I have to work from home", Bottom: "again"}},
	{"card-ru", offline.Background("card-ru", 512, 512), render.Caption{Layout: meme.LayoutCard, Top: "Понедельник —", Bottom: "это состояние души"}},
	{"mixed-emoji", mediatest.Scene(512, 512), render.Caption{Top: "Кот says 你好 😂👍🏽 καλημέρα", Bottom: "Deploy on Friday ✓ ❤️ ★"}},
	{"long-300", mediatest.Scene(512, 512), render.Caption{Top: render.LongText}},
	{"one-word", mediatest.Scene(512, 512), render.Caption{Bottom: "nope"}},
	{"portrait-9x16", mediatest.Scene(288, 512), render.Caption{Top: "Nobody:", Bottom: "Absolutely nobody: me at 3 AM refactoring the build"}},
	{"landscape-16x9", mediatest.Scene(640, 360), render.Caption{Top: "Product manager: it's a small change", Bottom: "The small change:"}},
	{"white-sky", mediatest.Solid(480, 480, color.RGBA{255, 255, 255, 255}), render.Caption{Top: "White text", Bottom: "on a white sky"}},
	{"long-word", mediatest.Scene(400, 400), render.Caption{Top: "Supercalifragilisticexpialidocious", Bottom: "https://example.com/a/very/long/path/without/spaces"}},
}

// TestGolden renders each case and compares it with its committed PNG,
// allowing small differences (rasteriser rounding differs across CPU
// architectures). With -update it rewrites the files instead; look at them
// before committing.
func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := render.Meme(c.pic, c.cap)
			if err != nil {
				t.Fatal(err)
			}
			mediatest.Golden(t, filepath.Join(dir, c.name+".png"), got, *update)
		})
	}
}
