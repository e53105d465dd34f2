// Package sheet lays pictures out as a contact sheet, each fitted in a
// cell with a label under it, for people to look at many memes at once
// (template lint, the README, evaluation runs).
package sheet

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	xdraw "golang.org/x/image/draw"

	"punchline/pkg/media/render"
)

// Tile is one picture and its label.
type Tile struct {
	Label string
	Img   image.Image
}

// Sheet geometry.
const (
	labelH = 30
	gap    = 10
)

// Draw lays tiles out cols to a row, each fitted into a cell×cell square.
func Draw(tiles []Tile, cols, cell int) (*image.RGBA, error) {
	rows := (len(tiles) + cols - 1) / cols
	W := cols*(cell+gap) + gap
	H := max(1, rows*(cell+labelH+gap)+gap)
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(out, out.Rect, image.NewUniform(color.RGBA{245, 245, 245, 255}), image.Point{}, draw.Src)
	for i, t := range tiles {
		x0 := gap + (i%cols)*(cell+gap)
		y0 := gap + (i/cols)*(cell+labelH+gap)
		b := t.Img.Bounds()
		f := min(float64(cell)/float64(b.Dx()), float64(cell)/float64(b.Dy()))
		w, h := int(float64(b.Dx())*f), int(float64(b.Dy())*f)
		dst := image.Rect(x0+(cell-w)/2, y0+(cell-h)/2, x0+(cell-w)/2+w, y0+(cell-h)/2+h)
		xdraw.CatmullRom.Scale(out, dst, t.Img, b, xdraw.Src, nil)
		if _, err := render.Label(out, t.Label, float64(x0), float64(y0+cell+labelH-8), 18, color.RGBA{30, 30, 30, 255}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Write draws the sheet and writes it to path: JPEG for .jpg, else PNG.
func Write(path string, tiles []Tile, cols, cell int) error {
	img, err := Draw(tiles, cols, cell)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var data []byte
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jpg", ".jpeg":
		data, err = render.EncodeJPEG(img)
	default:
		var b strings.Builder
		err = png.Encode(&b, img)
		data = []byte(b.String())
	}
	if err != nil {
		return fmt.Errorf("sheet %s: %w", path, err)
	}
	return os.WriteFile(path, data, 0o644)
}
