package scene

import (
	"bytes"
	"embed"
	"fmt"
	"image"
	"image/png"
	"path"
	"sort"
	"strings"
	"sync"
)

// The embedded emoji: Noto Emoji's 512-pixel images, named by code points
// as in that project (emoji_u1f525.png → 1f525.png, sequences joined by
// "-", variation selectors dropped). emoji/LICENSE records their terms.
//
//go:embed emoji/*.png
var emojiFiles embed.FS

var emojiCache sync.Map // file name → image.Image

// fileName is the embedded file for an emoji: its code points in hex,
// without variation selectors.
func fileName(e string) string {
	var parts []string
	for _, r := range e {
		if r == 0xFE0F || r == 0xFE0E {
			continue
		}
		parts = append(parts, fmt.Sprintf("%x", r))
	}
	return strings.Join(parts, "-") + ".png"
}

// Has reports whether the embedded set has emoji e.
func Has(e string) bool {
	if e == "" {
		return false
	}
	_, err := emojiFiles.Open(path.Join("emoji", fileName(e)))
	return err == nil
}

// Emoji lists the embedded emoji, sorted.
func Emoji() []string {
	entries, _ := emojiFiles.ReadDir("emoji")
	var out []string
	for _, e := range entries {
		var b strings.Builder
		for _, cp := range strings.Split(strings.TrimSuffix(e.Name(), ".png"), "-") {
			var r rune
			if _, err := fmt.Sscanf(cp, "%x", &r); err == nil {
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	sort.Strings(out)
	return out
}

// emojiImage decodes an embedded emoji once; nil when it is missing.
func emojiImage(e string) image.Image {
	name := fileName(e)
	if img, ok := emojiCache.Load(name); ok {
		return img.(image.Image)
	}
	data, err := emojiFiles.ReadFile(path.Join("emoji", name))
	if err != nil {
		return nil
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	emojiCache.Store(name, img)
	return img
}
