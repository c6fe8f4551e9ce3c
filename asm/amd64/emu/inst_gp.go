package emu

import (
	"fmt"
	"math/bits"
)

// General-purpose integer instructions, branches and conditional moves.
// Go's operand order: "SUBQ src, dst" is dst -= src; "CMPQ a, b" sets the
// flags of a - b, so "CMPQ a, b; JLT" jumps when a < b.

// jumpConds maps Go's jump mnemonics (with the aliases it accepts) to
// condition codes.
var jumpConds = map[string]string{
	"JEQ": "EQ", "JE": "EQ", "JZ": "EQ",
	"JNE": "NE", "JNZ": "NE",
	"JLT": "LT", "JL": "LT", "JNGE": "LT",
	"JGE": "GE", "JNL": "GE",
	"JGT": "GT", "JG": "GT", "JNLE": "GT",
	"JLE": "LE", "JNG": "LE",
	"JCS": "CS", "JB": "CS", "JLO": "CS", "JC": "CS", "JNAE": "CS",
	"JCC": "CC", "JAE": "CC", "JHS": "CC", "JNB": "CC", "JNC": "CC",
	"JHI": "HI", "JA": "HI", "JNBE": "HI",
	"JLS": "LS", "JBE": "LS", "JNA": "LS",
	"JMI": "MI", "JS": "MI",
	"JPL": "PL", "JNS": "PL",
	"JOS": "OS", "JO": "OS",
	"JOC": "OC", "JNO": "OC",
	"JPS": "PS", "JP": "PS", "JPE": "PS",
	"JPC": "PC", "JNP": "PC", "JPO": "PC",
}

var condCodes = []string{"EQ", "NE", "LT", "GE", "GT", "LE", "CS", "CC", "HI", "LS", "MI", "PL", "OS", "OC", "PS", "PC"}

var sizeSuffix = map[string]int{"Q": 8, "L": 4, "W": 2, "B": 1}

func init() {
	register(func(m *Machine, in *Inst) error { m.pc = in.target; return nil }, "JMP")
	for op, cc := range jumpConds {
		cc := cc
		register(func(m *Machine, in *Inst) error {
			ok, err := m.cond(cc)
			if ok {
				m.pc = in.target
			}
			return err
		}, op)
	}
	register(func(m *Machine, in *Inst) error { m.ret = true; return nil }, "RET")
	nop := func(m *Machine, in *Inst) error { return nil }
	register(nop, "NOP", "PCALIGN", "SFENCE", "LFENCE", "MFENCE", "PREFETCHT0", "PREFETCHT1", "PREFETCHT2", "PREFETCHNTA", "PAUSE")

	for suf, n := range sizeSuffix {
		n := n
		register(binaryALU(n, aluAdd, true), "ADD"+suf)
		register(binaryALU(n, aluSub, true), "SUB"+suf)
		register(binaryALU(n, aluAnd, true), "AND"+suf)
		register(binaryALU(n, aluOr, true), "OR"+suf)
		register(binaryALU(n, aluXor, true), "XOR"+suf)
		register(compareALU(n, aluSub), "CMP"+suf)
		register(compareALU(n, aluAnd), "TEST"+suf)
		register(func(m *Machine, in *Inst) error {
			if err := need(in, 2); err != nil {
				return err
			}
			v, err := m.load(in.Args[0], n)
			if err != nil {
				return err
			}
			return m.storeGP(in.Args[1], n, v)
		}, "MOV"+suf)
		register(unaryALU(n, func(m *Machine, v uint64) uint64 {
			r := (v + 1) & sizeMask(n)
			m.OF = r == signBit(n)
			m.setZS(r, n)
			return r
		}), "INC"+suf)
		register(unaryALU(n, func(m *Machine, v uint64) uint64 {
			r := (v - 1) & sizeMask(n)
			m.OF = v == signBit(n)
			m.setZS(r, n)
			return r
		}), "DEC"+suf)
		register(unaryALU(n, func(m *Machine, v uint64) uint64 {
			r := (-v) & sizeMask(n)
			m.CF, m.OF = v != 0, v == signBit(n)
			m.setZS(r, n)
			return r
		}), "NEG"+suf)
		register(unaryALU(n, func(m *Machine, v uint64) uint64 { return ^v & sizeMask(n) }), "NOT"+suf)
		register(shift(n, "SHL"), "SHL"+suf)
		register(shift(n, "SHR"), "SHR"+suf)
		register(shift(n, "SAR"), "SAR"+suf)
	}
	for _, cc := range condCodes {
		cc := cc
		for _, suf := range []string{"Q", "L"} {
			n := sizeSuffix[suf]
			register(func(m *Machine, in *Inst) error {
				if err := need(in, 2); err != nil {
					return err
				}
				ok, err := m.cond(cc)
				if err != nil {
					return err
				}
				v, err := m.load(in.Args[0], n)
				if err != nil {
					return err
				}
				if !ok {
					// A 32-bit CMOV zero-extends its destination either way.
					v = m.GP[in.Args[1].Reg]
				}
				return m.storeGP(in.Args[1], n, v)
			}, "CMOV"+suf+cc)
		}
	}
	register(movx(4, 8, false), "MOVLQZX")
	register(movx(4, 8, true), "MOVLQSX")
	register(movx(1, 8, false), "MOVBQZX")
	register(movx(2, 8, false), "MOVWQZX")
	register(movx(1, 4, false), "MOVBLZX")
	register(movx(2, 4, false), "MOVWLZX")
	register(func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		a, err := m.addr(in.Args[0])
		if err != nil {
			return err
		}
		return m.storeGP(in.Args[1], 8, a)
	}, "LEAQ")
	register(imul(8), "IMULQ")
	register(imul(4), "IMULL")
	register(imul3(8), "IMUL3Q")
	register(imul3(4), "IMUL3L")
	register(div(8), "DIVQ")
	register(func(m *Machine, in *Inst) error {
		// BZHIQ index, src, dst: dst = src with bits from index[7:0] up cleared.
		if err := need(in, 3); err != nil {
			return err
		}
		idx, err := m.load(in.Args[0], 8)
		if err != nil {
			return err
		}
		src, err := m.load(in.Args[1], 8)
		if err != nil {
			return err
		}
		k := idx & 0xff
		r := src
		m.CF = k > 63
		if k < 64 {
			r = src & (1<<k - 1)
		}
		m.OF = false
		m.setZS(r, 8)
		return m.storeGP(in.Args[2], 8, r)
	}, "BZHIQ")
}

