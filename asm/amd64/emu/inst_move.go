package emu

import (
	"fmt"
)

// Data movement: whole-vector moves (unaligned, aligned, non-temporal,
// masked), scalar moves, broadcasts, blends, lane extracts and inserts.

func init() {
	// Moves: es is the element size that a write mask counts in.
	register(move(4, false), "VMOVUPS", "VMOVDQU", "VMOVDQU32")
	register(move(8, false), "VMOVUPD", "VMOVDQU64")
	register(move(1, false), "VMOVDQU8")
	register(move(2, false), "VMOVDQU16")
	register(move(4, true), "VMOVAPS", "VMOVDQA", "VMOVDQA32", "VMOVNTPS", "VMOVNTDQ", "VMOVNTDQA")
	register(move(8, true), "VMOVAPD", "VMOVDQA64", "VMOVNTPD")
	register(maskmov(4), "VMASKMOVPS", "VPMASKMOVD")
	register(maskmov(8), "VMASKMOVPD", "VPMASKMOVQ")
	register(movScalar(4), "VMOVSS")
	register(movScalar(8), "VMOVSD")
	register(movGP(4), "VMOVD")
	register(movGP(8), "VMOVQ")

	register(broadcast(4, 4), "VBROADCASTSS", "VPBROADCASTD")
	register(broadcast(8, 8), "VBROADCASTSD", "VPBROADCASTQ")
	register(broadcast(16, 4), "VBROADCASTF128", "VBROADCASTI128", "VBROADCASTF32X4", "VBROADCASTI32X4")
	register(broadcast(32, 8), "VBROADCASTF64X4", "VBROADCASTI64X4")

	register(blendv(4), "VBLENDVPS")
	register(blendv(8), "VBLENDVPD")
	register(blendm(4), "VBLENDMPS", "VPBLENDMD")
	register(blendm(8), "VBLENDMPD", "VPBLENDMQ")
	register(blendImm(4), "VBLENDPS", "VPBLENDD")
	register(blendImm(8), "VBLENDPD")

	register(extract(16, 4), "VEXTRACTF128", "VEXTRACTI128", "VEXTRACTF32X4", "VEXTRACTI32X4")
	register(extract(16, 8), "VEXTRACTF64X2", "VEXTRACTI64X2")
	register(extract(32, 8), "VEXTRACTF64X4", "VEXTRACTI64X4")
	register(extract(32, 4), "VEXTRACTF32X8", "VEXTRACTI32X8")
	register(insert(16, 4), "VINSERTF128", "VINSERTI128", "VINSERTF32X4", "VINSERTI32X4")
	register(insert(16, 8), "VINSERTF64X2", "VINSERTI64X2")
	register(insert(32, 8), "VINSERTF64X4", "VINSERTI64X4")
	register(insert(32, 4), "VINSERTF32X8", "VINSERTI32X8")

	register(func(m *Machine, in *Inst) error {
		for i := 0; i < 16; i++ {
			clear(m.V[i][16:])
		}
		return nil
	}, "VZEROUPPER")
	register(func(m *Machine, in *Inst) error {
		for i := 0; i < 16; i++ {
			clear(m.V[i][:])
		}
		return nil
	}, "VZEROALL")
}

// move: "VMOVUPS src, dst" between a register and a register or memory.
// Aligned and non-temporal moves fault on a memory operand that is not
// aligned to the width.
func move(es int, aligned bool) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		width := vecWidth(in)
		if width == 0 {
			return fmt.Errorf("no vector register operand")
		}
		if aligned {
			for _, o := range in.Args {
				if err := m.checkAligned(o, width); err != nil {
					return err
				}
			}
		}
		mask := m.writeMask(in)
		r, err := m.readVec(in, in.Args[0], width, es, mask)
		if err != nil {
			return err
		}
		return m.writeVec(in, in.Args[1], &r, width, es, mask)
	}
}

