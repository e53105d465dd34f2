//go:build !purego

#include "textflag.h"

// SSE2 only (every amd64 has it): the same float32 operations, in the same
// order, as convertGo and fdctQuantGo in kernel.go, four lanes at a time.

// AAN8 is aan8 on eight vectors X0..X7, one point per register and four
// independent lanes. Constants: X12 = c707, X13 = c382, X14 = c541,
// X15 = c1306. Outputs: o0 = X2, o1 = X11, o2 = X1, o3 = X8, o4 = X0,
// o5 = X10, o6 = X4, o7 = X9; X3, X5, X6 and X7 are free afterwards.
// Register contents line by line: t0/t7 in X0/X8, t1/t6 in X1/X7,
// t2/t5 in X2/X6, t3/t4 in X3/X5; t10/t13 in X0/X4, t11/t12 in X1/X3;
// o0/o4; z1 in X3; o2/o6; the odd sums t4+t5, t5+t6, t6+t7 in X5, X6, X7;
// z5 in X3; z2 in X5; z4 in X7; z3 in X6; z11 in X9, z13 in X8; o5, o3,
// o1, o7.
#define AAN8 \
	MOVAPS X0, X8; ADDPS X7, X0; SUBPS X7, X8; \
	MOVAPS X1, X7; ADDPS X6, X1; SUBPS X6, X7; \
	MOVAPS X2, X6; ADDPS X5, X2; SUBPS X5, X6; \
	MOVAPS X3, X5; ADDPS X4, X3; SUBPS X4, X5; \
	MOVAPS X0, X4; ADDPS X3, X0; SUBPS X3, X4; \
	MOVAPS X1, X3; ADDPS X2, X1; SUBPS X2, X3; \
	MOVAPS X0, X2; ADDPS X1, X2; SUBPS X1, X0; \
	ADDPS X4, X3; MULPS X12, X3; \
	MOVAPS X4, X1; ADDPS X3, X1; SUBPS X3, X4; \
	ADDPS X6, X5; \
	ADDPS X7, X6; \
	ADDPS X8, X7; \
	MOVAPS X5, X3; SUBPS X7, X3; MULPS X13, X3; \
	MULPS X14, X5; ADDPS X3, X5; \
	MULPS X15, X7; ADDPS X3, X7; \
	MULPS X12, X6; \
	MOVAPS X8, X9; ADDPS X6, X9; \
	SUBPS X6, X8; \
	MOVAPS X8, X10; ADDPS X5, X10; \
	SUBPS X5, X8; \
	MOVAPS X9, X11; ADDPS X7, X11; \
	SUBPS X7, X9

// TRANSPOSE4 transposes the 4×4 matrix in rows a, b, c, d through X8..X11.
#define TRANSPOSE4(a, b, c, d) \
	MOVAPS a, X8; SHUFPS $0x44, b, X8; \
	MOVAPS a, X9; SHUFPS $0xEE, b, X9; \
	MOVAPS c, X10; SHUFPS $0x44, d, X10; \
	MOVAPS c, X11; SHUFPS $0xEE, d, X11; \
	MOVAPS X8, a; SHUFPS $0x88, X10, a; \
	MOVAPS X8, b; SHUFPS $0xDD, X10, b; \
	MOVAPS X9, c; SHUFPS $0x88, X11, c; \
	MOVAPS X9, d; SHUFPS $0xDD, X11, d

// LOAD8 loads eight rows of four floats from AX, row stride BX.
#define LOAD8 \
	MOVUPS (AX), X0; ADDQ BX, AX; \
	MOVUPS (AX), X1; ADDQ BX, AX; \
	MOVUPS (AX), X2; ADDQ BX, AX; \
	MOVUPS (AX), X3; ADDQ BX, AX; \
	MOVUPS (AX), X4; ADDQ BX, AX; \
	MOVUPS (AX), X5; ADDQ BX, AX; \
	MOVUPS (AX), X6; ADDQ BX, AX; \
	MOVUPS (AX), X7