func need(in *Inst, n int) error {
	if len(in.Args) != n {
		return fmt.Errorf("want %d operands, have %d", n, len(in.Args))
	}
	return nil
}

func signBit(n int) uint64 { return 1 << (8*uint(n) - 1) }

func (m *Machine) setZS(r uint64, n int) {
	r &= sizeMask(n)
	m.ZF = r == 0
	m.SF = r&signBit(n) != 0
	m.PF = bits.OnesCount8(uint8(r))%2 == 0
}

type aluOp int

const (
	aluAdd aluOp = iota
	aluSub
	aluAnd
	aluOr
	aluXor
)

// alu computes dst op src and sets the flags as x86 does.
func (m *Machine) alu(op aluOp, dst, src uint64, n int) uint64 {
	mask, sign := sizeMask(n), signBit(n)
	dst, src = dst&mask, src&mask
	var r uint64
	switch op {
	case aluAdd:
		r = (dst + src) & mask
		m.CF = r < dst
		m.OF = ^(dst^src)&(dst^r)&sign != 0
	case aluSub:
		r = (dst - src) & mask
		m.CF = dst < src
		m.OF = (dst^src)&(dst^r)&sign != 0
	case aluAnd:
		r, m.CF, m.OF = dst&src, false, false
	case aluOr:
		r, m.CF, m.OF = dst|src, false, false
	case aluXor:
		r, m.CF, m.OF = dst^src, false, false
	}
	m.setZS(r, n)
	return r
}

func binaryALU(n int, op aluOp, store bool) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		src, err := m.load(in.Args[0], n)
		if err != nil {
			return err
		}
		dst, err := m.load(in.Args[1], n)
		if err != nil {
			return err
		}
		r := m.alu(op, dst, src, n)
		if !store {
			return nil
		}
		return m.storeGP(in.Args[1], n, r)
	}
}

