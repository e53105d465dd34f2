// Command sheet writes a contact sheet of picture files (JPEG or PNG), each
// labelled with its file name: `go run ./pkg/tools/sheet -out sheet.jpg a.jpg b.png`.
// A local tool for looking at many memes at once, not deployed.
package main

import (
	"flag"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"

	"punchline/pkg/media/sheet"
)

func main() {
	out := flag.String("out", "sheet.jpg", "the sheet to write (.jpg or .png)")
	cols := flag.Int("cols", 4, "pictures per row")
	cell := flag.Int("cell", 300, "cell size in pixels")
	flag.Parse()
	if err := run(*out, *cols, *cell, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "sheet:", err)
		os.Exit(1)
	}
}

func run(out string, cols, cell int, files []string) error {
	if len(files) == 0 {
		return fmt.Errorf("no pictures given")
	}
	var tiles []sheet.Tile
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return err
		}
		img, _, err := image.Decode(r)
		r.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		tiles = append(tiles, sheet.Tile{Label: strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)), Img: img})
	}
	return sheet.Write(out, tiles, cols, cell)
}
