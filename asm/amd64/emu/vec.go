package emu

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Vector operands, lanes and masking, shared by the vector instruction
// families.
//
// Every VEX or EVEX write to a vector register zeroes its bits above the
// operation's width (up to 512). Under a write mask (EVEX), masked-off
// lanes of the destination are kept (merging) or zeroed (.Z), and
// masked-off lanes of a memory operand are not accessed at all: they can
// not fault, so they are not checked against the regions.

// vec is one vector value of up to 64 bytes.
type vec [64]byte

func (v *vec) u32(i int) uint32       { return binary.LittleEndian.Uint32(v[4*i:]) }
func (v *vec) u64(i int) uint64       { return binary.LittleEndian.Uint64(v[8*i:]) }
func (v *vec) setU32(i int, x uint32) { binary.LittleEndian.PutUint32(v[4*i:], x) }
func (v *vec) setU64(i int, x uint64) { binary.LittleEndian.PutUint64(v[8*i:], x) }
func (v *vec) f32(i int) float32      { return math.Float32frombits(v.u32(i)) }
func (v *vec) f64(i int) float64      { return math.Float64frombits(v.u64(i)) }

// lane reads lane i of es bytes (4 or 8) as bits.
func (v *vec) lane(es, i int) uint64 {
	if es == 4 {
		return uint64(v.u32(i))
	}
	return v.u64(i)
}

func (v *vec) setLane(es, i int, x uint64) {
	if es == 4 {
		v.setU32(i, uint32(x))
	} else {
		v.setU64(i, x)
	}
}

// writeMask is the instruction's write mask: all ones without one.
func (m *Machine) writeMask(in *Inst) uint64 {
	if in.Mask < 0 {
		return ^uint64(0)
	}
	return m.K[in.Mask]
}

// vecWidth is the width of the operation: that of its widest vector
// register operand.
func vecWidth(in *Inst) int {
	w := 0
	for _, a := range in.Args {
		if a.Kind == KindVec && a.Width > w {
			w = a.Width
		}
	}
	return w
}

// readVec reads a vector source of width bytes made of es-byte elements.
// For a memory operand under a write mask only the enabled elements are
// read; with .BCST one element is read and broadcast.
func (m *Machine) readVec(in *Inst, o Operand, width, es int, mask uint64) (vec, error) {
	var v vec
	switch o.Kind {
	case KindVec:
		copy(v[:width], m.V[o.Reg][:width])
		return v, nil
	case KindMem:
		a, err := m.addr(o)
		if err != nil {
			return v, err
		}
		if in.Bcast {
			b, err := m.Mem.Read(a, es)
			if err != nil {
				return v, err
			}
			for i := 0; i < width/es; i++ {
				copy(v[i*es:], b)
			}
			return v, nil
		}
		if in.Mask < 0 {
			b, err := m.Mem.Read(a, width)
			if err != nil {
				return v, err
			}
			copy(v[:], b)
			return v, nil
		}
		for i := 0; i < width/es; i++ {
			if mask>>uint(i)&1 == 0 {
				continue
			}
			b, err := m.Mem.Read(a+uint64(i*es), es)
			if err != nil {
				return v, err
			}
			copy(v[i*es:], b)
		}
		return v, nil
	}
	return v, fmt.Errorf("operand %v is not a vector", o)
}

// writeVec writes the result r of width bytes in es-byte lanes to a vector
// register or memory, under the instruction's write mask.
func (m *Machine) writeVec(in *Inst, o Operand, r *vec, width, es int, mask uint64) error {
	switch o.Kind {
	case KindVec:
		d := &m.V[o.Reg]
		if in.Mask < 0 {
			copy(d[:width], r[:width])
		} else {
			for i := 0; i < width/es; i++ {
				switch {
				case mask>>uint(i)&1 != 0:
					copy(d[i*es:(i+1)*es], r[i*es:(i+1)*es])
				case in.Zeroing:
					clear(d[i*es : (i+1)*es])
				}
			}
		}
		clear(d[width:])
		return nil
	case KindMem:
		if in.Zeroing {
			return fmt.Errorf("zeroing-masking on a memory destination")
		}
		a, err := m.addr(o)
		if err != nil {
			return err
		}
		if in.Mask < 0 {
			return m.Mem.Write(a, r[:width])
		}
		for i := 0; i < width/es; i++ {
			if mask>>uint(i)&1 != 0 {
				if err := m.Mem.Write(a+uint64(i*es), r[i*es:(i+1)*es]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("operand %v is not a vector destination", o)
}

// setVecReg writes a whole register result (no write mask) of width bytes.
func (m *Machine) setVecReg(o Operand, r *vec, width int) error {
	if o.Kind != KindVec {
		return fmt.Errorf("operand %v is not a vector register", o)
	}
	d := &m.V[o.Reg]
	copy(d[:width], r[:width])
	clear(d[width:])
	return nil
}

// checkAligned enforces the alignment of the aligned and non-temporal
// moves, which fault (#GP) on a misaligned address.
func (m *Machine) checkAligned(o Operand, width int) error {
	if o.Kind != KindMem {
		return nil
	}
	a, err := m.addr(o)
	if err != nil {
		return err
	}
	if a%uint64(width) != 0 {
		return &AccessError{a, width, false, fmt.Sprintf("misaligned: the instruction needs %d-byte alignment (#GP)", width)}
	}
	return nil
}

// elementwise runs f over the lanes of a VEX/EVEX instruction with the Go
// operand order "OP src2, src1, dst" (Intel "OP dst, src1, src2"), where
// src2 may be memory: f(src1 lane, src2 lane, old dst lane).
func elementwise(es int, f func(a, b, d uint64) uint64) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		width := vecWidth(in)
		mask := m.writeMask(in)
		b, err := m.readVec(in, in.Args[0], width, es, mask)
		if err != nil {
			return err
		}
		a, err := m.readVec(in, in.Args[1], width, es, mask)
		if err != nil {
			return err
		}
		dst := in.Args[2]
		var r vec
		if dst.Kind == KindVec {
			r = vec(m.V[dst.Reg])
		}
		for i := 0; i < width/es; i++ {
			if mask>>uint(i)&1 == 0 {
				continue
			}
			r.setLane(es, i, f(a.lane(es, i), b.lane(es, i), r.lane(es, i)))
		}
		return m.writeVec(in, dst, &r, width, es, mask)
	}
}

// unaryElementwise: "OP src, dst" with f(src lane).
func unaryElementwise(es int, f func(a uint64) uint64) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		width := vecWidth(in)
		mask := m.writeMask(in)
		a, err := m.readVec(in, in.Args[0], width, es, mask)
		if err != nil {
			return err
		}
		var r vec
		for i := 0; i < width/es; i++ {
			if mask>>uint(i)&1 != 0 {
				r.setLane(es, i, f(a.lane(es, i)))
			}
		}
		return m.writeVec(in, in.Args[1], &r, width, es, mask)
	}
}

func f32(x uint64) float32 { return math.Float32frombits(uint32(x)) }
func f64(x uint64) float64 { return math.Float64frombits(x) }
func b32(x float32) uint64 { return uint64(math.Float32bits(x)) }
func b64(x float64) uint64 { return math.Float64bits(x) }
