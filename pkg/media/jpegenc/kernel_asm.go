//go:build (amd64 || arm64) && !purego

package jpegenc

// convertAsm and fdctQuantAsm are kernel_$GOARCH.s: convertGo and
// fdctQuantGo, four lanes at a time, bit for bit the same results.

//go:noescape
func convertAsm(row0, row1 *byte, y0, y1, cb, cr *float32, n int)

//go:noescape
func fdctQuantAsm(src *float32, stride int, f *[64]float32, out *[64]int32) uint64

// convert8 is convertGo; the slices are checked here, once, because the
// assembly cannot.
func convert8(row0, row1 []byte, y0, y1, cb, cr []float32, n int) {
	if n <= 0 {
		return
	}
	_, _ = row0[32*n-1], row1[32*n-1]
	_, _, _, _ = y0[8*n-1], y1[8*n-1], cb[4*n-1], cr[4*n-1]
	convertAsm(&row0[0], &row1[0], &y0[0], &y1[0], &cb[0], &cr[0], n)
}

// fdctQuant is fdctQuantGo.
func fdctQuant(src []float32, stride int, f *[64]float32, out *[64]int32) uint64 {
	_ = src[7*stride+7]
	return fdctQuantAsm(&src[0], stride, f, out)
}