// STORE8 stores AAN8's outputs as rows of the scratch matrix (32 bytes a
// row) at byte offset off of SP.
#define STORE8(off) \
	MOVUPS X2, (off+0)(SP); MOVUPS X11, (off+32)(SP); \
	MOVUPS X1, (off+64)(SP); MOVUPS X8, (off+96)(SP); \
	MOVUPS X0, (off+128)(SP); MOVUPS X10, (off+160)(SP); \
	MOVUPS X4, (off+192)(SP); MOVUPS X9, (off+224)(SP)

// QUANT quantises output r with the multipliers at off(DX) and stores the
// levels at off(DI). X5 = bias, X6 = unbias.
#define QUANT(r, off) \
	MOVUPS off(DX), X3; MULPS X3, r; ADDPS X5, r; \
	CVTTPS2PL r, r; PSUBL X6, r; MOVUPS r, off(DI)

// PASS2 transposes scratch rows u0..u0+3 (at byte offset 32·u0), runs the
// row DCT and quantises into out[8v+u0 .. 8v+u0+3] (byte offset 4·u0 + 32v).
#define PASS2(rows, col) \
	MOVUPS (rows+0)(SP), X0; MOVUPS (rows+32)(SP), X1; \
	MOVUPS (rows+64)(SP), X2; MOVUPS (rows+96)(SP), X3; \
	TRANSPOSE4(X0, X1, X2, X3); \
	MOVUPS (rows+16)(SP), X4; MOVUPS (rows+48)(SP), X5; \
	MOVUPS (rows+80)(SP), X6; MOVUPS (rows+112)(SP), X7; \
	TRANSPOSE4(X4, X5, X6, X7); \
	AAN8; \
	MOVUPS ·dctK+64(SB), X5; MOVUPS ·dctK+80(SB), X6; \
	QUANT(X2, col+0); QUANT(X11, col+32); QUANT(X1, col+64); QUANT(X8, col+96); \
	QUANT(X0, col+128); QUANT(X10, col+160); QUANT(X4, col+192); QUANT(X9, col+224)

// ZEROS16 sets bits 0..15 of AX for the zero levels among the sixteen at
// off(DI). X7 must be zero.
#define ZEROS16(off) \
	MOVUPS (off+0)(DI), X0; MOVUPS (off+16)(DI), X1; \
	MOVUPS (off+32)(DI), X2; MOVUPS (off+48)(DI), X3; \
	PCMPEQL X7, X0; PCMPEQL X7, X1; PCMPEQL X7, X2; PCMPEQL X7, X3; \
	PACKSSLW X1, X0; PACKSSLW X3, X2; PACKSSWB X2, X0; \
	PMOVMSKB X0, AX

// func fdctQuantAsm(src *float32, stride int, f *[64]float32, out *[64]int32) uint64
TEXT ·fdctQuantAsm(SB), NOSPLIT, $256-40
	MOVQ src+0(FP), SI
	MOVQ stride+8(FP), BX
	SHLQ $2, BX
	MOVQ f+16(FP), DX
	MOVQ out+24(FP), DI
	MOVUPS ·dctK+0(SB), X12
	MOVUPS ·dctK+16(SB), X13
	MOVUPS ·dctK+32(SB), X14
	MOVUPS ·dctK+48(SB), X15

	// Columns 0-3, then 4-7: the 1-D DCT down each column.
	MOVQ SI, AX
	LOAD8
	AAN8
	STORE8(0)
	LEAQ 16(SI), AX
	LOAD8
	AAN8
	STORE8(16)

	// Rows, four at a time after a transpose.
	PASS2(0, 0)
	PASS2(128, 16)

	// Non-zero mask, sixteen levels per PMOVMSKB.
	PXOR X7, X7
	ZEROS16(0)
	MOVQ AX, R8
	ZEROS16(64)
	SHLQ $16, AX
	ORQ AX, R8
	ZEROS16(128)
	SHLQ $32, AX
	ORQ AX, R8
	ZEROS16(192)
	SHLQ $48, AX
	ORQ AX, R8
	NOTQ R8
	MOVQ R8, ret+32(FP)
	RET

