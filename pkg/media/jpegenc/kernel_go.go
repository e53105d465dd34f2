//go:build (!amd64 && !arm64) || purego

package jpegenc

func convert8(row0, row1 []byte, y0, y1, cb, cr []float32, n int) {
	convertGo(row0, row1, y0, y1, cb, cr, 4*n)
}

func fdctQuant(src []float32, stride int, f *[64]float32, out *[64]int32) uint64 {
	return fdctQuantGo(src, stride, f, out)
}
