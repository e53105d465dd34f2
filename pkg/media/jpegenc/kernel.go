package jpegenc

// The two hot loops, colour conversion and DCT with quantisation, have an
// assembly version on amd64 (SSE2) and arm64 (NEON) and the Go version
// here everywhere else (and under the purego build tag). The Go version is
// also the reference the assembly is tested against bit for bit, so it
// does the same float32 operations in the same order: every product that
// is added to something is rounded by an explicit float32 conversion,
// which forbids the compiler to fuse it into a multiply-add (arm64 would).

// Colour constants (JFIF, BT.601 full range), four lanes each for the
// assembly. The chroma ones are divided by four because they apply to the
// sum of a 2×2 block.
var convK = struct {
	yR, yG, yB, shift [4]float32 // Y = R·yR + G·yG + (B·yB − shift)
	cbR, cbG, cbB     [4]float32 // Cb = (sR·cbR − sG·cbG) + sB·cbB
	crR, crG, crB     [4]float32 // Cr = (sR·crR − sG·crG) − sB·crB
}{
	lanes(0.299), lanes(0.587), lanes(0.114), lanes(128),
	lanes(-0.168736 / 4), lanes(0.331264 / 4), lanes(0.5 / 4),
	lanes(0.5 / 4), lanes(0.418688 / 4), lanes(0.081312 / 4),
}

func lanes(v float32) [4]float32 { return [4]float32{v, v, v, v} }

// dctK holds the AAN constants and the rounding bias, four lanes each, for
// the assembly.
var dctK = struct {
	c707, c382, c541, c1306 [4]float32
	bias                    [4]float32 // added before truncation: rounds half up for |v| < bias
	unbias                  [4]int32
}{
	lanes(0.707106781), lanes(0.382683433), lanes(0.541196100), lanes(1.306562965),
	lanes(16384.5), [4]int32{16384, 16384, 16384, 16384},
}

// Luma per channel value, the level shift folded into blue: three table
// lookups and two additions per pixel in the Go version.
var lumR, lumG, lumB = func() (r, g, b [256]float32) {
	for i := range 256 {
		v := float32(i)
		r[i], g[i], b[i] = float32(v*convK.yR[0]), float32(v*convK.yG[0]), float32(v*convK.yB[0])-convK.shift[0]
	}
	return
}()

// convertGo converts pairs pixel pairs from two RGBA rows: 2·pairs luma
// values per row into y0 and y1, and one chroma value per pair (the mean
// of its 2×2 block) into cb and cr.
func convertGo(row0, row1 []byte, y0, y1, cb, cr []float32, pairs int) {
	for cx := range pairs {
		x := 8 * cx
		a, b := row0[x:x+3:x+3], row0[x+4:x+7:x+7]
		c, d := row1[x:x+3:x+3], row1[x+4:x+7:x+7]
		y0[2*cx] = lumR[a[0]] + lumG[a[1]] + lumB[a[2]]
		y0[2*cx+1] = lumR[b[0]] + lumG[b[1]] + lumB[b[2]]
		y1[2*cx] = lumR[c[0]] + lumG[c[1]] + lumB[c[2]]
		y1[2*cx+1] = lumR[d[0]] + lumG[d[1]] + lumB[d[2]]
		sr := float32(int32(a[0]) + int32(b[0]) + int32(c[0]) + int32(d[0]))
		sg := float32(int32(a[1]) + int32(b[1]) + int32(c[1]) + int32(d[1]))
		sb := float32(int32(a[2]) + int32(b[2]) + int32(c[2]) + int32(d[2]))
		cb[cx] = float32(sr*convK.cbR[0]) - float32(sg*convK.cbG[0]) + float32(sb*convK.cbB[0])
		cr[cx] = float32(sr*convK.crR[0]) - float32(sg*convK.crG[0]) - float32(sb*convK.crB[0])
	}
}

