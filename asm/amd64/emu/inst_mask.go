package emu

import "fmt"

// AVX-512 mask-register instructions. The B/W/D/Q suffix is the width of
// the operation: results are zero-extended in the 64-bit register model.
// Go's order for two sources is "KANDW src2, src1, dst".

func init() {
	widths := map[string]int{"B": 8, "W": 16, "D": 32, "Q": 64}
	for suf, bitsN := range widths {
		bitsN := bitsN
		mask := sizeMask8(bitsN)
		register(func(m *Machine, in *Inst) error {
			if err := need(in, 2); err != nil {
				return err
			}
			v, err := m.load(in.Args[0], bitsN/8)
			if err != nil {
				return err
			}
			v &= mask
			switch dst := in.Args[1]; dst.Kind {
			case KindK:
				m.K[dst.Reg] = v
				return nil
			case KindGP:
				m.GP[dst.Reg] = v // zero-extended
				return nil
			default:
				return m.storeGP(dst, bitsN/8, v)
			}
		}, "KMOV"+suf)
		register(kshift(mask, false), "KSHIFTR"+suf)
		register(kshift(mask, true), "KSHIFTL"+suf)
		register(kunary(func(a uint64) uint64 { return ^a & mask }), "KNOT"+suf)
		register(kbinary(func(a, b uint64) uint64 { return a & b & mask }), "KAND"+suf)
		register(kbinary(func(a, b uint64) uint64 { return ^a & b & mask }), "KANDN"+suf)
		register(kbinary(func(a, b uint64) uint64 { return (a | b) & mask }), "KOR"+suf)
		register(kbinary(func(a, b uint64) uint64 { return (a ^ b) & mask }), "KXOR"+suf)
		register(kbinary(func(a, b uint64) uint64 { return ^(a ^ b) & mask }), "KXNOR"+suf)
		register(kbinary(func(a, b uint64) uint64 { return (a + b) & mask }), "KADD"+suf)
		// KORTEST: ZF if a|b is all zeros, CF if all ones. KTEST: ZF if
		// a&b is zero, CF if ^a&b is zero.
		register(func(m *Machine, in *Inst) error {
			if err := need(in, 2); err != nil {
				return err
			}
			a, b := m.K[in.Args[1].Reg]&mask, m.K[in.Args[0].Reg]&mask
			m.ZF, m.CF, m.SF, m.OF = (a|b) == 0, (a|b) == mask, false, false
			return nil
		}, "KORTEST"+suf)
		register(func(m *Machine, in *Inst) error {
			if err := need(in, 2); err != nil {
				return err
			}
			a, b := m.K[in.Args[1].Reg]&mask, m.K[in.Args[0].Reg]&mask
			m.ZF, m.CF, m.SF, m.OF = a&b == 0, ^a&b&mask == 0, false, false
			return nil
		}, "KTEST"+suf)
	}
}

func kshift(mask uint64, left bool) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		if in.Args[0].Kind != KindImm || in.Args[1].Kind != KindK || in.Args[2].Kind != KindK {
			return fmt.Errorf("want $imm, K, K")
		}
		n := uint64(in.Args[0].Imm) & 0xff
		v := m.K[in.Args[1].Reg] & mask
		var r uint64
		if n < 64 {
			if left {
				r = v << n & mask
			} else {
				r = v >> n
			}
		}
		m.K[in.Args[2].Reg] = r
		return nil
	}
}

func kunary(f func(a uint64) uint64) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		m.K[in.Args[1].Reg] = f(m.K[in.Args[0].Reg])
		return nil
	}
}

// kbinary: "KANDNW src2, src1, dst" is f(src1, src2).
func kbinary(f func(a, b uint64) uint64) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		m.K[in.Args[2].Reg] = f(m.K[in.Args[1].Reg], m.K[in.Args[0].Reg])
		return nil
	}
}
