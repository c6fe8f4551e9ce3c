package emu

import "fmt"

// Permutes and shuffles. Each computes the full result from the sources,
// then writes it under the write mask; a memory source is read under the
// mask as well (element-aligned permutes only read what they are told).

func init() {
	register(permil(4), "VPERMILPS")
	register(permil(8), "VPERMILPD")
	register(permVar(4), "VPERMPS", "VPERMD")
	register(permQuad, "VPERMPD", "VPERMQ")
	register(perm2(4, false), "VPERMT2PS", "VPERMT2D")
	register(perm2(8, false), "VPERMT2PD", "VPERMT2Q")
	register(perm2(4, true), "VPERMI2PS", "VPERMI2D")
	register(perm2(8, true), "VPERMI2PD", "VPERMI2Q")
	register(unpack(4, false), "VUNPCKLPS", "VPUNPCKLDQ")
	register(unpack(4, true), "VUNPCKHPS", "VPUNPCKHDQ")
	register(unpack(8, false), "VUNPCKLPD", "VPUNPCKLQDQ")
	register(unpack(8, true), "VUNPCKHPD", "VPUNPCKHQDQ")
	register(shufps, "VSHUFPS")
	register(shufpd, "VSHUFPD")
	register(pshufd, "VPSHUFD")
}

// permuteResult writes r (computed for every lane) under the write mask.
func (m *Machine) permuteResult(in *Inst, dst Operand, r *vec, width, es int) error {
	return m.writeVec(in, dst, r, width, es, m.writeMask(in))
}

// permil: "VPERMILPS $imm, src, dst" selects within each 128-bit lane by
// imm (2 bits per element for PS, applied to every lane; 1 bit per
// element for PD, consecutive over the lanes); "VPERMILPS ctl, src1, dst"
// takes the selectors from the low bits of each element of ctl.
func permil(es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		width := vecWidth(in)
		per := 16 / es // elements per 128-bit lane
		var sel func(i int) int
		var src vec
		var err error
		if in.Args[0].Kind == KindImm {
			imm := uint64(in.Args[0].Imm)
			if src, err = m.readVec(in, in.Args[1], width, es, ^uint64(0)); err != nil {
				return err
			}
			sel = func(i int) int {
				if es == 4 {
					return int(imm >> (2 * uint(i%per)) & 3)
				}
				return int(imm >> uint(i%8) & 1)
			}
		} else {
			ctl, err := m.readVec(in, in.Args[0], width, es, ^uint64(0))
			if err != nil {
				return err
			}
			src = vec(m.V[in.Args[1].Reg])
			sel = func(i int) int {
				if es == 4 {
					return int(ctl.lane(es, i) & 3)
				}
				return int(ctl.lane(es, i) >> 1 & 1)
			}
		}
		var r vec
		for i := 0; i < width/es; i++ {
			base := i / per * per
			r.setLane(es, i, src.lane(es, base+sel(i)))
		}
		return m.permuteResult(in, in.Args[2], &r, width, es)
	}
}

// permVar: "VPERMPS src, idx, dst": dst[i] = src[idx[i] mod n] across the
// whole vector.
func permVar(es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		width := vecWidth(in)
		n := width / es
		src, err := m.readVec(in, in.Args[0], width, es, ^uint64(0))
		if err != nil {
			return err
		}
		idx := vec(m.V[in.Args[1].Reg])
		var r vec
		for i := 0; i < n; i++ {
			r.setLane(es, i, src.lane(es, int(idx.lane(es, i))%n))
		}
		return m.permuteResult(in, in.Args[2], &r, width, es)
	}
}

// permQuad: "VPERMPD $imm, src, dst" (2 bits per qword, within each 256
// bits) or the EVEX "VPERMPD src, idx, dst" with a vector of indices.
func permQuad(m *Machine, in *Inst) error {
	if err := need(in, 3); err != nil {
		return err
	}
	width := vecWidth(in)
	var r vec
	if in.Args[0].Kind == KindImm {
		imm := uint64(in.Args[0].Imm)
		src, err := m.readVec(in, in.Args[1], width, 8, ^uint64(0))
		if err != nil {
			return err
		}
		for i := 0; i < width/8; i++ {
			r.setU64(i, src.u64(i/4*4+int(imm>>(2*uint(i%4))&3)))
		}
	} else {
		return permVar(8)(m, in)
	}
	return m.permuteResult(in, in.Args[2], &r, width, 8)
}

