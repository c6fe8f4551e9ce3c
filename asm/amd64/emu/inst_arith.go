package emu

import (
	"fmt"
	"math"
)

// Floating-point arithmetic, fused multiply-add, bitwise logic and
// compares, packed and scalar.
//
// Arithmetic is Go's float32/float64 arithmetic, which is IEEE 754 with
// round-to-nearest-even and gradual underflow: the hardware's behavior with
// the default MXCSR (no DAZ/FTZ). Each operation is a separate function
// with explicit conversions so that the compiler cannot fuse a multiply
// and an add. NaN results may differ from the hardware's in their payload;
// the tests count any NaN as equal to any other.

func init() {
	type fop struct {
		name string
		f32  func(a, b float32) float32
		f64  func(a, b float64) float64
	}
	ops := []fop{
		{"ADD", add32, add64},
		{"SUB", sub32, sub64},
		{"MUL", mul32, mul64},
		{"DIV", div32, div64},
		// x86 MIN/MAX return the second source when either is NaN or
		// both are zeros: dst = src1 < src2 ? src1 : src2.
		{"MIN", func(a, b float32) float32 { return pickIf(a < b, a, b) }, func(a, b float64) float64 { return pickIf(a < b, a, b) }},
		{"MAX", func(a, b float32) float32 { return pickIf(a > b, a, b) }, func(a, b float64) float64 { return pickIf(a > b, a, b) }},
	}
	for _, op := range ops {
		op := op
		register(elementwise(4, func(a, b, _ uint64) uint64 { return b32(op.f32(f32(a), f32(b))) }), "V"+op.name+"PS")
		register(elementwise(8, func(a, b, _ uint64) uint64 { return b64(op.f64(f64(a), f64(b))) }), "V"+op.name+"PD")
		register(scalar(4, func(a, b uint64) uint64 { return b32(op.f32(f32(a), f32(b))) }), "V"+op.name+"SS")
		register(scalar(8, func(a, b uint64) uint64 { return b64(op.f64(f64(a), f64(b))) }), "V"+op.name+"SD")
	}
	register(unaryElementwise(4, func(a uint64) uint64 { return b32(float32(math.Sqrt(float64(f32(a))))) }), "VSQRTPS")
	register(unaryElementwise(8, func(a uint64) uint64 { return b64(math.Sqrt(f64(a))) }), "VSQRTPD")

	// Fused multiply-add: 231 is dst = src2*src3 + dst, 213 is
	// dst = src2*dst + src3, 132 is dst = dst*src3 + src2 (Intel operand
	// names; Go lists src3, src2, dst). elementwise passes a = src2,
	// b = src3 (Go's first operand), d = dst.
	type fmaForm struct {
		order string
		pick  func(a, b, d uint64) (x, y, z uint64) // x*y + z
	}
	forms := []fmaForm{
		{"231", func(a, b, d uint64) (uint64, uint64, uint64) { return a, b, d }},
		{"213", func(a, b, d uint64) (uint64, uint64, uint64) { return a, d, b }},
		{"132", func(a, b, d uint64) (uint64, uint64, uint64) { return d, b, a }},
	}
	type fmaSign struct {
		name          string
		negMul, negAd bool
	}
	signs := []fmaSign{{"VFMADD", false, false}, {"VFMSUB", false, true}, {"VFNMADD", true, false}, {"VFNMSUB", true, true}}
	for _, form := range forms {
		for _, s := range signs {
			form, s := form, s
			f32op := func(a, b, d uint64) uint64 {
				x, y, z := form.pick(a, b, d)
				fx, fz := f32(x), f32(z)
				if s.negMul {
					fx = -fx
				}
				if s.negAd {
					fz = -fz
				}
				return b32(fma32(fx, f32(y), fz))
			}
			f64op := func(a, b, d uint64) uint64 {
				x, y, z := form.pick(a, b, d)
				fx, fz := f64(x), f64(z)
				if s.negMul {
					fx = -fx
				}
				if s.negAd {
					fz = -fz
				}
				return b64(math.FMA(fx, f64(y), fz))
			}
			register(elementwise(4, f32op), s.name+form.order+"PS")
			register(elementwise(8, f64op), s.name+form.order+"PD")
			register(scalar3(4, f32op), s.name+form.order+"SS")
			register(scalar3(8, f64op), s.name+form.order+"SD")
		}
	}

	// Bitwise logic. ANDN is dst = ^src1 & src2.
	type lop struct {
		name string
		f    func(a, b uint64) uint64
	}
	logic := []lop{
		{"AND", func(a, b uint64) uint64 { return a & b }},
		{"ANDN", func(a, b uint64) uint64 { return ^a & b }},
		{"OR", func(a, b uint64) uint64 { return a | b }},
		{"XOR", func(a, b uint64) uint64 { return a ^ b }},
	}
	for _, op := range logic {
		op := op
		g := func(a, b, _ uint64) uint64 { return op.f(a, b) }
		register(elementwise(4, g), "V"+op.name+"PS", "VP"+op.name+"D")
		register(elementwise(8, g), "V"+op.name+"PD", "VP"+op.name, "VP"+op.name+"Q")
	}
	register(elementwise(4, func(a, b, _ uint64) uint64 { return uint64(uint32(a) + uint32(b)) }), "VPADDD")
	register(elementwise(8, func(a, b, _ uint64) uint64 { return a + b }), "VPADDQ")
	register(elementwise(4, func(a, b, _ uint64) uint64 { return uint64(uint32(a) - uint32(b)) }), "VPSUBD")
	register(elementwise(8, func(a, b, _ uint64) uint64 { return a - b }), "VPSUBQ")

	register(compare(4), "VCMPPS")
	register(compare(8), "VCMPPD")
	register(compareScalar(4), "VCMPSS")
	register(compareScalar(8), "VCMPSD")
}

