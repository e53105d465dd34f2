// Package jpegenc encodes baseline JPEGs fast: 4:2:0 YCbCr, the standard
// (Annex K) tables scaled by quality as libjpeg does, a float AAN forward
// DCT with quantisation folded into one multiply (colour conversion and
// DCT are SSE2/NEON assembly on amd64/arm64, see kernel.go), a 64-bit
// Huffman bit buffer, and one restart interval per MCU row so strips of
// rows encode on separate cores and are joined without re-coding.
//
// The output has no APPn or COM segments: no JFIF, EXIF, XMP or comments.
// It exists because image/jpeg spends about 25 ms on a 1024² picture, more
// than everything else in a meme put together (see the render benchmark).
package jpegenc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math/bits"
	"runtime"
	"sync"
)

// Options tune Encode. The zero value means quality 75 and one worker per
// available CPU.
type Options struct {
	Quality int // 1..100, as in libjpeg; 0 means 75
	Workers int // strips encoded in parallel; 0 means GOMAXPROCS
}

// maxSide is the largest width or height a baseline JPEG can declare.
const maxSide = 65535

// minRowsPerWorker keeps strips large enough that a goroutine pays off.
const minRowsPerWorker = 4

// Append appends the JPEG encoding of img to dst and returns the result.
func Append(dst []byte, img image.Image, o Options) ([]byte, error) {
	b := img.Bounds()
	if b.Empty() {
		return dst, errors.New("jpegenc: empty image")
	}
	if b.Dx() > maxSide || b.Dy() > maxSide {
		return dst, fmt.Errorf("jpegenc: %dx%d exceeds %d pixels a side", b.Dx(), b.Dy(), maxSide)
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		// Every picture we make is RGBA; anything else is converted once.
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	}
	q := o.Quality
	if q == 0 {
		q = 75
	}
	q = min(max(q, 1), 100)
	t := tablesFor(q)

	e := &encoder{img: rgba, t: t}
	e.w, e.h = rgba.Rect.Dx(), rgba.Rect.Dy()
	e.cols, e.rows = (e.w+15)/16, (e.h+15)/16

	dst = e.header(dst)
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, e.rows/minRowsPerWorker))
	if workers == 1 {
		s := getStrip(e.cols)
		s.out = e.strip(s.out[:0], s, 0, e.rows)
		dst = append(dst, s.out...)
		putStrip(s)
	} else {
		// Each worker codes a band of MCU rows into its own buffer; the
		// restart markers make the bands byte-aligned and independent.
		parts := make([]*strip, workers)
		var wg sync.WaitGroup
		for i := range workers {
			parts[i] = getStrip(e.cols)
			wg.Add(1)
			go func(s *strip, r0, r1 int) {
				defer wg.Done()
				s.out = e.strip(s.out[:0], s, r0, r1)
			}(parts[i], e.rows*i/workers, e.rows*(i+1)/workers)
		}
		wg.Wait()
		for _, s := range parts {
			dst = append(dst, s.out...)
			putStrip(s)
		}
	}
	return append(dst, 0xFF, 0xD9), nil // EOI
}

type encoder struct {
	img        *image.RGBA
	t          *tables
	w, h       int
	cols, rows int // MCUs (16×16 pixels) across and down
}