// compareALU: CMP a, b sets the flags of a - b; TEST a, b those of a & b.
func compareALU(n int, op aluOp) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		a, err := m.load(in.Args[0], n)
		if err != nil {
			return err
		}
		b, err := m.load(in.Args[1], n)
		if err != nil {
			return err
		}
		m.alu(op, a, b, n)
		return nil
	}
}

func unaryALU(n int, f func(m *Machine, v uint64) uint64) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 1); err != nil {
			return err
		}
		v, err := m.load(in.Args[0], n)
		if err != nil {
			return err
		}
		return m.storeGP(in.Args[0], n, f(m, v))
	}
}

// shift: SHLQ count, dst with count an immediate or CX; the count is masked
// to 5 or 6 bits and a zero count leaves the flags alone.
func shift(n int, kind string) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		c, err := m.load(in.Args[0], 1)
		if err != nil {
			return err
		}
		if n == 8 {
			c &= 63
		} else {
			c &= 31
		}
		v, err := m.load(in.Args[1], n)
		if err != nil {
			return err
		}
		if c == 0 {
			return m.storeGP(in.Args[1], n, v)
		}
		width := uint64(8 * n)
		var r uint64
		switch kind {
		case "SHL":
			r = v << c
			m.CF = c <= width && (v>>(width-c))&1 != 0
		case "SHR":
			r = v >> c
			m.CF = (v>>(c-1))&1 != 0
		case "SAR":
			sv := int64(v<<(64-width)) >> (64 - width)
			r = uint64(sv >> c)
			m.CF = (sv>>(c-1))&1 != 0
		}
		r &= sizeMask(n)
		m.OF = false
		m.setZS(r, n)
		return m.storeGP(in.Args[1], n, r)
	}
}

func movx(from, to int, signed bool) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		v, err := m.load(in.Args[0], from)
		if err != nil {
			return err
		}
		if signed && v&signBit(from) != 0 {
			v |= ^sizeMask(from)
		}
		return m.storeGP(in.Args[1], to, v)
	}
}

func signExtend(v uint64, n int) int64 {
	return int64(v<<(64-8*uint(n))) >> (64 - 8*uint(n))
}

func (m *Machine) imulFlags(a, b int64, n int) uint64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	// Signed high part: correct the unsigned product.
	if a < 0 {
		hi -= uint64(b)
	}
	if b < 0 {
		hi -= uint64(a)
	}
	r := lo & sizeMask(n)
	var overflow bool
	if n == 8 {
		overflow = !(hi == 0 && int64(lo) >= 0 || hi == ^uint64(0) && int64(lo) < 0)
	} else {
		overflow = int64(lo) != signExtend(r, n)
	}
	m.CF, m.OF = overflow, overflow
	m.setZS(r, n)
	return r
}

// imul: IMULQ src, dst is dst *= src (the two-operand form).
func imul(n int) handler {
	return func(m *Machine, in *Inst) error {
		if len(in.Args) == 3 {
			return imul3(n)(m, in)
		}
		if err := need(in, 2); err != nil {
			return err
		}
		a, err := m.load(in.Args[0], n)
		if err != nil {
			return err
		}
		b, err := m.load(in.Args[1], n)
		if err != nil {
			return err
		}
		return m.storeGP(in.Args[1], n, m.imulFlags(signExtend(a, n), signExtend(b, n), n))
	}
}

// imul3: IMUL3Q $imm, src, dst is dst = src*imm.
func imul3(n int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		a, err := m.load(in.Args[0], n)
		if err != nil {
			return err
		}
		b, err := m.load(in.Args[1], n)
		if err != nil {
			return err
		}
		return m.storeGP(in.Args[2], n, m.imulFlags(signExtend(a, n), signExtend(b, n), n))
	}
}

// div: DIVQ src divides DX:AX by src, unsigned: quotient to AX, remainder
// to DX. Division by zero or a quotient that does not fit is #DE.
func div(n int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 1); err != nil {
			return err
		}
		d, err := m.load(in.Args[0], n)
		if err != nil {
			return err
		}
		hi, lo := m.GP[2], m.GP[0]
		if d == 0 || hi >= d {
			return fmt.Errorf("divide error (#DE): DX:AX = %#x:%#x, divisor %#x", hi, lo, d)
		}
		q, r := bits.Div64(hi, lo, d)
		m.GP[0], m.GP[2] = q, r
		return nil
	}
}