func add32(a, b float32) float32 { return a + b }
func sub32(a, b float32) float32 { return a - b }
func mul32(a, b float32) float32 { return a * b }
func div32(a, b float32) float32 { return a / b }
func add64(a, b float64) float64 { return a + b }
func sub64(a, b float64) float64 { return a - b }
func mul64(a, b float64) float64 { return a * b }
func div64(a, b float64) float64 { return a / b }

func pickIf[F float32 | float64](c bool, a, b F) F {
	if c {
		return a
	}
	return b
}

// fma32 is x*y+z rounded once to float32. The product is exact in
// float64; the sum is rounded to float64 with round-to-odd, which has
// enough extra bits (53 >= 24+2) that rounding it to float32 is correct.
func fma32(x, y, z float32) float32 {
	p := float64(x) * float64(y) // exact
	s := p + float64(z)
	if math.IsInf(s, 0) || math.IsNaN(s) || s == 0 {
		return float32(s)
	}
	// TwoSum: s + e == p + z exactly.
	bb := s - p
	e := (p - (s - bb)) + (float64(z) - bb)
	if e != 0 {
		bits := math.Float64bits(s)
		if bits&1 == 0 {
			// Round to odd: step towards the exact value.
			if (e > 0) == (s > 0) {
				bits++
			} else {
				bits--
			}
			s = math.Float64frombits(bits)
		}
	}
	return float32(s)
}

// cmpPredicate evaluates the imm8 predicate of VCMPPS/PD (all 32; the
// signaling variants differ only in the exceptions they raise).
func cmpPredicate(p int64, a, b float64) (bool, error) {
	if p < 0 || p > 31 {
		return false, fmt.Errorf("compare predicate %#x out of range", p)
	}
	unord := math.IsNaN(a) || math.IsNaN(b)
	switch p & 15 {
	case 0: // EQ_OQ
		return a == b, nil
	case 1: // LT_OS
		return a < b, nil
	case 2: // LE_OS
		return a <= b, nil
	case 3: // UNORD_Q
		return unord, nil
	case 4: // NEQ_UQ
		return a != b, nil
	case 5: // NLT_US
		return !(a < b), nil
	case 6: // NLE_US
		return !(a <= b), nil
	case 7: // ORD_Q
		return !unord, nil
	case 8: // EQ_UQ
		return a == b || unord, nil
	case 9: // NGE_US
		return !(a >= b), nil
	case 10: // NGT_US
		return !(a > b), nil
	case 11: // FALSE_OQ
		return false, nil
	case 12: // NEQ_OQ
		return a != b && !unord, nil
	case 13: // GE_OS
		return a >= b, nil
	case 14: // GT_OS
		return a > b, nil
	default: // TRUE_UQ
		return true, nil
	}
}

func laneFloat(es int, x uint64) float64 {
	if es == 4 {
		return float64(f32(x))
	}
	return f64(x)
}