// SPLIT takes the R, G and B bytes of the four RGBA pixels in p into the
// int32 lanes of r, g and b. X15 = 0xFF in each lane.
#define SPLIT(p, r, g, b) \
	MOVO p, r; PAND X15, r; \
	MOVO p, g; PSRLL $8, g; PAND X15, g; \
	MOVO p, b; PSRLL $16, b; PAND X15, b

// LUMA computes Y of r, g, b (int32 lanes, clobbered) and stores it at dst.
// X11 = shift, X12..X14 = yR, yG, yB.
#define LUMA(r, g, b, dst) \
	CVTPL2PS r, r; MULPS X12, r; \
	CVTPL2PS g, g; MULPS X13, g; ADDPS g, r; \
	CVTPL2PS b, b; MULPS X14, b; SUBPS X11, b; ADDPS b, r; \
	MOVUPS r, dst

// func convertAsm(row0, row1 *byte, y0, y1, cb, cr *float32, n int)
TEXT ·convertAsm(SB), NOSPLIT, $0-56
	MOVQ row0+0(FP), SI
	MOVQ row1+8(FP), R8
	MOVQ y0+16(FP), DI
	MOVQ y1+24(FP), R9
	MOVQ cb+32(FP), R10
	MOVQ cr+40(FP), R11
	MOVQ n+48(FP), CX
	MOVL $0xFF, AX
	MOVQ AX, X15
	PSHUFD $0, X15, X15
	MOVUPS ·convK+0(SB), X12
	MOVUPS ·convK+16(SB), X13
	MOVUPS ·convK+32(SB), X14
	MOVUPS ·convK+48(SB), X11

loop:
	// Pixels 0-3 of both rows: luma, and per-column sums in X4..X6.
	MOVOU (SI), X0
	SPLIT(X0, X1, X2, X3)
	MOVO X1, X4; MOVO X2, X5; MOVO X3, X6
	LUMA(X1, X2, X3, (DI))
	MOVOU (R8), X0
	SPLIT(X0, X1, X2, X3)
	PADDL X1, X4; PADDL X2, X5; PADDL X3, X6
	LUMA(X1, X2, X3, (R9))
	// Pixels 4-7: sums in X7..X9.
	MOVOU 16(SI), X0
	SPLIT(X0, X1, X2, X3)
	MOVO X1, X7; MOVO X2, X8; MOVO X3, X9
	LUMA(X1, X2, X3, 16(DI))
	MOVOU 16(R8), X0
	SPLIT(X0, X1, X2, X3)
	PADDL X1, X7; PADDL X2, X8; PADDL X3, X9
	LUMA(X1, X2, X3, 16(R9))
	// Horizontal pairs: even columns plus odd columns, exact in int32.
	MOVAPS X4, X10; SHUFPS $0x88, X7, X10; SHUFPS $0xDD, X7, X4; PADDL X10, X4
	MOVAPS X5, X10; SHUFPS $0x88, X8, X10; SHUFPS $0xDD, X8, X5; PADDL X10, X5
	MOVAPS X6, X10; SHUFPS $0x88, X9, X10; SHUFPS $0xDD, X9, X6; PADDL X10, X6
	CVTPL2PS X4, X4
	CVTPL2PS X5, X5
	CVTPL2PS X6, X6
	// Cb = (sR·cbR − sG·cbG) + sB·cbB
	MOVUPS ·convK+64(SB), X1; MULPS X4, X1
	MOVUPS ·convK+80(SB), X2; MULPS X5, X2; SUBPS X2, X1
	MOVUPS ·convK+96(SB), X3; MULPS X6, X3; ADDPS X3, X1
	MOVUPS X1, (R10)
	// Cr = (sR·crR − sG·crG) − sB·crB
	MOVUPS ·convK+112(SB), X1; MULPS X4, X1
	MOVUPS ·convK+128(SB), X2; MULPS X5, X2; SUBPS X2, X1
	MOVUPS ·convK+144(SB), X3; MULPS X6, X3; SUBPS X3, X1
	MOVUPS X1, (R11)

	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, DI
	ADDQ $32, R9
	ADDQ $16, R10
	ADDQ $16, R11
	DECQ CX
	JNZ loop
	RET
