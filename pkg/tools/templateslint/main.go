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
	"io"
	"os"
	"os/signal"
	"syscall"

	"punchline/pkg/media/sheet"
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
	out := fl.String("out", ".data/templates-lint.png", "contact sheet (.png or .jpg)")
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
	var tiles []sheet.Tile
	for _, t := range ts {
		for _, lang := range []string{"en", "ru"} {
			img, info, err := t.Render(t.Longest(lang, 80), lang)
			if err != nil {
				problems = append(problems, templates.Problem{ID: t.ID, Reason: fmt.Sprintf("render %s: %v", lang, err)})
				fmt.Fprintf(stdout, "BROKEN %s: render %s: %v\n", t.ID, lang, err)
				continue
			}
			tiles = append(tiles, sheet.Tile{Label: t.ID + " · " + lang, Img: img})
			fmt.Fprintf(stdout, "ok %-22s %-3s %s, %d captions at %s px\n", t.ID, lang, t.Kind, len(info.Sizes), sizes(info.Sizes))
		}
	}
	if err := sheet.Write(*out, tiles, 4, 300); err != nil {
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
