package video

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Clean checks an MP4 in place and strips what ffmpeg still writes after
// -map_metadata -1 and bitexact: it blanks the encoder name in sample
// entries ("Lavc libx264") and the handler names ("VideoHandler"), and
// turns any udta or meta box into free space. Sizes are unchanged, so
// offsets stay valid. It returns an error when the file is not faststart
// (moov after mdat) or not a well-formed box tree.
func Clean(data []byte) error {
	var moov, mdat = -1, -1
	for off := 0; off < len(data); {
		size, typ, hdr, err := box(data, off)
		if err != nil {
			return err
		}
		switch typ {
		case "moov":
			moov = off
			if err := cleanChildren(data[off+hdr : off+size]); err != nil {
				return err
			}
		case "mdat":
			mdat = off
		case "udta", "meta":
			copy(data[off+4:off+8], "free")
		}
		off += size
	}
	switch {
	case moov < 0:
		return errors.New("mp4: no moov box")
	case mdat >= 0 && moov > mdat:
		return errors.New("mp4: moov after mdat: not faststart")
	}
	return nil
}

// box reads the header of the box at off.
func box(data []byte, off int) (size int, typ string, hdr int, err error) {
	if off+8 > len(data) {
		return 0, "", 0, fmt.Errorf("mp4: truncated box header at %d", off)
	}
	size, hdr = int(binary.BigEndian.Uint32(data[off:])), 8
	typ = string(data[off+4 : off+8])
	if size == 1 {
		if off+16 > len(data) {
			return 0, "", 0, fmt.Errorf("mp4: truncated large box at %d", off)
		}
		size, hdr = int(binary.BigEndian.Uint64(data[off+8:])), 16
	}
	if size == 0 {
		size = len(data) - off
	}
	if size < hdr || off+size > len(data) {
		return 0, "", 0, fmt.Errorf("mp4: box %q at %d has bad size %d", typ, off, size)
	}
	return size, typ, hdr, nil
}

// Containers whose children are boxes right after the header, and where
// other boxes keep their children (after fixed fields).
var containers = map[string]int{
	"moov": 0, "trak": 0, "mdia": 0, "minf": 0, "stbl": 0, "edts": 0, "dinf": 0,
	"stsd": 8,  // version, flags, entry count
	"avc1": 78, // visual sample entry fields
	"mp4a": 28, // audio sample entry fields
}

func cleanChildren(data []byte) error {
	for off := 0; off < len(data); {
		size, typ, hdr, err := box(data, off)
		if err != nil {
			return err
		}
		body := data[off+hdr : off+size]
		switch typ {
		case "udta", "meta":
			copy(data[off+4:off+8], "free")
		case "hdlr":
			// version/flags 4, pre_defined 4, handler_type 4, reserved 12, name
			if len(body) > 24 {
				clear(body[24:])
			}
		}
		if typ == "avc1" && len(body) >= 74 {
			clear(body[42:74]) // compressorname: a length byte and 31 characters
		}
		if skip, ok := containers[typ]; ok && len(body) >= skip {
			if err := cleanChildren(body[skip:]); err != nil {
				return err
			}
		}
		off += size
	}
	return nil
}

// Limits on a clip template's declared picture: a 4K clip costs ffmpeg
// far more memory and time per request than our answers need (≤ 720p).
const (
	MaxClipWidth  = 1920
	MaxClipHeight = 1920
	MaxClipPixels = 1920 * 1080
)

// Size reads the largest track size an MP4 declares (tkhd width × height,
// 16.16 fixed point), walking boxes without decoding anything.
func Size(data []byte) (w, h int, err error) {
	var walk func(b []byte) error
	walk = func(b []byte) error {
		for off := 0; off < len(b); {
			size, typ, hdr, err := box(b, off)
			if err != nil {
				return err
			}
			body := b[off+hdr : off+size]
			switch typ {
			case "moov", "trak":
				if err := walk(body); err != nil {
					return err
				}
			case "tkhd":
				// version 1 has 64-bit times: width and height are the
				// last 8 bytes either way.
				if len(body) >= 84 {
					tw := int(binary.BigEndian.Uint32(body[len(body)-8:]) >> 16)
					th := int(binary.BigEndian.Uint32(body[len(body)-4:]) >> 16)
					if tw*th > w*h {
						w, h = tw, th
					}
				}
			}
			off += size
		}
		return nil
	}
	if err := walk(data); err != nil {
		return 0, 0, err
	}
	if w == 0 || h == 0 {
		return 0, 0, errors.New("mp4: no track declares a size")
	}
	return w, h, nil
}

// CheckSize refuses a clip whose declared picture is over the clip limits.
// A clip that declares no size passes (ffprobe reads it when it is used,
// and a malformed one fails there, fast).
func CheckSize(data []byte) error {
	w, h, err := Size(data)
	if err != nil {
		return nil
	}
	if w > MaxClipWidth || h > MaxClipHeight || w*h > MaxClipPixels {
		return fmt.Errorf("mp4: %dx%d, over %d pixels (1080p); normalise it first (≤ 720p)", w, h, MaxClipPixels)
	}
	return nil
}