// maskmov is the AVX VMASKMOV: the sign bits of the mask vector select the
// elements; unselected ones are neither read nor written (no fault), and
// read as zero.
//
//	load:  VMASKMOVPS mem, mask, dst
//	store: VMASKMOVPS src, mask, mem
func maskmov(es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		width := vecWidth(in)
		mv := vec(m.V[in.Args[1].Reg])
		var sel uint64
		for i := 0; i < width/es; i++ {
			if mv.lane(es, i)>>(8*uint(es)-1) != 0 {
				sel |= 1 << uint(i)
			}
		}
		src, dst := in.Args[0], in.Args[2]
		switch {
		case src.Kind == KindMem && dst.Kind == KindVec:
			a, err := m.addr(src)
			if err != nil {
				return err
			}
			var r vec
			for i := 0; i < width/es; i++ {
				if sel>>uint(i)&1 != 0 {
					b, err := m.Mem.Read(a+uint64(i*es), es)
					if err != nil {
						return err
					}
					copy(r[i*es:], b)
				}
			}
			return m.setVecReg(dst, &r, width)
		case src.Kind == KindVec && dst.Kind == KindMem:
			a, err := m.addr(dst)
			if err != nil {
				return err
			}
			v := vec(m.V[src.Reg])
			for i := 0; i < width/es; i++ {
				if sel>>uint(i)&1 != 0 {
					if err := m.Mem.Write(a+uint64(i*es), v[i*es:(i+1)*es]); err != nil {
						return err
					}
				}
			}
			return nil
		}
		return fmt.Errorf("VMASKMOV needs one memory and one register operand")
	}
}

// movScalar is VMOVSS/VMOVSD:
//
//	load:  VMOVSD mem, X       element 0 from memory, the rest zeroed
//	store: VMOVSD X, mem       element 0 to memory (under a write mask bit 0)
//	merge: VMOVSD X2, X1, X0   X0 = X2[0], X1[1...] (low 128 bits), zero above
func movScalar(es int) handler {
	return func(m *Machine, in *Inst) error {
		mask := m.writeMask(in)
		switch len(in.Args) {
		case 2:
			src, dst := in.Args[0], in.Args[1]
			switch {
			case src.Kind == KindMem && dst.Kind == KindVec:
				var r vec
				if mask&1 != 0 {
					v, err := m.load(src, es)
					if err != nil {
						return err
					}
					r.setLane(es, 0, v)
				} else if !in.Zeroing {
					old := vec(m.V[dst.Reg])
					r.setLane(es, 0, old.lane(es, 0))
				}
				return m.setVecReg(dst, &r, 16)
			case src.Kind == KindVec && dst.Kind == KindMem:
				if mask&1 == 0 {
					return nil
				}
				v := vec(m.V[src.Reg])
				return m.storeGP(dst, es, v.lane(es, 0))
			}
		case 3:
			b, a, dst := in.Args[0], in.Args[1], in.Args[2]
			if b.Kind == KindVec && a.Kind == KindVec && dst.Kind == KindVec {
				r := vec(m.V[a.Reg])
				clear(r[16:])
				bv := vec(m.V[b.Reg])
				switch {
				case mask&1 != 0:
					r.setLane(es, 0, bv.lane(es, 0))
				case in.Zeroing:
					r.setLane(es, 0, 0)
				default:
					old := vec(m.V[dst.Reg])
					r.setLane(es, 0, old.lane(es, 0))
				}
				return m.setVecReg(dst, &r, 16)
			}
		}
		return fmt.Errorf("unsupported operand form")
	}
}

// movGP is VMOVD/VMOVQ between an X register and a general register,
// memory or another X register (zeroing the rest of the destination).
func movGP(es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		src, dst := in.Args[0], in.Args[1]
		if dst.Kind == KindVec {
			v, err := m.load(src, es)
			if err != nil {
				return err
			}
			var r vec
			r.setLane(es, 0, v)
			return m.setVecReg(dst, &r, 16)
		}
		v := vec(m.V[src.Reg])
		return m.storeGP(dst, es, v.lane(es, 0))
	}
}

// broadcast: "VBROADCASTSS src, dst" repeats a chunk of n bytes (from
// memory, the low bytes of an X register, or a general register for
// VPBROADCASTD/Q) across dst; a write mask counts es-byte elements.
func broadcast(n, es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 2); err != nil {
			return err
		}
		src, dst := in.Args[0], in.Args[1]
		width := dst.Width
		mask := m.writeMask(in)
		var chunk [32]byte
		switch src.Kind {
		case KindVec:
			copy(chunk[:n], m.V[src.Reg][:n])
		case KindGP:
			v := m.GP[src.Reg]
			for i := 0; i < n && i < 8; i++ {
				chunk[i] = byte(v >> (8 * i))
			}
		case KindMem:
			// Every enabled element reads the same bytes; with no element
			// enabled nothing is read.
			if mask&sizeMask(width/es) != 0 || in.Mask < 0 {
				a, err := m.addr(src)
				if err != nil {
					return err
				}
				b, err := m.Mem.Read(a, n)
				if err != nil {
					return err
				}
				copy(chunk[:], b)
			}
		default:
			return fmt.Errorf("bad broadcast source %v", src)
		}
		var r vec
		for i := 0; i < width; i += n {
			copy(r[i:], chunk[:n])
		}
		return m.writeVec(in, dst, &r, width, es, mask)
	}
}