// compare: "VCMPPS $imm, src2, src1, dst" with dst a vector (lanes of all
// ones or zeros) or a mask register (bits; masked by the write mask, with
// the bits above the lanes cleared).
func compare(es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 4); err != nil {
			return err
		}
		if in.Args[0].Kind != KindImm {
			return fmt.Errorf("compare predicate is not an immediate")
		}
		p := in.Args[0].Imm
		width := vecWidth(in)
		mask := m.writeMask(in)
		b, err := m.readVec(in, in.Args[1], width, es, mask)
		if err != nil {
			return err
		}
		a, err := m.readVec(in, in.Args[2], width, es, mask)
		if err != nil {
			return err
		}
		dst := in.Args[3]
		n := width / es
		if dst.Kind == KindK {
			var k uint64
			for i := 0; i < n; i++ {
				ok, err := cmpPredicate(p, laneFloat(es, a.lane(es, i)), laneFloat(es, b.lane(es, i)))
				if err != nil {
					return err
				}
				if ok && mask>>uint(i)&1 != 0 {
					k |= 1 << uint(i)
				}
			}
			m.K[dst.Reg] = k
			return nil
		}
		if in.Mask >= 0 {
			return fmt.Errorf("write mask on a vector-destination compare")
		}
		var r vec
		for i := 0; i < n; i++ {
			ok, err := cmpPredicate(p, laneFloat(es, a.lane(es, i)), laneFloat(es, b.lane(es, i)))
			if err != nil {
				return err
			}
			if ok {
				r.setLane(es, i, sizeMask(es))
			}
		}
		return m.setVecReg(dst, &r, width)
	}
}

// compareScalar: "VCMPSD $imm, src2, src1, dst": lane 0 compared, the rest
// of the low 128 bits from src1.
func compareScalar(es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 4); err != nil {
			return err
		}
		p := in.Args[0].Imm
		b, err := m.readScalar(in.Args[1], es)
		if err != nil {
			return err
		}
		a, err := m.readVec(in, in.Args[2], 16, es, 1)
		if err != nil {
			return err
		}
		ok, err := cmpPredicate(p, laneFloat(es, a.lane(es, 0)), laneFloat(es, b))
		if err != nil {
			return err
		}
		dst := in.Args[3]
		if dst.Kind == KindK {
			m.K[dst.Reg] = 0
			if ok && m.writeMask(in)&1 != 0 {
				m.K[dst.Reg] = 1
			}
			return nil
		}
		r := a
		r.setLane(es, 0, 0)
		if ok {
			r.setLane(es, 0, sizeMask(es))
		}
		return m.setVecReg(dst, &r, 16)
	}
}

// readScalar reads element 0 of a register or es bytes of memory.
func (m *Machine) readScalar(o Operand, es int) (uint64, error) {
	switch o.Kind {
	case KindVec:
		v := vec(m.V[o.Reg])
		return v.lane(es, 0), nil
	case KindMem:
		return m.load(o, es)
	}
	return 0, fmt.Errorf("operand %v is not a scalar source", o)
}

// scalar: "VADDSD src2, src1, dst": dst[0] = src1[0] op src2[0], the rest
// of the low 128 bits from src1, zero above; an EVEX write mask applies to
// element 0.
func scalar(es int, f func(a, b uint64) uint64) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		mask := m.writeMask(in)
		var b uint64
		if mask&1 != 0 {
			var err error
			if b, err = m.readScalar(in.Args[0], es); err != nil {
				return err
			}
		}
		a, err := m.readVec(in, in.Args[1], 16, es, ^uint64(0))
		if err != nil {
			return err
		}
		r := a
		dst := in.Args[2]
		switch {
		case mask&1 != 0:
			r.setLane(es, 0, f(a.lane(es, 0), b))
		case in.Zeroing:
			r.setLane(es, 0, 0)
		default:
			old := vec(m.V[dst.Reg])
			r.setLane(es, 0, old.lane(es, 0))
		}
		return m.setVecReg(dst, &r, 16)
	}
}

// scalar3 is the scalar FMA: f(src2, src3, dst) in lane 0, the rest of
// dst's low 128 bits kept.
func scalar3(es int, f func(a, b, d uint64) uint64) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		mask := m.writeMask(in)
		dst := in.Args[2]
		r := vec(m.V[dst.Reg])
		clear(r[16:])
		switch {
		case mask&1 != 0:
			b, err := m.readScalar(in.Args[0], es)
			if err != nil {
				return err
			}
			a, err := m.readScalar(in.Args[1], es)
			if err != nil {
				return err
			}
			r.setLane(es, 0, f(a, b, r.lane(es, 0)))
		case in.Zeroing:
			r.setLane(es, 0, 0)
		}
		return m.setVecReg(dst, &r, 16)
	}
}
