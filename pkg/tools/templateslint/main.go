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
	"strings"
	"syscall"

	"punchline/pkg/media/sheet"
	"punchline/pkg/media/templates"
	"punchline/pkg/store/local"
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
	id := fl.String("id", "", "preview one template: its id (with -text)")
	text := fl.String("text", "", "preview: the captions, slot by slot, separated by |")
	lang := fl.String("lang", "en", "preview: the language of fixed labels")
	if err := fl.Parse(args); err != nil {
		return err
	}
	fsys, source, name := templates.House(), templates.SourceHouse, "house set"
	if *dir != "" {
		// Read as predict reads a folder: regular files only, no
		// symlinks out of it, nothing that can hang the lint.
		files, skipped, err := local.ReadTree(context.Background(), *dir)
		if err != nil {
			return err
		}
		for _, sk := range skipped {
			fmt.Fprintf(stdout, "LEFT OUT %s\n", sk)
		}
		fsys, source, name = templates.Files(files), templates.SourceDir, *dir
	}
	ts, problems := templates.Load(fsys, source)
	for _, p := range problems {
		fmt.Fprintf(stdout, "BROKEN %s: %s\n", p.ID, p.Reason)
	}
	if *id != "" {
		return preview(ts, *id, *text, *lang, *out, stdout)
	}
	if len(ts) == 0 && len(problems) == 0 {
		return fmt.Errorf("%s: no template folders", name)
	}
	fmt.Fprintln(stdout, "px: the font size of each caption, slot by slot, with every slot filled to its max_chars (the longest it takes); the smallest legible size is 12 px, and a slot that cannot reach it is BROKEN")
	var tiles []sheet.Tile
	for _, t := range ts {
		for _, lang := range []string{"en", "ru"} {
			img, info, err := t.Render(t.Longest(lang, 80), lang)
			if err != nil {
				problems = append(problems, templates.Problem{ID: t.ID, Reason: fmt.Sprintf("render %s: %v", lang, err)})
				fmt.Fprintf(stdout, "BROKEN %s: render %s: %v\n", t.ID, lang, err)
				continue
			}
			fmt.Fprintf(stdout, "ok %-22s %-3s %s, %d captions at %s px\n", t.ID, lang, t.Kind, len(info.Sizes), sizes(info.Sizes))
			// The sheet shows the template as a meme reads: its own example
			// in the language when it has one (the longest captions, cut
			// at max_chars, end mid-phrase), else those longest captions.
			label := t.ID + " · " + lang + " · longest"
			if ex := example(t, lang); ex != nil {
				if shown, _, err := t.Render(ex, lang); err == nil {
					img, label = shown, t.ID+" · "+lang+" · example"
				}
			}
			tiles = append(tiles, sheet.Tile{Label: label, Img: img})
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

// preview renders template id with the captions in text (| between
// slots) to out, for an author to see a new template without waiting for
// the picker to choose it.
func preview(ts []*templates.Template, id, text, lang, out string, stdout io.Writer) error {
	var t *templates.Template
	for _, x := range ts {
		if x.ID == id {
			t = x
		}
	}
	if t == nil {
		return fmt.Errorf("no template %q that loads (see BROKEN above, or the folder)", id)
	}
	caps := strings.Split(text, "|")
	if text == "" {
		caps = nil
	}
	if len(caps) != len(t.Slots()) {
		var roles []string
		for _, s := range t.Slots() {
			roles = append(roles, s.Role)
		}
		return fmt.Errorf("%s has %d slots (%s): give TEXT as %d captions separated by |", id, len(roles), strings.Join(roles, " | "), len(roles))
	}
	img, info, err := t.Render(caps, lang)
	if err != nil {
		return fmt.Errorf("render %s: %w", id, err)
	}
	if err := sheet.Write(out, []sheet.Tile{{Label: id + " · " + lang, Img: img}}, 1, 800); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d captions at %s px; wrote %s\n", id, len(info.Sizes), sizes(info.Sizes), out)
	return nil
}

// example is t's first example captions in lang, nil for none.
func example(t *templates.Template, lang string) []string {
	for _, ex := range t.Examples {
		if ex.Lang == lang && len(ex.Captions) == len(t.Slots()) {
			return ex.Captions
		}
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
