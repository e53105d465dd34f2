// Command templateslint checks a folder of meme templates (`make
// templates-lint DIR=…`): every template must load and validate, and every
// one is rendered with the longest English and Russian captions its boxes
// accept into a contact sheet PNG to look at. It exits non-zero when any
// template is broken. A local tool, not deployed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	xdraw "golang.org/x/image/draw"

	"punchline/pkg/media/render"
	"punchline/pkg/media/templates"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "templates-lint:", err)
		os.Exit(1)
	}
}

func run(_ context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("templates-lint", flag.ContinueOnError)
	dir := fl.String("dir", "", "folder of template folders (default: the house set)")
	out := fl.String("out", filepath.Join(".data", "templates-lint.png"), "contact sheet PNG")
	if err := fl.Parse(args); err != nil {
		return err
	}
	fsys, source, name := templates.House(), templates.SourceHouse, "house set"
	if *dir != "" {
		fsys, source, name = os.DirFS(*dir), templates.SourceDir, *dir
	}
	ts, problems := templates.Load(fsys, source)
	for _, p := range problems {
		fmt.Fprintf(stdout, "BROKEN %s: %s\n", p.ID, p.Reason)
	}
	if len(ts) == 0 && len(problems) == 0 {
		return fmt.Errorf("%s: no template folders", name)
	}
	var tiles []tile
	for _, t := range ts {
		for _, lang := range []string{"en", "ru"} {
			img, info, err := t.Render(t.Longest(lang, 80), lang)
			if err != nil {
				problems = append(problems, templates.Problem{ID: t.ID, Reason: fmt.Sprintf("render %s: %v", lang, err)})
				fmt.Fprintf(stdout, "BROKEN %s: render %s: %v\n", t.ID, lang, err)
				continue
			}
			tiles = append(tiles, tile{label: t.ID + " · " + lang, img: img})
			fmt.Fprintf(stdout, "ok %-22s %-3s %s, %d captions at %s px\n", t.ID, lang, t.Kind, len(info.Sizes), sizes(info.Sizes))
		}
	}
	if err := writeSheet(*out, tiles); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d templates, %d broken; contact sheet %s\n", len(ts), len(problems), *out)
	if len(problems) > 0 {
		return errors.New("broken templates")
	}
	return nil
}

func sizes(s []float64) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += "/"
		}
		out += fmt.Sprintf("%.0f", v)
	}
	return out
}

type tile struct {
	label string
	img   *image.RGBA
}

// Sheet geometry.
const (
	cols   = 4
	thumbW = 300
	thumbH = 300
	labelH = 34
	gap    = 12
)

// writeSheet lays tiles out in a grid, each picture fitted in its cell.
func writeSheet(path string, tiles []tile) error {
	rows := (len(tiles) + cols - 1) / cols
	W := cols*(thumbW+gap) + gap
	H := rows*(thumbH+labelH+gap) + gap
	sheet := image.NewRGBA(image.Rect(0, 0, W, max(H, 1)))
	draw.Draw(sheet, sheet.Rect, image.NewUniform(color.RGBA{245, 245, 245, 255}), image.Point{}, draw.Src)
	for i, t := range tiles {
		x0 := gap + (i%cols)*(thumbW+gap)
		y0 := gap + (i/cols)*(thumbH+labelH+gap)
		b := t.img.Bounds()
		f := min(float64(thumbW)/float64(b.Dx()), float64(thumbH)/float64(b.Dy()))
		w, h := int(float64(b.Dx())*f), int(float64(b.Dy())*f)
		dst := image.Rect(x0+(thumbW-w)/2, y0+(thumbH-h)/2, x0+(thumbW-w)/2+w, y0+(thumbH-h)/2+h)
		xdraw.CatmullRom.Scale(sheet, dst, t.img, b, xdraw.Src, nil)
		if _, err := render.Label(sheet, t.label, float64(x0), float64(y0+thumbH+labelH-10), 20, color.RGBA{30, 30, 30, 255}); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, sheet); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
