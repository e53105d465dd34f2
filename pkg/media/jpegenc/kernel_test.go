package jpegenc

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"punchline/pkg/media/mediatest"
)

// kernelRows returns two RGBA rows of n groups of eight pixels in the
// given style: random, flat extremes, or alternating black and white.
func kernelRows(rng *rand.Rand, style string, n int) (row0, row1 []byte) {
	row0, row1 = make([]byte, 32*n), make([]byte, 32*n)
	for i := range row0 {
		switch style {
		case "black":
		case "white":
			row0[i], row1[i] = 255, 255
		case "checker":
			if (i/4)%2 == 0 {
				row0[i] = 255
			} else {
				row1[i] = 255
			}
		default:
			row0[i], row1[i] = byte(rng.Uint32()), byte(rng.Uint32())
		}
	}
	return row0, row1
}

// The kernel in use (assembly on amd64 and arm64) converts exactly as the
// Go reference does, bit for bit, and writes nothing past n groups.
func TestConvertMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, style := range []string{"random", "black", "white", "checker"} {
		for _, n := range []int{1, 2, 3, 128} {
			row0, row1 := kernelRows(rng, style, n)
			const guard = 4 // floats past the end that must stay untouched
			got := make([][]float32, 4)
			want := make([][]float32, 4)
			for i, size := range []int{8 * n, 8 * n, 4 * n, 4 * n} {
				got[i] = make([]float32, size+guard)
				want[i] = make([]float32, size+guard)
				for j := size; j < size+guard; j++ {
					got[i][j], want[i][j] = -7, -7
				}
			}
			convert8(row0, row1, got[0], got[1], got[2], got[3], n)
			convertGo(row0, row1, want[0], want[1], want[2], want[3], 4*n)
			for i, name := range []string{"y0", "y1", "cb", "cr"} {
				for j := range got[i] {
					if got[i][j] != want[i][j] {
						t.Fatalf("%s n=%d: %s[%d] = %v, want %v", style, n, name, j, got[i][j], want[i][j])
					}
				}
			}
		}
	}
}

// The DCT kernel in use quantises exactly as the Go reference does, on
// random, flat, extreme and striped blocks at every quality's multipliers,
// and its non-zero mask is the levels' mask.
func TestFdctQuantMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const stride = 24 // wider than a block, as in a strip
	blocks := 0
	for _, q := range []int{1, 10, 50, 75, 85, 95, 100} {
		tb := tablesFor(q)
		for _, f := range []*[64]float32{&tb.fLuma, &tb.fChroma} {
			for trial := range 60 {
				src := make([]float32, 7*stride+8+3)
				for i := range src {
					switch trial % 6 {
					case 0:
						src[i] = float32(rng.IntN(256)) - 128
					case 1:
						src[i] = rng.Float32()*255 - 128 // chroma-like fractions
					case 2:
						src[i] = -128
					case 3:
						src[i] = 127
					case 4:
						src[i] = float32((i%2)*255) - 128 // the highest horizontal frequency
					default:
						src[i] = float32(i/stride%2*255) - 128 // and vertical
					}
				}
				off := trial % 3 // unaligned starts
				var got, want [64]int32
				gotNZ := fdctQuant(src[off:], stride, f, &got)
				wantNZ := fdctQuantGo(src[off:], stride, f, &want)
				if got != want {
					t.Fatalf("q%d trial %d: levels\n%v\nwant\n%v", q, trial, got, want)
				}
				if gotNZ != wantNZ {
					t.Fatalf("q%d trial %d: mask %016x, want %016x", q, trial, gotNZ, wantNZ)
				}
				var mask uint64
				for i, l := range want {
					if l != 0 {
						mask |= 1 << i
					}
				}
				if gotNZ != mask {
					t.Fatalf("q%d trial %d: mask %016x, levels say %016x", q, trial, gotNZ, mask)
				}
				blocks++
			}
		}
	}
	t.Logf("%d blocks identical", blocks)
}

// The reordering tables put every transposed index at its zigzag place.
func TestToZigzag(t *testing.T) {
	for k := range 64 {
		if got := toZigzag(1 << transposed[k]); got != 1<<k {
			t.Fatalf("coefficient %d: mask %016x, want bit %d", k, got, k)
		}
	}
	if got := toZigzag(^uint64(0)); got != ^uint64(0) {
		t.Fatalf("all set: %016x", got)
	}
}

// The same picture encodes to the same bytes on every path: the amd64 and
// arm64 kernels and the Go reference (-tags purego). `make test` runs this
// on all three; a change to the encoder's arithmetic changes the digest,
// and the new one must then agree everywhere.
func TestSameBytesOnEveryPath(t *testing.T) {
	const want = "b68c56945a952c054d2993fc28b66d14b0485281bdccb7cd42487c9a4c9d0b45"
	data, err := Append(nil, mediatest.Photo(333, 250), Options{Quality: 85, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("sha256 %s, want %s", got, want)
	}
}

// FuzzKernels feeds arbitrary pixels and blocks to the kernel in use and to
// the Go reference: the assembly reads and writes raw memory, so any input
// where they differ (or either crashes) is a bug.
func FuzzKernels(f *testing.F) {
	f.Add([]byte{0, 255, 0, 255, 128, 1, 2, 3}, uint8(85), uint8(0))
	f.Add([]byte{255}, uint8(1), uint8(3))
	f.Add(make([]byte, 100), uint8(100), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, quality, shape uint8) {
		if len(data) == 0 {
			return
		}
		at := func(i int) byte { return data[i%len(data)] }
		// Colour conversion over 1-4 groups of eight pixels.
		n := 1 + int(shape%4)
		row0, row1 := make([]byte, 32*n), make([]byte, 32*n)
		for i := range row0 {
			row0[i], row1[i] = at(i), at(i+32*n+1)
		}
		got := [4][]float32{make([]float32, 8*n), make([]float32, 8*n), make([]float32, 4*n), make([]float32, 4*n)}
		want := [4][]float32{make([]float32, 8*n), make([]float32, 8*n), make([]float32, 4*n), make([]float32, 4*n)}
		convert8(row0, row1, got[0], got[1], got[2], got[3], n)
		convertGo(row0, row1, want[0], want[1], want[2], want[3], 4*n)
		for i := range got {
			for j := range got[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("convert plane %d [%d] = %v, want %v", i, j, got[i][j], want[i][j])
				}
			}
		}
		// One block in the samples' range, with fractions as chroma has.
		stride := 8 + int(shape/4%8)
		src := make([]float32, 7*stride+8)
		for i := range src {
			src[i] = float32(at(i)) - 128 + float32(at(i+7))/256
		}
		tb := tablesFor(1 + int(quality)%100)
		for _, q := range []*[64]float32{&tb.fLuma, &tb.fChroma} {
			var g, w [64]int32
			gm, wm := fdctQuant(src, stride, q, &g), fdctQuantGo(src, stride, q, &w)
			if g != w || gm != wm {
				t.Fatalf("fdctQuant: %v mask %x, want %v mask %x", g, gm, w, wm)
			}
		}
	})
}