// header appends SOI, DQT, SOF0, DHT, DRI and SOS.
func (e *encoder) header(dst []byte) []byte {
	dst = append(dst, 0xFF, 0xD8)
	// DQT: both tables, 8-bit, in zigzag order.
	dst = append(dst, 0xFF, 0xDB, 0, 2+2*65)
	for id, q := range [2]*[64]uint8{&e.t.qLuma, &e.t.qChroma} {
		dst = append(dst, byte(id))
		dst = append(dst, q[:]...)
	}
	// SOF0: 8-bit, Y sampled 2×2, Cb and Cr 1×1.
	dst = append(dst, 0xFF, 0xC0, 0, 17, 8)
	dst = binary.BigEndian.AppendUint16(dst, uint16(e.h))
	dst = binary.BigEndian.AppendUint16(dst, uint16(e.w))
	dst = append(dst, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	// DHT: the four Annex K tables.
	n := 2
	for _, s := range huffSpecs {
		n += 17 + len(s.vals)
	}
	dst = append(dst, 0xFF, 0xC4)
	dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	for _, s := range huffSpecs {
		dst = append(dst, s.class)
		dst = append(dst, s.counts[:]...)
		dst = append(dst, s.vals...)
	}
	if e.rows > 1 {
		// DRI: a restart interval per MCU row makes rows independent.
		dst = append(dst, 0xFF, 0xDD, 0, 4)
		dst = binary.BigEndian.AppendUint16(dst, uint16(e.cols))
	}
	// SOS: three components; Y uses tables 0, chroma tables 1.
	return append(dst, 0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)
}

// strip holds one worker's scratch: a 16-pixel-high band of Y and the
// matching 8-high bands of Cb and Cr, level-shifted, as float32.
type strip struct {
	y, cb, cr []float32
	out       []byte
}

var strips sync.Pool

func getStrip(cols int) *strip {
	s, _ := strips.Get().(*strip)
	if s == nil {
		s = &strip{}
	}
	if n := cols * 16 * 16; cap(s.y) < n {
		s.y = make([]float32, n)
		s.cb = make([]float32, n/4)
		s.cr = make([]float32, n/4)
	}
	s.y, s.cb, s.cr = s.y[:cols*256], s.cb[:cols*64], s.cr[:cols*64]
	return s
}

func putStrip(s *strip) { strips.Put(s) }

// strip appends the entropy-coded MCU rows [r0, r1), each followed by its
// restart marker unless it is the picture's last row.
func (e *encoder) strip(dst []byte, s *strip, r0, r1 int) []byte {
	bw := bitWriter{buf: dst}
	for r := r0; r < r1; r++ {
		e.convert(s, r)
		var dcY, dcCb, dcCr int32
		stride := e.cols * 16
		for c := 0; c < e.cols; c++ {
			x := c * 16
			for _, off := range [4]int{x, x + 8, 8*stride + x, 8*stride + x + 8} {
				dcY = bw.block(s.y[off:], stride, &e.t.fLuma, &e.t.dcLuma, &e.t.acLuma, dcY)
			}
			dcCb = bw.block(s.cb[c*8:], stride/2, &e.t.fChroma, &e.t.dcChroma, &e.t.acChroma, dcCb)
			dcCr = bw.block(s.cr[c*8:], stride/2, &e.t.fChroma, &e.t.dcChroma, &e.t.acChroma, dcCr)
		}
		bw.pad()
		if r < e.rows-1 {
			bw.buf = append(bw.buf, 0xFF, 0xD0+byte(r&7))
		}
	}
	return bw.buf
}

// convert fills the strip with MCU row r: Y per pixel, Cb and Cr from the
// mean of each 2×2 (the same as averaging converted chroma, it is linear).
// Pixels past the right and bottom edges repeat the last column and row.
func (e *encoder) convert(s *strip, r int) {
	stride := e.cols * 16
	pix, ps := e.img.Pix, e.img.Stride
	lastX := e.w - 1
	full := e.w / 8 // groups of eight pixels the kernel converts
	for dy := 0; dy < 16; dy += 2 {
		y0 := min(r*16+dy, e.h-1)
		y1 := min(y0+1, e.h-1)
		row0 := pix[y0*ps : y0*ps+4*e.w]
		row1 := pix[y1*ps : y1*ps+4*e.w]
		yo0 := s.y[dy*stride : (dy+1)*stride]
		yo1 := s.y[(dy+1)*stride : (dy+2)*stride]
		cbo := s.cb[dy/2*stride/2 : (dy/2+1)*stride/2]
		cro := s.cr[dy/2*stride/2 : (dy/2+1)*stride/2]
		convert8(row0, row1, yo0, yo1, cbo, cro, full)
		if 8*full == stride {
			continue
		}
		// The rest of the row, and the padding up to the MCU edge, a pixel
		// pair at a time from an edge-repeating copy.
		var pair [2][8]byte
		for cx := 4 * full; cx < stride/2; cx++ {
			x0, x1 := min(2*cx, lastX)*4, min(2*cx+1, lastX)*4
			copy(pair[0][:4], row0[x0:x0+4])
			copy(pair[0][4:], row0[x1:x1+4])
			copy(pair[1][:4], row1[x0:x0+4])
			copy(pair[1][4:], row1[x1:x1+4])
			convertGo(pair[0][:], pair[1][:], yo0[2*cx:], yo1[2*cx:], cbo[cx:], cro[cx:], 1)
		}
	}
}

// bitWriter accumulates Huffman codes in a 64-bit buffer and appends whole
// 32-bit words, stuffing a zero byte after every 0xFF.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

func (b *bitWriter) put(code uint32, n uint) {
	b.acc = b.acc<<n | uint64(code)
	b.n += n
	if b.n >= 32 {
		b.n -= 32
		b.buf = appendWord(b.buf, uint32(b.acc>>b.n))
	}
}

// appendWord appends w big-endian, stuffing a zero byte after every 0xFF.
func appendWord(buf []byte, w uint32) []byte {
	if x := ^w; (x-0x01010101)&^x&0x80808080 == 0 { // no 0xFF byte in w
		return binary.BigEndian.AppendUint32(buf, w)
	}
	for i := 24; i >= 0; i -= 8 {
		c := byte(w >> i)
		buf = append(buf, c)
		if c == 0xFF {
			buf = append(buf, 0)
		}
	}
	return buf
}

// pad fills the last byte with 1-bits and writes out what is buffered, as
// required before a restart marker or EOI.
func (b *bitWriter) pad() {
	if r := b.n % 8; r != 0 {
		b.put(1<<(8-r)-1, 8-r)
	}
	for b.n > 0 {
		b.n -= 8
		c := byte(b.acc >> b.n)
		b.buf = append(b.buf, c)
		if c == 0xFF {
			b.buf = append(b.buf, 0)
		}
	}
	b.acc = 0
}

// block transforms and quantises the 8×8 samples at src (row stride
// stride) with the multipliers f and Huffman-codes the levels; prev is the
// previous DC of the component, and the new DC is returned. The bit buffer
// and the output live in locals, and each symbol's code and length come
// from one table entry: this loop is the encoder's largest cost after the
// kernels.
func (b *bitWriter) block(src []float32, stride int, f *[64]float32, dc *huffTable, ac *huffTable, prev int32) int32 {
	var coef [64]int32 // transposed order, see fdctQuantGo
	nz := toZigzag(fdctQuant(src, stride, f, &coef))
	acc, n, buf := b.acc, b.n, b.buf
	put := func(code uint64, width uint) {
		acc = acc<<width | code
		n += width
		if n >= 32 {
			n -= 32
			buf = appendWord(buf, uint32(acc>>n))
		}
	}
	low, size := magnitude(coef[0]-prev, dc.maxSize)
	e := dc.code[size]
	put(uint64(e>>8<<size|low), uint(e&0xFF)+size)
	last := 0
	for m := nz &^ 1; m != 0; m &= m - 1 {
		k := bits.TrailingZeros64(m)
		run := uint(k - last - 1)
		for ; run > 15; run -= 16 { // ZRL: sixteen zeros
			put(uint64(ac.code[0xF0]>>8), uint(ac.code[0xF0]&0xFF))
		}
		low, size := magnitude(coef[transposed[k]&63], ac.maxSize)
		e := ac.code[run<<4|size]
		put(uint64(e>>8<<size|low), uint(e&0xFF)+size)
		last = k
	}
	if last != 63 { // EOB
		put(uint64(ac.code[0x00]>>8), uint(ac.code[0x00]&0xFF))
	}
	b.acc, b.n, b.buf = acc, n, buf
	return coef[0]
}

// magnitude returns the JPEG category of v (its bit length, capped at
// limit) and its low bits, one's complement when negative.
func magnitude(v int32, limit uint) (code uint32, size uint) {
	sgn := v >> 31
	a := (v ^ sgn) - sgn
	size = uint(bits.Len32(uint32(a)))
	if size > limit { // outside baseline's range; only rounding at quality 100 gets near it
		size = limit
		a = 1<<limit - 1
		v = (a ^ sgn) - sgn
	}
	return uint32(v+sgn) & (1<<size - 1), size
}
