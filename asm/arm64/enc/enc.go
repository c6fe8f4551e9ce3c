// Package enc encodes the few AArch64 Advanced SIMD instructions that Go's
// arm64 assembler cannot spell, so a code generator can emit them as raw
// words with the GNU-syntax instruction in a trailing comment:
//
//	WORD $0x6e21dc02 // fmul v2.4s, v0.4s, v1.4s
//
// Each exported function encodes one instruction form. Encodings follow the
// "Advanced SIMD three same", "Advanced SIMD two-register miscellaneous" and
// "Advanced SIMD scalar pairwise" classes of the Arm Architecture Reference
// Manual; testdata/golden.txt is cross-checked against GNU as and objdump.
package enc

import "fmt"

// Arrangement is the element layout of a 128-bit vector operand.
type Arrangement int

const (
	// S4 is the .4s arrangement: four float32 lanes.
	S4 Arrangement = iota
	// D2 is the .2d arrangement: two float64 lanes.
	D2
)

// sz returns the floating-point size bit (bit 22) for a; it panics on an
// invalid arrangement so a generator bug cannot silently emit a wrong word.
func (a Arrangement) sz() uint32 {
	switch a {
	case S4:
		return 0
	case D2:
		return 1
	}
	panic(fmt.Sprintf("enc: invalid arrangement %d", int(a)))
}

// suffix returns the GNU arrangement specifier for a, e.g. "4s".
func (a Arrangement) suffix() string {
	if a.sz() == 0 {
		return "4s"
	}
	return "2d"
}

// Inst is one encoded instruction.
type Inst struct {
	Word uint32 // the 32-bit instruction word
	Text string // GNU syntax, lower case, e.g. "fmul v2.4s, v0.4s, v1.4s"
}

// String returns i as a Go assembler line, e.g.
// "WORD $0x6e21dc02 // fmul v2.4s, v0.4s, v1.4s".
func (i Inst) String() string {
	return fmt.Sprintf("WORD $0x%08x // %s", i.Word, i.Text)
}

// reg checks that r names one of v0..v31 and returns it as a field value.
func reg(r int) uint32 {
	if r < 0 || r > 31 {
		panic(fmt.Sprintf("enc: register %d out of range 0..31", r))
	}
	return uint32(r)
}

// threeSame encodes the "Advanced SIMD three same" layout shared by every
// three-register vector form here:
//
//	0 | Q | U | 01110 | size(2) | 1 | Rm | opcode(5) | 1 | Rn | Rd
//
// For floating-point forms size is a<<1|sz, where a selects between sibling
// instructions (fadd/fsub) and sz is the element size; for the bitwise .16b
// forms size selects the operation. Q is always 1: only 128-bit vectors.
func threeSame(u, size, opcode uint32, d, n, m int) uint32 {
	return 1<<30 | u<<29 | 0b01110<<24 | size<<22 | 1<<21 |
		reg(m)<<16 | opcode<<11 | 1<<10 | reg(n)<<5 | reg(d)
}

// twoMisc encodes the "Advanced SIMD two-register miscellaneous" layout:
//
//	0 | Q | U | 01110 | size(2) | 10000 | opcode(5) | 10 | Rn | Rd
func twoMisc(q, u, size, opcode uint32, d, n int) uint32 {
	return q<<30 | u<<29 | 0b01110<<24 | size<<22 | 0b10000<<17 |
		opcode<<12 | 0b10<<10 | reg(n)<<5 | reg(d)
}

