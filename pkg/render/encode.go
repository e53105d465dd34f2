package render

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
)

// JPEGQuality is the quality we ship: visually clean captions at a few
// hundred kilobytes for a 1024² meme.
const JPEGQuality = 85

// EncodeJPEG encodes img as a baseline JPEG. Go's encoder writes no APPn or
// COM segments, so the file carries no EXIF, XMP, C2PA or comments.
func EncodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(img.Bounds().Dx() * img.Bounds().Dy() / 4)
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}
