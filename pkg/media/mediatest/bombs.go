package mediatest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// ProgressiveJPEG builds a valid progressive (SOF2) grey JPEG of w×h with
// one DC scan: every block's DC difference is 0, one bit each, so a 4096²
// picture is about 100 KB, yet Go's decoder keeps a coefficient block per
// 8×8 of each component (what made a 197 KB file cost 511 MB).
func ProgressiveJPEG(w, h int) []byte {
	var b bytes.Buffer
	seg := func(marker byte, body ...byte) {
		b.Write([]byte{0xFF, marker, byte((len(body) + 2) >> 8), byte(len(body) + 2)})
		b.Write(body)
	}
	b.Write([]byte{0xFF, 0xD8})
	seg(0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)...)                               // one quantisation table
	seg(0xC2, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0) // progressive frame, 4:4:4
	seg(0xC4, append([]byte{0x00, 1}, append(make([]byte, 15), 0)...)...)                         // DC table: one 1-bit code for "0"
	seg(0xDA, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0)                                              // DC-first scan of all three
	blocks := 3 * ((w + 7) / 8) * ((h + 7) / 8)
	b.Write(make([]byte, (blocks+7)/8+1))
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// PNG16 builds a 16-bit RGB PNG of w×h, all zero, streaming its rows so
// the fixture itself costs little memory.
func PNG16(w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		_ = binary.Write(&out, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 2 // 16 bits, truecolour
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+w*6)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}
