//go:build !purego

#include "textflag.h"

// SSE2: relax and the two sweeps of outline.go, sixteen bytes a vector.
// Distances stay below 104 and steps add at most 48, so byte arithmetic
// never wraps and PMINUB (unsigned) is the minimum.

// BCAST broadcasts the low byte of r to all sixteen lanes of x.
#define BCAST(r, x) \
	MOVQ r, x; \
	PUNPCKLBW x, x; \
	PSHUFLW $0, x, x; \
	PSHUFD $0, x, x

// PREFIX lowers each lane of X0 to its neighbour's k lanes away plus
// step (lanes shifted in are limit: fill), through X1. shift is PSLLO for
// the right sweep, PSRLO for the left.
#define PREFIX(shift, k, fill, step) \
	MOVO X0, X1; \
	shift $k, X1; \
	POR fill, X1; \
	PADDB step, X1; \
	PMINUB X1, X0

// SWEEP_SETUP loads a sweep's arguments and constants: X12 = limit,
// X2 = the carry (limit at first), X3..X6 = limit in the lanes a shift by
// 1, 2, 4, 8 empties (fill is the opposite shift), X7..X10 = the steps,
// X11 = the ramp at rampoff in sweepK.
#define SWEEP_SETUP(fill, rampoff) \
	MOVBQZX limit+16(FP), AX; \
	BCAST(AX, X12); \
	MOVO X12, X2; \
	MOVO X12, X3; \
	fill $15, X3; \
	MOVO X12, X4; \
	fill $14, X4; \
	MOVO X12, X5; \
	fill $12, X5; \
	MOVO X12, X6; \
	fill $8, X6; \
	MOVOU ·sweepK+0(SB), X7; \
	MOVOU ·sweepK+32(SB), X8; \
	MOVOU ·sweepK+48(SB), X9; \
	MOVOU ·sweepK+64(SB), X10; \
	MOVOU ·sweepK+rampoff(SB), X11

// SWEEP_BLOCK sweeps the sixteen bytes at DI from the carry in X2.
#define SWEEP_BLOCK(shift) \
	MOVOU (DI), X0; \
	PREFIX(shift, 1, X3, X7); \
	PREFIX(shift, 2, X4, X8); \
	PREFIX(shift, 4, X5, X9); \
	PREFIX(shift, 8, X6, X10); \
	PADDB X11, X2; \
	PMINUB X2, X0; \
	MOVOU X0, (DI)

// func relax16(cur, next *uint8, n int)
TEXT ·relax16(SB), NOSPLIT, $0-24
	MOVQ cur+0(FP), DI
	MOVQ next+8(FP), SI
	MOVQ n+16(FP), CX
	MOVOU ·sweepK+0(SB), X6
	MOVOU ·sweepK+16(SB), X7

relax:
	MOVOU (DI), X0
	MOVOU 1(SI), X1
	MOVOU (SI), X2
	MOVOU 2(SI), X3
	PADDB X6, X1
	PADDB X7, X2
	PADDB X7, X3
	PMINUB X1, X0
	PMINUB X2, X0
	PMINUB X3, X0
	MOVOU X0, (DI)
	ADDQ $16, DI
	ADDQ $16, SI
	DECQ CX
	JNZ relax
	RET

// func sweepRight16(row *uint8, n int, limit uint8) uint8
TEXT ·sweepRight16(SB), NOSPLIT, $0-25
	MOVQ row+0(FP), DI
	MOVQ n+8(FP), CX
	SWEEP_SETUP(PSRLO, 80)

right:
	SWEEP_BLOCK(PSLLO)
	// The carry: lane 15, in every lane.
	MOVO X0, X2
	PSRLO $15, X2
	PUNPCKLBW X2, X2
	PSHUFLW $0, X2, X2
	PSHUFD $0, X2, X2
	ADDQ $16, DI
	DECQ CX
	JNZ right
	MOVQ X2, AX
	MOVB AX, ret+24(FP)
	RET

// func sweepLeft16(row *uint8, n int, limit uint8) uint8
TEXT ·sweepLeft16(SB), NOSPLIT, $0-25
	MOVQ row+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ CX, DX
	SHLQ $4, DX
	LEAQ -16(DI)(DX*1), DI
	SWEEP_SETUP(PSLLO, 96)

left:
	SWEEP_BLOCK(PSRLO)
	// The carry: lane 0, in every lane.
	MOVO X0, X2
	PUNPCKLBW X2, X2
	PSHUFLW $0, X2, X2
	PSHUFD $0, X2, X2
	SUBQ $16, DI
	DECQ CX
	JNZ left
	MOVQ X2, AX
	MOVB AX, ret+24(FP)
	RET
