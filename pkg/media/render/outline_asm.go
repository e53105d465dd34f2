//go:build (amd64 || arm64) && !purego

package render

// The outline's distance passes, sixteen pixels a vector (outline_$GOARCH.s:
// SSE2 on amd64, NEON on arm64); the Go code does the ends of each row and
// other architectures (and -tags purego) do it all. Integers only, so the
// results are the same bytes either way.

// relaxBlocks does relax's middle for as many 16-pixel blocks as fit and
// returns the x where the Go code goes on.
func relaxBlocks(cur, next []uint8) int {
	n := (len(cur) - 2) / 16
	if n > 0 {
		_ = next[16*n+1]
		relax16(&cur[1], &next[0], n)
	}
	return 1 + 16*n
}

// sweepRightBlocks does sweepRight's whole 16-byte blocks from the left and
// returns the x where the Go code goes on, and the carry there.
func sweepRightBlocks(row []uint8, limit uint8) (int, uint64) {
	n := len(row) / 16
	if n == 0 {
		return 0, uint64(limit)
	}
	return 16 * n, uint64(sweepRight16(&row[0], n, limit))
}

// sweepLeftBlocks does sweepLeft's whole 16-byte blocks from the right.
func sweepLeftBlocks(row []uint8, limit uint8) (int, uint64) {
	n := len(row) / 16
	if n == 0 {
		return len(row), uint64(limit)
	}
	x := len(row) - 16*n
	return x, uint64(sweepLeft16(&row[x], n, limit))
}

// relax16 is relax's middle for x = 1 … 16n: cur points at cur[1], next
// at next[0], and next must have 16n+2 bytes.
//
//go:noescape
func relax16(cur, next *uint8, n int)

// sweepRight16 is sweepRight over 16n bytes at row (its carry in is
// limit); it returns the carry out (the last byte).
//
//go:noescape
func sweepRight16(row *uint8, n int, limit uint8) uint8

// sweepLeft16 is sweepLeft over the 16n bytes at row, from the end (its
// carry in is limit); it returns the carry out (the first byte).
//
//go:noescape
func sweepLeft16(row *uint8, n int, limit uint8) uint8
