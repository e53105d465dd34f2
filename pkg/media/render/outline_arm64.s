//go:build !purego

#include "textflag.h"

// NEON: relax and the two sweeps of outline.go, sixteen bytes a vector.
// Distances stay below 104 and steps add at most 48, so byte arithmetic
// never wraps and UMIN is the minimum.

// SWEEP_SETUP loads a sweep's arguments and constants: V12 = limit,
// V2 = the carry (limit at first), V7..V10 = the steps, V11 = the ramp
// at rampoff in sweepK.
#define SWEEP_SETUP(rampoff) \
	MOVD row+0(FP), R0; \
	MOVD n+8(FP), R1; \
	MOVBU limit+16(FP), R2; \
	VDUP R2, V12.B16; \
	VDUP R2, V2.B16; \
	VMOVI $3, V7.B16; \
	VMOVI $6, V8.B16; \
	VMOVI $12, V9.B16; \
	VMOVI $24, V10.B16; \
	MOVD $·sweepK+rampoff(SB), R4; \
	VLD1 (R4), [V11.B16]

// PREFIX lowers each lane of V0 to the lane k away plus step, through V1:
// V1 = EXT(lo, hi, imm) is V0 shifted with limit lanes (V12) coming in.
#define PREFIX(imm, hi, lo, step) \
	VEXT $imm, hi, lo, V1.B16; \
	VADD step, V1.B16, V1.B16; \
	VUMIN V1.B16, V0.B16, V0.B16

// func relax16(cur, next *uint8, n int)
TEXT ·relax16(SB), NOSPLIT, $0-24
	MOVD cur+0(FP), R0
	MOVD next+8(FP), R1
	MOVD n+16(FP), R2
	VMOVI $3, V6.B16
	VMOVI $4, V7.B16

relax:
	VLD1 (R0), [V0.B16]
	VLD1 (R1), [V2.B16]
	ADD $1, R1, R3
	VLD1 (R3), [V1.B16]
	ADD $2, R1, R3
	VLD1 (R3), [V3.B16]
	ADD $16, R1, R1
	VADD V6.B16, V1.B16, V1.B16
	VADD V7.B16, V2.B16, V2.B16
	VADD V7.B16, V3.B16, V3.B16
	VUMIN V1.B16, V0.B16, V0.B16
	VUMIN V2.B16, V0.B16, V0.B16
	VUMIN V3.B16, V0.B16, V0.B16
	VST1.P [V0.B16], 16(R0)
	SUBS $1, R2, R2
	BNE relax
	RET

// func sweepRight16(row *uint8, n int, limit uint8) uint8
TEXT ·sweepRight16(SB), NOSPLIT, $0-25
	SWEEP_SETUP(80)

right:
	VLD1 (R0), [V0.B16]
	// Lane i against lane i-k plus k steps; lanes before 0 are limit.
	PREFIX(15, V0.B16, V12.B16, V7.B16)
	PREFIX(14, V0.B16, V12.B16, V8.B16)
	PREFIX(12, V0.B16, V12.B16, V9.B16)
	PREFIX(8, V0.B16, V12.B16, V10.B16)
	VADD V11.B16, V2.B16, V2.B16
	VUMIN V2.B16, V0.B16, V0.B16
	VST1.P [V0.B16], 16(R0)
	VDUP V0.B[15], V2.B16
	SUBS $1, R1, R1
	BNE right
	VMOV V2.S[0], R5
	MOVB R5, ret+24(FP)
	RET

// func sweepLeft16(row *uint8, n int, limit uint8) uint8
TEXT ·sweepLeft16(SB), NOSPLIT, $0-25
	SWEEP_SETUP(96)
	ADD R1<<4, R0, R0
	SUB $16, R0, R0

left:
	VLD1 (R0), [V0.B16]
	// Lane i against lane i+k plus k steps; lanes past 15 are limit.
	PREFIX(1, V12.B16, V0.B16, V7.B16)
	PREFIX(2, V12.B16, V0.B16, V8.B16)
	PREFIX(4, V12.B16, V0.B16, V9.B16)
	PREFIX(8, V12.B16, V0.B16, V10.B16)
	VADD V11.B16, V2.B16, V2.B16
	VUMIN V2.B16, V0.B16, V0.B16
	VST1 [V0.B16], (R0)
	SUB $16, R0, R0
	VDUP V0.B[0], V2.B16
	SUBS $1, R1, R1
	BNE left
	VMOV V2.S[0], R5
	MOVB R5, ret+24(FP)
	RET