// blendv: "VBLENDVPS mask, src2, src1, dst": dst = sign(mask) ? src2 : src1.
func blendv(es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 4); err != nil {
			return err
		}
		width := vecWidth(in)
		sel := vec(m.V[in.Args[0].Reg])
		b, err := m.readVec(in, in.Args[1], width, es, ^uint64(0))
		if err != nil {
			return err
		}
		a := vec(m.V[in.Args[2].Reg])
		var r vec
		for i := 0; i < width/es; i++ {
			if sel.lane(es, i)>>(8*uint(es)-1) != 0 {
				r.setLane(es, i, b.lane(es, i))
			} else {
				r.setLane(es, i, a.lane(es, i))
			}
		}
		return m.setVecReg(in.Args[3], &r, width)
	}
}

// blendm: "VBLENDMPS src2, src1, K, dst": dst = k ? src2 : src1 (or 0
// with .Z). src2 may be memory, read only where k is set.
func blendm(es int) handler {
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
		a := vec(m.V[in.Args[1].Reg])
		var r vec
		for i := 0; i < width/es; i++ {
			switch {
			case mask>>uint(i)&1 != 0:
				r.setLane(es, i, b.lane(es, i))
			case !in.Zeroing:
				r.setLane(es, i, a.lane(es, i))
			}
		}
		return m.setVecReg(in.Args[2], &r, width)
	}
}

// blendImm: "VBLENDPS $imm, src2, src1, dst": bit i of imm picks src2.
func blendImm(es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 4); err != nil {
			return err
		}
		imm := uint64(in.Args[0].Imm)
		width := vecWidth(in)
		b, err := m.readVec(in, in.Args[1], width, es, ^uint64(0))
		if err != nil {
			return err
		}
		a := vec(m.V[in.Args[2].Reg])
		var r vec
		for i := 0; i < width/es; i++ {
			bit := uint(i)
			if es == 4 {
				bit %= 8 // the 256-bit form reuses the 8 bits
			}
			if imm>>bit&1 != 0 {
				r.setLane(es, i, b.lane(es, i))
			} else {
				r.setLane(es, i, a.lane(es, i))
			}
		}
		return m.setVecReg(in.Args[3], &r, width)
	}
}

// extract: "VEXTRACTF128 $imm, src, dst": the imm-th chunk of n bytes of
// src to an X/Y register or memory (under a write mask in es elements).
func extract(n, es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 3); err != nil {
			return err
		}
		src, dst := in.Args[1], in.Args[2]
		chunks := src.Width / n
		if chunks < 1 {
			return fmt.Errorf("source narrower than the chunk")
		}
		i := int(in.Args[0].Imm) % chunks
		var r vec
		copy(r[:n], m.V[src.Reg][i*n:(i+1)*n])
		return m.writeVec(in, dst, &r, n, es, m.writeMask(in))
	}
}

// insert: "VINSERTF128 $imm, src2, src1, dst": dst = src1 with its imm-th
// chunk of n bytes replaced by src2 (register or memory).
func insert(n, es int) handler {
	return func(m *Machine, in *Inst) error {
		if err := need(in, 4); err != nil {
			return err
		}
		src1, dst := in.Args[2], in.Args[3]
		width := dst.Width
		mask := m.writeMask(in)
		var chunk vec
		var err error
		chunk, err = m.readVec(&Inst{Mask: -1}, in.Args[1], n, es, ^uint64(0))
		if err != nil {
			return err
		}
		r := vec(m.V[src1.Reg])
		i := int(in.Args[0].Imm) % (width / n)
		copy(r[i*n:(i+1)*n], chunk[:n])
		return m.writeVec(in, dst, &r, width, es, mask)
	}
}
