package main

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // answers are JPEGs
	"os"
	"path/filepath"

	"punchline/pkg/media/offline"
	"punchline/pkg/media/render"
	"punchline/pkg/media/sheet"
	"punchline/pkg/meme"
)

// writeSheet draws one configuration's answers as a picture contact sheet
// (sheet-<name>.jpg beside the page), for a look at many memes at once:
// each tile labelled with the prompt's expected and recorded language. A
// text answer is drawn as a text card, a video as a note.
func writeSheet(path, out string, cr *configRun, rows []row) error {
	var tiles []sheet.Tile
	for i, r := range rows {
		s := cr.sides[i]
		label := fmt.Sprintf("#%d %s→%s %s", i+1, r.Lang, s.Lang, meme.Truncate(r.Prompt, 40))
		img, err := tile(out, s, r.Prompt)
		if err != nil {
			return fmt.Errorf("prompt %d: %w", i+1, err)
		}
		tiles = append(tiles, sheet.Tile{Label: label, Img: img})
	}
	return sheet.Write(path, tiles, 5, 320)
}

// tile is what voters saw for s: the stored picture, or the text as a card.
func tile(out string, s side, prompt string) (image.Image, error) {
	if s.Type == meme.TypeImage {
		data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(s.Media)))
		if err != nil {
			return nil, err
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		return img, err
	}
	text := s.Text
	if s.Type == meme.TypeVideo {
		text = "(video: see the page)"
	}
	img, _, err := render.Meme(offline.Background(prompt, 512, 512), render.Caption{Layout: meme.LayoutCard, Bottom: meme.Truncate(text, 200)})
	return img, err
}
