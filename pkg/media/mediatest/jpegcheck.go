package mediatest

// The JPEG checker: a file is a clean JPEG as the arena's rules require when
// it decodes and carries no APPn (EXIF, JFIF, XMP, C2PA/JUMBF, ICC) or COM
// segments that could identify its maker.

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
)

// JPEGSegments lists the marker bytes of the segments before the scan.
func JPEGSegments(data []byte) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("not a JPEG: no SOI marker")
	}
	var markers []byte
	for i := 2; ; {
		if i+4 > len(data) {
			return markers, errors.New("truncated before the scan")
		}
		if data[i] != 0xFF {
			return markers, fmt.Errorf("bad marker at byte %d", i)
		}
		m := data[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		markers = append(markers, m)
		if m == 0xDA { // SOS: entropy-coded data follows
			return markers, nil
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 {
			return markers, fmt.Errorf("bad segment length at byte %d", i)
		}
		i += 2 + n
	}
}

// CleanJPEG returns an error if data is not a decodable JPEG free of metadata.
func CleanJPEG(data []byte) error {
	markers, err := JPEGSegments(data)
	if err != nil {
		return err
	}
	for _, m := range markers {
		if m >= 0xE0 && m <= 0xEF {
			return fmt.Errorf("has APP%d segment (metadata)", m-0xE0)
		}
		if m == 0xFE {
			return errors.New("has COM segment (comment)")
		}
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("does not decode: %w", err)
	}
	return nil
}
