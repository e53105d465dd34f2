// Package mediatest holds the media group's test helpers: deterministic
// test pictures for rendering and encoding tests and benchmarks, and a
// checker that a JPEG is clean by the arena's rules.
package mediatest

import (
	"image"
	"image/color"
	"math"
)

// Photo is a deterministic photo-like picture: a sky gradient, hills of
// fractal value noise and film grain. Smooth areas and fine texture both
// matter to the JPEG encoder, and the white sky is the hard case for a
// white caption.
func Photo(w, h int) *image.RGBA { return scene(w, h, 6) }

// Scene is Photo without the grain: it compresses well, for golden files.
func Scene(w, h int) *image.RGBA { return scene(w, h, 0) }

func scene(w, h, grainAmp int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := uint32(2463534242)
	next := func() uint32 { // xorshift32: the same grain on every run
		rng ^= rng << 13
		rng ^= rng >> 17
		rng ^= rng << 5
		return rng
	}
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			fx := float64(x) / float64(w)
			ridge := 0.45 + 0.18*fbm(fx*3, 0.5)
			var r, g, b float64
			if fy < ridge { // sky: white at the top, blue at the horizon
				t := fy / ridge
				r, g, b = 250-120*t, 252-70*t, 255-25*t
			} else { // hills: green-brown texture
				n := fbm(fx*8, fy*8)
				r, g, b = 60+90*n, 90+100*n, 40+50*n
			}
			grain := 0.0
			if grainAmp > 0 {
				grain = float64(int(next()%uint32(2*grainAmp+1)) - grainAmp)
			}
			img.SetRGBA(x, y, color.RGBA{clamp8(r + grain), clamp8(g + grain), clamp8(b + grain), 255})
		}
	}
	return img
}

// fbm is four octaves of smooth value noise in [0,1).
func fbm(x, y float64) float64 {
	sum, amp, norm := 0.0, 1.0, 0.0
	for o := 0; o < 4; o++ {
		sum += amp * valueNoise(x, y)
		norm += amp
		x, y, amp = x*2, y*2, amp/2
	}
	return sum / norm
}

func valueNoise(x, y float64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	tx, ty := smooth(x-x0), smooth(y-y0)
	ix, iy := int64(x0), int64(y0)
	a := lerp(lattice(ix, iy), lattice(ix+1, iy), tx)
	b := lerp(lattice(ix, iy+1), lattice(ix+1, iy+1), tx)
	return lerp(a, b, ty)
}

func lattice(x, y int64) float64 {
	h := uint64(x)*0x9E3779B97F4A7C15 ^ uint64(y)*0xC2B2AE3D27D4EB4F
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return float64(h>>11) / (1 << 53)
}

func smooth(t float64) float64     { return t * t * (3 - 2*t) }
func lerp(a, b, t float64) float64 { return a + (b-a)*t }

func clamp8(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}

// Noise is uniformly random pixels from seed: the worst case for an
// encoder (large coefficients, many 0xFF bytes to stuff).
func Noise(w, h int, seed uint32) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := seed | 1
	for i := range img.Pix {
		rng ^= rng << 13
		rng ^= rng >> 17
		rng ^= rng << 5
		img.Pix[i] = uint8(rng >> 24)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// Solid is one colour everywhere.
func Solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}
