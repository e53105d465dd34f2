//go:build !purego

#include "textflag.h"

// NEON (every arm64 has it): the same float32 operations, in the same
// order, as convertGo and fdctQuantGo in kernel.go, four lanes at a time.
// Go's assembler has no vector float instructions, so those are WORDs;
// the arguments are register numbers (d = destination).

#define FADD(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))
#define FSUB(d, n, m) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d))
#define FMUL(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
#define UCVTF(d, n) WORD $(0x6E21D800 | ((n)<<5) | (d))
#define FCVTZS(d, n) WORD $(0x4EA1B800 | ((n)<<5) | (d))
#define SUBS4(d, n, m) WORD $(0x6EA08400 | ((m)<<16) | ((n)<<5) | (d))
#define TRN1S(d, n, m) WORD $(0x4E802800 | ((m)<<16) | ((n)<<5) | (d))
#define TRN2S(d, n, m) WORD $(0x4E806800 | ((m)<<16) | ((n)<<5) | (d))
#define TRN1D(d, n, m) WORD $(0x4EC02800 | ((m)<<16) | ((n)<<5) | (d))
#define TRN2D(d, n, m) WORD $(0x4EC06800 | ((m)<<16) | ((n)<<5) | (d))
#define UADDLP(d, n) WORD $(0x6E602800 | ((n)<<5) | (d))

// AAN8 is aan8 on the eight vectors d0..d7 with temporaries t0..t3 and the
// constants V28 = c707, V29 = c382, V30 = c541, V31 = c1306. Outputs:
// o0 = t0, o1 = d6, o2 = d1, o3 = t3, o4 = t1, o5 = t2, o6 = d2, o7 = d7.
#define AAN8(d0, d1, d2, d3, d4, d5, d6, d7, t0, t1, t2, t3) \
	FADD(t0, d0, d7); FSUB(d7, d0, d7); \
	FADD(t1, d1, d6); FSUB(d6, d1, d6); \
	FADD(t2, d2, d5); FSUB(d5, d2, d5); \
	FADD(t3, d3, d4); FSUB(d4, d3, d4); \
	FADD(d0, t0, t3); FSUB(d3, t0, t3); \
	FADD(d1, t1, t2); FSUB(d2, t1, t2); \
	FADD(t0, d0, d1); FSUB(t1, d0, d1); \
	FADD(d0, d2, d3); FMUL(d0, d0, 28); \
	FADD(d1, d3, d0); FSUB(d2, d3, d0); \
	FADD(d0, d4, d5); FADD(d3, d5, d6); FADD(t2, d6, d7); \
	FSUB(t3, d0, t2); FMUL(t3, t3, 29); \
	FMUL(d4, d0, 30); FADD(d4, d4, t3); \
	FMUL(d5, t2, 31); FADD(d5, d5, t3); \
	FMUL(d6, d3, 28); \
	FADD(d0, d7, d6); FSUB(d3, d7, d6); \
	FADD(t2, d3, d4); FSUB(t3, d3, d4); \
	FADD(d6, d0, d5); FSUB(d7, d0, d5)

// TR4 transposes the 4×4 matrix in rows a, b, c, d into r0..r3 through
// t0..t3.
#define TR4(a, b, c, d, r0, r1, r2, r3, t0, t1, t2, t3) \
	TRN1S(t0, a, b); TRN2S(t1, a, b); TRN1S(t2, c, d); TRN2S(t3, c, d); \
	TRN1D(r0, t0, t2); TRN1D(r1, t1, t3); TRN2D(r2, t0, t2); TRN2D(r3, t1, t3)

// QUANT quantises output vector n (also named fn) with the multipliers at
// off(R2) and stores the levels at off(R3). V26 = bias, V27 = unbias.
#define QUANT(n, fn, off) \
	FMOVQ off(R2), F24; FMUL(n, n, 24); FADD(n, n, 26); \
	FCVTZS(n, n); SUBS4(n, n, 27); FMOVQ fn, off(R3)

// PASS2 runs the row DCT on columns V0, V1, V6, V7, V16, V12, V2, V19 and
// quantises into out at byte offset col.
#define PASS2(col) \
	AAN8(0, 1, 6, 7, 16, 12, 2, 19, 8, 9, 10, 11); \
	QUANT(8, F8, col+0); QUANT(2, F2, col+32); QUANT(1, F1, col+64); QUANT(11, F11, col+96); \
	QUANT(9, F9, col+128); QUANT(10, F10, col+160); QUANT(6, F6, col+192); QUANT(19, F19, col+224)