// perm2 is the two-table permute of AVX-512:
//
//	VPERMT2PS t2, idx, t1/dst: dst[i] = (t1:t2)[idx[i]], t1 overwritten
//	VPERMI2PS t2, t1, idx/dst: dst[i] = (t1:t2)[idx[i]], idx overwritten
//
// with idx[i] taken modulo 2n, bit log2(n) choosing the table.
func perm2(es int, indexDst bool) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		width := vecWidth(in)
		n := width / es
		t2, err := m.readVec(in, in.Args[0], width, es, ^uint64(0))
		if err != nil {
			return err
		}
		var t1, idx vec
		if indexDst {
			t1, idx = vec(m.V[in.Args[1].Reg]), vec(m.V[in.Args[2].Reg])
		} else {
			idx, t1 = vec(m.V[in.Args[1].Reg]), vec(m.V[in.Args[2].Reg])
		}
		if in.Args[1].Kind != KindVec || in.Args[2].Kind != KindVec {
			return fmt.Errorf("two-table permute needs register index and table")
		}
		var r vec
		for i := 0; i < n; i++ {
			j := int(idx.lane(es, i)) % (2 * n)
			if j < n {
				r.setLane(es, i, t1.lane(es, j))
			} else {
				r.setLane(es, i, t2.lane(es, j-n))
			}
		}
		return m.permuteResult(in, in.Args[2], &r, width, es)
	}
}

// unpack: "VUNPCKLPS src2, src1, dst" interleaves the low (or high) halves
// of each 128-bit lane of src1 and src2.
func unpack(es int, high bool) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		width := vecWidth(in)
		b, err := m.readVec(in, in.Args[0], width, es, ^uint64(0))
		if err != nil {
			return err
		}
		a := vec(m.V[in.Args[1].Reg])
		per := 16 / es
		var r vec
		for lane := 0; lane < width/16; lane++ {
			base := lane * per
			off := 0
			if high {
				off = per / 2
			}
			for j := 0; j < per/2; j++ {
				r.setLane(es, base+2*j, a.lane(es, base+off+j))
				r.setLane(es, base+2*j+1, b.lane(es, base+off+j))
			}
		}
		return m.permuteResult(in, in.Args[2], &r, width, es)
	}
}

// shufps: "VSHUFPS $imm, src2, src1, dst": per 128-bit lane, elements 0,1
// from src1 and 2,3 from src2, 2 bits of imm each.
func shufps(m *Machine, in *Inst) error {
	if err := need(in, 4); err != nil {
		return err
	}
	imm := uint64(in.Args[0].Imm)
	width := vecWidth(in)
	b, err := m.readVec(in, in.Args[1], width, 4, ^uint64(0))
	if err != nil {
		return err
	}
	a := vec(m.V[in.Args[2].Reg])
	var r vec
	for lane := 0; lane < width/16; lane++ {
		base := 4 * lane
		r.setU32(base+0, a.u32(base+int(imm&3)))
		r.setU32(base+1, a.u32(base+int(imm>>2&3)))
		r.setU32(base+2, b.u32(base+int(imm>>4&3)))
		r.setU32(base+3, b.u32(base+int(imm>>6&3)))
	}
	return m.permuteResult(in, in.Args[3], &r, width, 4)
}

// shufpd: "VSHUFPD $imm, src2, src1, dst": per 128-bit lane, element 0
// from src1 and 1 from src2, 1 bit of imm each, consecutive.
func shufpd(m *Machine, in *Inst) error {
	if err := need(in, 4); err != nil {
		return err
	}
	imm := uint64(in.Args[0].Imm)
	width := vecWidth(in)
	b, err := m.readVec(in, in.Args[1], width, 8, ^uint64(0))
	if err != nil {
		return err
	}
	a := vec(m.V[in.Args[2].Reg])
	var r vec
	for lane := 0; lane < width/16; lane++ {
		base := 2 * lane
		r.setU64(base, a.u64(base+int(imm>>uint(2*lane)&1)))
		r.setU64(base+1, b.u64(base+int(imm>>uint(2*lane+1)&1)))
	}
	return m.permuteResult(in, in.Args[3], &r, width, 8)
}

// pshufd: "VPSHUFD $imm, src, dst": dwords within each 128-bit lane.
func pshufd(m *Machine, in *Inst) error {
	if err := need(in, 3); err != nil {
		return err
	}
	imm := uint64(in.Args[0].Imm)
	width := vecWidth(in)
	src, err := m.readVec(in, in.Args[1], width, 4, ^uint64(0))
	if err != nil {
		return err
	}
	var r vec
	for i := 0; i < width/4; i++ {
		r.setU32(i, src.u32(i/4*4+int(imm>>(2*uint(i%4))&3)))
	}
	return m.permuteResult(in, in.Args[2], &r, width, 4)
}
