package providertest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

var pngCache sync.Map

// TestPNG returns a photo-like PNG (smooth gradient with detail) of w×h.
func TestPNG(w, h int) []byte {
	key := fmt.Sprintf("%dx%d", w, h)
	if v, ok := pngCache.Load(key); ok {
		return v.([]byte)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0x3f), 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	pngCache.Store(key, buf.Bytes())
	return buf.Bytes()
}

// BombPNG returns a tiny PNG whose header claims w×h pixels: decoding it
// would allocate w*h*4 bytes.
func BombPNG(w, h uint32) []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	// IHDR data starts at byte 16: width and height, big-endian.
	put := func(off int, v uint32) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	put(16, w)
	put(20, h)
	put(29, crc32.ChecksumIEEE(b[12:29])) // IHDR type+data, so the header is valid
	return b
}

// HeavyTail returns a latency distribution for a test server: mostly
// log-normal around median (σ 0.35), and with probability tail uniform in
// [tailMin, tailMax]. seed makes runs repeatable; it is safe for concurrent use.
func HeavyTail(seed uint64, median time.Duration, tail float64, tailMin, tailMax time.Duration) func() time.Duration {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	return func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() < tail {
			return tailMin + time.Duration(rng.Int64N(int64(tailMax-tailMin)+1))
		}
		return time.Duration(float64(median) * math.Exp(0.35*rng.NormFloat64()))
	}
}

// TestWAV is a mono 16 kHz 16-bit WAV of a soft 440 Hz tone lasting
// seconds: a stand-in for synthesised speech.
func TestWAV(seconds float64) []byte {
	const rate = 16000
	n := int(seconds * rate)
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1)) // PCM
	le(uint16(1)) // mono
	le(uint32(rate))
	le(uint32(2 * rate))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(2 * n))
	for i := 0; i < n; i++ {
		le(int16(6000 * math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}