// LUMA computes Y of eight pixels from R, G, B as 16-bit halves (lo =
// pixels 0-3, hi = 4-7) into V11 and V12 through V13, V14, and stores it
// at dst, advancing it. V16..V19 = yR, yG, yB, shift.
#define LUMA(rlo, rhi, glo, ghi, blo, bhi, dst) \
	VUXTL rlo, V11.S4; \
	VUXTL2 rhi, V12.S4; \
	UCVTF(11, 11); UCVTF(12, 12); FMUL(11, 11, 16); FMUL(12, 12, 16); \
	VUXTL glo, V13.S4; \
	VUXTL2 ghi, V14.S4; \
	UCVTF(13, 13); UCVTF(14, 14); FMUL(13, 13, 17); FMUL(14, 14, 17); \
	FADD(11, 11, 13); FADD(12, 12, 14); \
	VUXTL blo, V13.S4; \
	VUXTL2 bhi, V14.S4; \
	UCVTF(13, 13); UCVTF(14, 14); FMUL(13, 13, 18); FMUL(14, 14, 18); \
	FSUB(13, 13, 19); FSUB(14, 14, 19); \
	FADD(11, 11, 13); FADD(12, 12, 14); \
	VST1.P [V11.S4, V12.S4], 32(dst)

// func fdctQuantAsm(src *float32, stride int, f *[64]float32, out *[64]int32) uint64
TEXT ·fdctQuantAsm(SB), NOSPLIT, $0-40
	MOVD src+0(FP), R0
	MOVD stride+8(FP), R1
	LSL $2, R1, R1
	MOVD f+16(FP), R2
	MOVD out+24(FP), R3
	MOVD $·dctK(SB), R4
	VLD1.P 64(R4), [V28.S4, V29.S4, V30.S4, V31.S4]
	VLD1 (R4), [V26.S4, V27.S4]

	// Row r in V(2r) (columns 0-3) and V(2r+1) (columns 4-7).
	VLD1.P (R0)(R1), [V0.S4, V1.S4]
	VLD1.P (R0)(R1), [V2.S4, V3.S4]
	VLD1.P (R0)(R1), [V4.S4, V5.S4]
	VLD1.P (R0)(R1), [V6.S4, V7.S4]
	VLD1.P (R0)(R1), [V8.S4, V9.S4]
	VLD1.P (R0)(R1), [V10.S4, V11.S4]
	VLD1.P (R0)(R1), [V12.S4, V13.S4]
	VLD1 (R0), [V14.S4, V15.S4]

	// Down the columns. Row u of the result, columns 0-3 then 4-7:
	// u0 V16 V20, u1 V12 V13, u2 V2 V3, u3 V19 V23,
	// u4 V17 V21, u5 V18 V22, u6 V4 V5, u7 V14 V15.
	AAN8(0, 2, 4, 6, 8, 10, 12, 14, 16, 17, 18, 19)
	AAN8(1, 3, 5, 7, 9, 11, 13, 15, 20, 21, 22, 23)

	// Along the rows, rows 0-3 then 4-7, transposed into columns.
	TR4(16, 12, 2, 19, 0, 1, 6, 7, 8, 9, 10, 11)
	TR4(20, 13, 3, 23, 16, 12, 2, 19, 8, 9, 10, 11)
	PASS2(0)
	TR4(17, 18, 4, 14, 0, 1, 6, 7, 8, 9, 10, 11)
	TR4(21, 22, 5, 15, 16, 12, 2, 19, 8, 9, 10, 11)
	PASS2(16)

	// Non-zero mask: compare, narrow to one byte per level, weight each
	// byte by its bit and add pairwise down to eight bytes.
	VEOR V25.B16, V25.B16, V25.B16
	MOVD R3, R5
	VLD1.P 64(R5), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R5), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R5), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1 (R5), [V12.S4, V13.S4, V14.S4, V15.S4]
	VCMEQ V25.S4, V0.S4, V0.S4
	VCMEQ V25.S4, V1.S4, V1.S4
	VCMEQ V25.S4, V2.S4, V2.S4
	VCMEQ V25.S4, V3.S4, V3.S4
	VCMEQ V25.S4, V4.S4, V4.S4
	VCMEQ V25.S4, V5.S4, V5.S4
	VCMEQ V25.S4, V6.S4, V6.S4
	VCMEQ V25.S4, V7.S4, V7.S4
	VCMEQ V25.S4, V8.S4, V8.S4
	VCMEQ V25.S4, V9.S4, V9.S4
	VCMEQ V25.S4, V10.S4, V10.S4
	VCMEQ V25.S4, V11.S4, V11.S4
	VCMEQ V25.S4, V12.S4, V12.S4
	VCMEQ V25.S4, V13.S4, V13.S4
	VCMEQ V25.S4, V14.S4, V14.S4
	VCMEQ V25.S4, V15.S4, V15.S4
	VUZP1 V1.H8, V0.H8, V0.H8
	VUZP1 V3.H8, V2.H8, V2.H8
	VUZP1 V5.H8, V4.H8, V4.H8
	VUZP1 V7.H8, V6.H8, V6.H8
	VUZP1 V9.H8, V8.H8, V8.H8
	VUZP1 V11.H8, V10.H8, V10.H8
	VUZP1 V13.H8, V12.H8, V12.H8
	VUZP1 V15.H8, V14.H8, V14.H8
	VUZP1 V2.B16, V0.B16, V0.B16
	VUZP1 V6.B16, V4.B16, V4.B16
	VUZP1 V10.B16, V8.B16, V8.B16
	VUZP1 V14.B16, V12.B16, V12.B16
	VMOVQ $0x8040201008040201, $0x8040201008040201, V24
	VAND V24.B16, V0.B16, V0.B16
	VAND V24.B16, V4.B16, V4.B16
	VAND V24.B16, V8.B16, V8.B16
	VAND V24.B16, V12.B16, V12.B16
	VADDP V4.B16, V0.B16, V0.B16
	VADDP V12.B16, V8.B16, V8.B16
	VADDP V8.B16, V0.B16, V0.B16
	VADDP V0.B16, V0.B16, V0.B16
	VMOV V0.D[0], R6
	MVN R6, R6
	MOVD R6, ret+32(FP)
	RET

