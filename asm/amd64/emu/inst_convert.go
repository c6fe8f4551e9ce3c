package emu

import "fmt"

// Conversions between float32 and float64, packed and scalar. Widening is
// exact; narrowing rounds to nearest even, as Go's conversion does (and
// the hardware with the default MXCSR).

func init() {
	register(cvtps2pd, "VCVTPS2PD")
	register(pmovsxdq, "VPMOVSXDQ")
	register(cvtpd2ps(0), "VCVTPD2PS")
	register(cvtpd2ps(16), "VCVTPD2PSX")
	register(cvtpd2ps(32), "VCVTPD2PSY")
	register(cvtScalar(4, 8), "VCVTSS2SD")
	register(cvtScalar(8, 4), "VCVTSD2SS")
}

// cvtps2pd: "VCVTPS2PD src, dst": dst's width/8 doubles from as many
// floats of src (an X/Y register or half of dst's width of memory). Under
// a write mask, element i of memory is read only if bit i is set.
func cvtps2pd(m *Machine, in *Inst) error {
	if err := need(in, 2); err != nil {
		return err
	}
	src, dst := in.Args[0], in.Args[1]
	if dst.Kind != KindVec {
		return fmt.Errorf("destination must be a register")
	}
	width := dst.Width
	n := width / 8
	mask := m.writeMask(in)
	s, err := m.readVec(in, src, width/2, 4, mask)
	if err != nil {
		return err
	}
	var r vec
	for i := 0; i < n; i++ {
		r.setU64(i, b64(float64(s.f32(i))))
	}
	return m.writeVec(in, dst, &r, width, 8, mask)
}

// pmovsxdq: "VPMOVSXDQ src, dst": dst's width/8 quadwords, each the sign
// extension of a doubleword of src (an X register or half of dst's width
// of memory): how a mask of float32 lanes becomes one of float64 lanes.
func pmovsxdq(m *Machine, in *Inst) error {
	if err := need(in, 2); err != nil {
		return err
	}
	src, dst := in.Args[0], in.Args[1]
	if dst.Kind != KindVec || in.Mask >= 0 {
		return fmt.Errorf("only the unmasked register form is emulated")
	}
	width := dst.Width
	all := ^uint64(0)
	s, err := m.readVec(in, src, width/2, 4, all)
	if err != nil {
		return err
	}
	var r vec
	for i := 0; i < width/8; i++ {
		r.setU64(i, uint64(int64(int32(s.u32(i)))))
	}
	return m.writeVec(in, dst, &r, width, 8, all)
}

// cvtpd2ps: "VCVTPD2PS src, dst": the doubles of src narrowed into the low
// half-width of dst, the rest zeroed. srcWidth is fixed by the X/Y
// suffixes (needed for a memory source); plain VCVTPD2PS takes it from the
// source register, or twice the destination's width for memory.
func cvtpd2ps(srcWidth int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		src, dst := in.Args[0], in.Args[1]
		if dst.Kind != KindVec {
			return fmt.Errorf("destination must be a register")
		}
		w := srcWidth
		switch {
		case w == 0 && src.Kind == KindVec:
			w = src.Width
		case w == 0:
			w = 2 * dst.Width
			if w > 64 {
				w = 64
			}
		}
		if src.Kind == KindVec && src.Width != w {
			return fmt.Errorf("source %v does not match the %d-byte form", src, w)
		}
		n := w / 8
		mask := m.writeMask(in)
		s, err := m.readVec(in, src, w, 8, mask)
		if err != nil {
			return err
		}
		var r vec
		for i := 0; i < n; i++ {
			r.setU32(i, uint32(b32(float32(s.f64(i)))))
		}
		outWidth := w / 2
		if outWidth < 16 {
			outWidth = 16 // an X destination; the upper half is zero
		}
		return m.writeVec(in, dst, &r, outWidth, 4, mask&sizeMask8(n))
	}
}

func sizeMask8(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(n) - 1
}

// cvtScalar: "VCVTSS2SD src2, src1, dst": element 0 converted from src2,
// the rest of the low 128 bits from src1, zero above.
func cvtScalar(from, to int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		mask := m.writeMask(in)
		dst := in.Args[2]
		a := vec(m.V[in.Args[1].Reg])
		r := a
		clear(r[16:])
		switch {
		case mask&1 != 0:
			v, err := m.readScalar(in.Args[0], from)
			if err != nil {
				return err
			}
			if from == 4 {
				r.setU64(0, b64(float64(f32(v))))
			} else {
				r.setU32(0, uint32(b32(float32(f64(v)))))
			}
		case in.Zeroing:
			r.setLane(to, 0, 0)
		default:
			old := vec(m.V[dst.Reg])
			r.setLane(to, 0, old.lane(to, 0))
		}
		return m.setVecReg(dst, &r, 16)
	}
}