// fp3 builds a three-same floating-point instruction and its text.
func fp3(mnem string, u, a, opcode uint32, arr Arrangement, d, n, m int) Inst {
	w := threeSame(u, a<<1|arr.sz(), opcode, d, n, m)
	s := arr.suffix()
	return Inst{w, fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", mnem, d, s, n, s, m, s)}
}

// FMUL encodes "fmul vd, vn, vm": lane-wise multiply.
func FMUL(a Arrangement, d, n, m int) Inst { return fp3("fmul", 1, 0, 0b11011, a, d, n, m) }

// FADD encodes "fadd vd, vn, vm": lane-wise add.
func FADD(a Arrangement, d, n, m int) Inst { return fp3("fadd", 0, 0, 0b11010, a, d, n, m) }

// FSUB encodes "fsub vd, vn, vm": lane-wise vn - vm.
func FSUB(a Arrangement, d, n, m int) Inst { return fp3("fsub", 0, 1, 0b11010, a, d, n, m) }

// FCMGT encodes "fcmgt vd, vn, vm": each lane of vd becomes all ones if
// vn > vm, else zero.
func FCMGT(a Arrangement, d, n, m int) Inst { return fp3("fcmgt", 1, 1, 0b11100, a, d, n, m) }

// FADDP encodes "faddp vd, vn, vm": adds adjacent lane pairs of the
// concatenation vm:vn, the low half of vd coming from vn.
func FADDP(a Arrangement, d, n, m int) Inst { return fp3("faddp", 1, 0, 0b11010, a, d, n, m) }

// FMLA encodes "fmla vd, vn, vm": vd += vn * vm, fused (single rounding).
// Go's assembler has VFMLA; this exists to cross-check it.
func FMLA(a Arrangement, d, n, m int) Inst { return fp3("fmla", 0, 0, 0b11001, a, d, n, m) }

// fpZero builds a two-register-misc compare against #0.0.
func fpZero(mnem string, u, opcode uint32, arr Arrangement, d, n int) Inst {
	// size<1> (the "a" bit) is 1 for all the compare-with-zero forms.
	w := twoMisc(1, u, 0b10|arr.sz(), opcode, d, n)
	s := arr.suffix()
	return Inst{w, fmt.Sprintf("%s v%d.%s, v%d.%s, #0.0", mnem, d, s, n, s)}
}

// FCMGTZero encodes "fcmgt vd, vn, #0.0": lanes become all ones where vn > 0.
// NaN lanes compare false.
func FCMGTZero(a Arrangement, d, n int) Inst { return fpZero("fcmgt", 0, 0b01100, a, d, n) }

// FCMLEZero encodes "fcmle vd, vn, #0.0": lanes become all ones where
// vn <= 0. It is not the complement of FCMGTZero: NaN lanes compare false in
// both.
func FCMLEZero(a Arrangement, d, n int) Inst { return fpZero("fcmle", 1, 0b01101, a, d, n) }

// FCVTL encodes "fcvtl vd.2d, vn.2s": widens the low two float32 lanes of vn.
func FCVTL(d, n int) Inst {
	// Q=0 selects the low half; sz=1 means the destination is float64.
	return Inst{twoMisc(0, 0, 0b01, 0b10111, d, n), fmt.Sprintf("fcvtl v%d.2d, v%d.2s", d, n)}
}

// FCVTL2 encodes "fcvtl2 vd.2d, vn.4s": widens the high two float32 lanes of
// vn.
func FCVTL2(d, n int) Inst {
	// Q=1 selects the high half.
	return Inst{twoMisc(1, 0, 0b01, 0b10111, d, n), fmt.Sprintf("fcvtl2 v%d.2d, v%d.4s", d, n)}
}

// FCVTN encodes "fcvtn vd.2s, vn.2d": rounds the two float64 lanes of vn to
// float32 in the low half of vd, clearing the high half.
func FCVTN(d, n int) Inst {
	// Q=0 writes the low half; sz=1 means the source is float64.
	return Inst{twoMisc(0, 0, 0b01, 0b10110, d, n), fmt.Sprintf("fcvtn v%d.2s, v%d.2d", d, n)}
}

// FCVTN2 encodes "fcvtn2 vd.4s, vn.2d": rounds the two float64 lanes of vn
// to float32 in the high half of vd, keeping the low half.
func FCVTN2(d, n int) Inst {
	// Q=1 writes the high half.
	return Inst{twoMisc(1, 0, 0b01, 0b10110, d, n), fmt.Sprintf("fcvtn2 v%d.4s, v%d.2d", d, n)}
}

// FADDPScalarD encodes "faddp dd, vn.2d": dd = vn[0] + vn[1], the final step
// of a float64 horizontal sum.
func FADDPScalarD(d, n int) Inst {
	// Advanced SIMD scalar pairwise: 01 | U=1 | 11110 | 0 | sz=1 | 11000 |
	// opcode=01101 | 10 | Rn | Rd.
	w := uint32(0b01)<<30 | 1<<29 | 0b11110<<24 | 1<<22 | 0b11000<<17 |
		0b01101<<12 | 0b10<<10 | reg(n)<<5 | reg(d)
	return Inst{w, fmt.Sprintf("faddp d%d, v%d.2d", d, n)}
}

// logic3 builds a bitwise .16b three-same instruction (opcode 00011), where
// U and size pick the operation.
func logic3(mnem string, u, size uint32, d, n, m int) Inst {
	return Inst{threeSame(u, size, 0b00011, d, n, m),
		fmt.Sprintf("%s v%d.16b, v%d.16b, v%d.16b", mnem, d, n, m)}
}

// BSL16B encodes "bsl vd.16b, vn.16b, vm.16b": bitwise select, taking vn
// where vd is set and vm where it is clear (vd is the mask and is
// overwritten).
func BSL16B(d, n, m int) Inst { return logic3("bsl", 1, 0b01, d, n, m) }

// BIT16B encodes "bit vd.16b, vn.16b, vm.16b": inserts bits of vn into vd
// where vm is set.
func BIT16B(d, n, m int) Inst { return logic3("bit", 1, 0b10, d, n, m) }

// BIF16B encodes "bif vd.16b, vn.16b, vm.16b": inserts bits of vn into vd
// where vm is clear.
func BIF16B(d, n, m int) Inst { return logic3("bif", 1, 0b11, d, n, m) }

// AND16B encodes "and vd.16b, vn.16b, vm.16b".
func AND16B(d, n, m int) Inst { return logic3("and", 0, 0b00, d, n, m) }

// BIC16B encodes "bic vd.16b, vn.16b, vm.16b": vd = vn &^ vm.
func BIC16B(d, n, m int) Inst { return logic3("bic", 0, 0b01, d, n, m) }

// ORR16B encodes "orr vd.16b, vn.16b, vm.16b". When n == m the instruction
// is a register copy and the text is its preferred alias "mov vd.16b,
// vn.16b", which is what disassemblers print.
func ORR16B(d, n, m int) Inst {
	i := logic3("orr", 0, 0b10, d, n, m)
	if n == m {
		i.Text = fmt.Sprintf("mov v%d.16b, v%d.16b", d, n)
	}
	return i
}

// EOR16B encodes "eor vd.16b, vn.16b, vm.16b".
func EOR16B(d, n, m int) Inst { return logic3("eor", 1, 0b00, d, n, m) }