// func convertAsm(row0, row1 *byte, y0, y1, cb, cr *float32, n int)
TEXT ·convertAsm(SB), NOSPLIT, $0-56
	MOVD row0+0(FP), R0
	MOVD row1+8(FP), R1
	MOVD y0+16(FP), R2
	MOVD y1+24(FP), R3
	MOVD cb+32(FP), R4
	MOVD cr+40(FP), R5
	MOVD n+48(FP), R6
	// V16..V25 = yR, yG, yB, shift, cbR, cbG, cbB, crR, crG, crB.
	MOVD $·convK(SB), R7
	VLD1.P 64(R7), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(R7), [V20.S4, V21.S4, V22.S4, V23.S4]
	VLD1 (R7), [V24.S4, V25.S4]

loop:
	// Eight pixels of each row, split into R, G, B (and A) bytes.
	VLD4.P 32(R0), [V0.B8, V1.B8, V2.B8, V3.B8]
	VLD4.P 32(R1), [V4.B8, V5.B8, V6.B8, V7.B8]

	// Luma of each row: R, G, B widened to 16 bits (row 0 in V8..V10,
	// which the chroma sums reuse; row 1 in V3, V7, V15, over alpha).
	VUXTL V0.B8, V8.H8
	VUXTL V1.B8, V9.H8
	VUXTL V2.B8, V10.H8
	LUMA(V8.H4, V8.H8, V9.H4, V9.H8, V10.H4, V10.H8, R2)
	VUXTL V4.B8, V3.H8
	VUXTL V5.B8, V7.H8
	VUXTL V6.B8, V15.H8
	LUMA(V3.H4, V3.H8, V7.H4, V7.H8, V15.H4, V15.H8, R3)

	// 2×2 sums: add row 1 to row 0 (16-bit), then adjacent pairs (32-bit).
	VUADDW V4.B8, V8.H8, V8.H8
	VUADDW V5.B8, V9.H8, V9.H8
	VUADDW V6.B8, V10.H8, V10.H8
	UADDLP(11, 8); UADDLP(12, 9); UADDLP(13, 10)
	UCVTF(11, 11); UCVTF(12, 12); UCVTF(13, 13)

	// Cb = (sR·cbR − sG·cbG) + sB·cbB
	FMUL(14, 11, 20); FMUL(26, 12, 21); FSUB(14, 14, 26); FMUL(26, 13, 22); FADD(14, 14, 26)
	VST1.P [V14.S4], 16(R4)
	// Cr = (sR·crR − sG·crG) − sB·crB
	FMUL(14, 11, 23); FMUL(26, 12, 24); FSUB(14, 14, 26); FMUL(26, 13, 25); FSUB(14, 14, 26)
	VST1.P [V14.S4], 16(R5)

	SUBS $1, R6, R6
	BNE loop
	RET
