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