// fdctQuantGo computes the scaled 2-D DCT of the 8×8 block at src (row
// stride stride) by the Arai-Agui-Nakajima method (5 multiplies and 29
// additions per 8 points), columns first, and quantises it with the
// multipliers f, which fold in the AAN scale factors. Levels go to out in
// transposed order (index 8·v+u for vertical frequency u and horizontal
// frequency v: the order a SIMD version produces without a second
// transpose); the result has bit i set when out[i] is not zero.
func fdctQuantGo(src []float32, stride int, f *[64]float32, out *[64]int32) uint64 {
	_ = src[7*stride+7]
	var a [64]float32 // a[8u+c]: column c's frequency u
	for c := range 8 {
		a[c], a[8+c], a[16+c], a[24+c], a[32+c], a[40+c], a[48+c], a[56+c] = aan8(
			src[c], src[stride+c], src[2*stride+c], src[3*stride+c],
			src[4*stride+c], src[5*stride+c], src[6*stride+c], src[7*stride+c])
	}
	var nz uint64
	for u := range 8 {
		r := (*[8]float32)(a[8*u : 8*u+8])
		var d [8]float32
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = aan8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
		for v, x := range d {
			i := v*8 + u
			// Round half up without math.Round: bias into the positive
			// range, truncate, unbias.
			l := int32(float32(x*f[i])+dctK.bias[0]) - dctK.unbias[0]
			out[i] = l
			nz |= uint64(uint32(l|-l)>>31) << i // branch-free: zeros come unpredictably
		}
	}
	return nz
}

// aan8 is the 1-D AAN butterfly over eight points.
func aan8(d0, d1, d2, d3, d4, d5, d6, d7 float32) (o0, o1, o2, o3, o4, o5, o6, o7 float32) {
	c707, c382, c541, c1306 := dctK.c707[0], dctK.c382[0], dctK.c541[0], dctK.c1306[0]
	t0, t7 := d0+d7, d0-d7
	t1, t6 := d1+d6, d1-d6
	t2, t5 := d2+d5, d2-d5
	t3, t4 := d3+d4, d3-d4
	t10, t13 := t0+t3, t0-t3
	t11, t12 := t1+t2, t1-t2
	o0, o4 = t10+t11, t10-t11
	z1 := float32((t12 + t13) * c707)
	o2, o6 = t13+z1, t13-z1
	t10, t11, t12 = t4+t5, t5+t6, t6+t7
	z5 := float32((t10 - t12) * c382)
	z2 := float32(t10*c541) + z5
	z4 := float32(t12*c1306) + z5
	z3 := float32(t11 * c707)
	z11, z13 := t7+z3, t7-z3
	return o0, z11 + z4, o2, z13 - z2, o4, z13 + z2, o6, z11 - z4
}

// transposed[k] is the out index (see fdctQuantGo) of the k-th
// coefficient in zigzag order.
var transposed = func() (t [64]uint8) {
	for k, nat := range zigzag {
		t[k] = nat%8*8 + nat/8
	}
	return
}()

// zigzagBits[j][b] maps byte j of a non-zero mask in out order to the same
// coefficients' bits in zigzag order: eight lookups reorder a whole block.
var zigzagBits = func() (t [8][256]uint64) {
	var pos [64]uint8 // out index → zigzag position
	for k, i := range transposed {
		pos[i] = uint8(k)
	}
	for j := range 8 {
		for b := range 256 {
			for i := range 8 {
				if b&(1<<i) != 0 {
					t[j][b] |= 1 << pos[8*j+i]
				}
			}
		}
	}
	return
}()

// toZigzag reorders a non-zero mask from out order to zigzag order.
func toZigzag(m uint64) uint64 {
	return zigzagBits[0][byte(m)] | zigzagBits[1][byte(m>>8)] |
		zigzagBits[2][byte(m>>16)] | zigzagBits[3][byte(m>>24)] |
		zigzagBits[4][byte(m>>32)] | zigzagBits[5][byte(m>>40)] |
		zigzagBits[6][byte(m>>48)] | zigzagBits[7][byte(m>>56)]
}
