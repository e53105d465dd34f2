//go:build (!amd64 && !arm64) || purego

package render

// Without the SIMD kernels the Go code does every pixel: no blocks done.

func relaxBlocks(cur, next []uint8) int { return 1 }

func sweepRightBlocks(row []uint8, limit uint8) (int, uint64) { return 0, uint64(limit) }

func sweepLeftBlocks(row []uint8, limit uint8) (int, uint64) { return len(row), uint64(limit) }
