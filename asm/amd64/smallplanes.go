package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/prelu-go/prelu/asm/spec"
)

// generateSmallPlanes emits isa's SmallPlanes kernels (spec.SmallPlanes):
// rows of C planes of q = 1 to spec.SmallPlanesMax elements, as MTCNN's
// 3x3 planes. A block of w planes (w lanes per vector) is q whole vectors,
// whichever the phase of a plane against the vector, so each vector takes
// its slopes from the block's w slopes with one VPERMPS, by a constant
// table of indices for q: nothing is expanded per call, and no plane ends
// in a masked or overlapping vector of its own (the Ring kernels expanded
// the slopes of each segment of planes first, and the planes kernel did
// one vector and a last one per plane of 9). The last C%w planes of a row
// take their slopes under a mask, and their last partial vector is masked.
//
// The slope-gradient variants first sum each channel over every row,
// reading the planes themselves eight, then four, then one channel at a
// time, with the AVX forms on both ISAs: a plane is at most four vectors
// of four float64 (the last under a mask, or, where it would hold one
// element, gathered with three other planes' into one vector), so its sums
// are one register, and four channels' registers reduce to one vector
// added to dalpha. The output is stored after every sum is taken, since dx
// may be the very slice of dy or x.
func generateSmallPlanes(isa isa) {
	for _, e := range spec.Elems {
		table := smallPlanesTable(isa, e)
		for _, sk := range spec.SmallPlanesKernels() {
			if sk.Elem != e {
				continue
			}
			name := sk.Name(isa.name())
			TEXT(name, NOSPLIT, sk.Signature(sk.GoType))
			Pragma("noescape")
			Doc(name + " " + sk.Doc())
			k := &kernel{isa: isa, e: elem{sk.Elem, opsFor[sk.Size]}, v: sk.Variant, l: sk.Layout}
			k.zero = isa.vec()
			zero(k.zero)
			if k.v.Dalpha {
				k.smallPlanesSums()
			}
			if k.v.Dx {
				k.smallPlanesOutput(table)
			}
			VZEROUPPER()
			RET()
		}
	}
}

// smallPlanesTable emits the permutation indices of isa's vectors of e:
// for each q from 1 to spec.SmallPlanesMax, q vectors of 32-bit indices,
// vector k's lane l naming the plane (k*w + l)/q of its block as the lane
// of the block's slopes (a float64 as its two halves, for VPERMPS).
func smallPlanesTable(isa isa, e spec.Elem) Mem {
	w, dwords := isa.vecBytes()/e.Size, isa.vecBytes()/4
	t := GLOBL("smallplanes"+isa.name()+e.Name, RODATA|NOPTR)
	off := 0
	for q := 1; q <= spec.SmallPlanesMax; q++ {
		for k := range q {
			for l := range dwords {
				v := (k*w + l) / q
				if e.Size == 8 {
					v = 2*((k*w+l/2)/q) + l%2
				}
				DATA(off, U32(v))
				off += 4
			}
		}
	}
	return t
}

// smallPlanesOutput computes the output, block by block of every row.
func (k *kernel) smallPlanesOutput(table Mem) {
	w, vb, shift := k.lanes(), k.isa.vecBytes(), U8(log2(k.e.Size))
	dalpha := k.v.Dalpha
	k.v.Dalpha = false // the sums are taken: the steps only store
	defer func() { k.v.Dalpha = dalpha }()
	k.out = Load(Param(k.v.Out()).Base(), GP64())
	k.gate = Load(Param("x").Base(), GP64())
	k.value = k.gate
	if k.v.HasValue() {
		k.value = Load(Param("dy").Base(), GP64())
	}
	n := Load(Param("x").Len(), GP64())
	// q's indices start after those of 1 to q-1: q(q-1)/2 vectors in.
	tbl, t := GP64(), GP64()
	Load(Param("inner"), t)
	LEAQ(table, tbl)
	tEnd := GP64() // q vectors of indices, in bytes
	MOVQ(t, tEnd)
	SHLQ(U8(log2(vb)), tEnd)
	DECQ(t)
	IMULQ(tEnd, t)
	SHRQ(U8(1), t)
	ADDQ(t, tbl)

	j, left, ap, to := GP64(), GP64(), GP64(), GP64()
	row, partial, rowDone, done := newLabel("sp_row"), newLabel("sp_partial"), newLabel("sp_row_done"), newLabel("sp_done")
	// index loads the indices at to.
	index := func() VecVirtual {
		idx := k.isa.vec()
		VMOVUPS(Mem{Base: tbl, Index: to, Scale: 1}, idx)
		return idx
	}
	// vectorAt does the vector at element at with the slopes of a, by
	// the indices idx, under t if t is not nil.
	vectorAt := func(at GPVirtual, a, idx VecVirtual, t tail) {
		k.alpha = k.isa.vec()
		VPERMPS(a, idx, k.alpha)
		k.isa.step(k, at, 0, t)
	}
	// vector does the vector at j with the slopes of a, by the indices at
	// to, under t if t is not nil.
	vector := func(a VecVirtual, t tail) { vectorAt(j, a, index(), t) }

	Label(row)
	TESTQ(n, n)
	JE(LabelRef(done))
	XORQ(j, j)
	Load(Param("alpha").Len(), left)
	Load(Param("alpha").Base(), ap)

	// Pairs of whole blocks, 2w planes: each load of indices serves a
	// vector of both (11 instructions a vector in single blocks, 9 here).
	pairs, group := newLabel("sp_pairs"), newLabel("sp_group")
	Label(pairs)
	CMPQ(left, U32(2*w))
	JB(LabelRef(group))
	{
		a0, a1, j1 := k.isa.vec(), k.isa.vec(), GP64()
		k.e.mov(Mem{Base: ap}, a0)
		k.e.mov(Mem{Base: ap, Disp: vb}, a1)
		MOVQ(tEnd, j1) // the second block starts w*q elements on
		SHRQ(shift, j1)
		ADDQ(j, j1)
		XORQ(to, to)
		each := newLabel("sp_pair_vector")
		Label(each)
		idx := index()
		vectorAt(j, a0, idx, nil)
		vectorAt(j1, a1, idx, nil)
		ADDQ(U32(w), j)
		ADDQ(U32(w), j1)
		ADDQ(U32(vb), to)
		CMPQ(to, tEnd)
		JNE(LabelRef(each))
		MOVQ(j1, j)
		ADDQ(U32(2*vb), ap)
		SUBQ(U32(2*w), left)
		JMP(LabelRef(pairs))
	}

	// vectors does the vectors of indices from to up to end (bytes into
	// q's table) with the slopes of a.
	vectors := func(a VecVirtual, end GPVirtual) {
		loop, done := newLabel("sp_vector"), newLabel("sp_vectors_done")
		CMPQ(to, end)
		JAE(LabelRef(done))
		Label(loop)
		vector(a, nil)
		ADDQ(U32(w), j)
		ADDQ(U32(vb), to)
		CMPQ(to, end)
		JB(LabelRef(loop))
		Label(done)
	}

	// Whole blocks: w planes, q vectors.
	Label(group)
	CMPQ(left, U32(w))
	JB(LabelRef(partial))
	a := k.isa.vec()
	k.e.mov(Mem{Base: ap}, a)
	XORQ(to, to)
	vectors(a, tEnd)
	ADDQ(U32(vb), ap)
	SUBQ(U32(w), left)
	JMP(LabelRef(group))

	// The last left < w planes: their slopes under a mask, left*q
	// elements of whole vectors and a masked last one.
	Label(partial)
	TESTQ(left, left)
	JE(LabelRef(rowDone))
	pa := k.isa.loadPart(k.e, Mem{Base: ap}, k.isa.tail(k.e, left))
	Load(Param("inner"), t)
	IMULQ(t, left) // elements left
	end := GP64()
	MOVQ(left, end) // the whole vectors' indices end at (left/w)*vb
	SHRQ(U8(log2(w)), end)
	SHLQ(U8(log2(vb)), end)
	XORQ(to, to)
	vectors(pa, end)
	ANDQ(U32(w-1), left)
	JE(LabelRef(rowDone))
	vector(pa, k.isa.tail(k.e, left))
	ADDQ(left, j)

	// j is the row's length: the next row starts there.
	Label(rowDone)
	SUBQ(j, n)
	SHLQ(shift, j)
	k.advance(j)
	JMP(LabelRef(row))
	Label(done)
}

// smallPlanesSums adds each channel's sum over every row to dalpha[c],
// eight channels at a time, then four, then one.
func (k *kernel) smallPlanesSums() {
	size, shift := k.e.Size, U8(log2(k.e.Size))
	vb := 4 * size // the bytes of a vector of four elements
	zeroY := k.zero.AsY()

	inner := Load(Param("inner"), GP64())
	stride, stride3 := GP64(), GP64() // a plane, three planes, in bytes
	MOVQ(inner, stride)
	SHLQ(shift, stride)
	LEAQ(Mem{Base: stride, Index: stride, Scale: 2}, stride3)
	// A plane is vfull whole vectors of four and a last one of
	// inner - 4*vfull lanes, under a mask from the tail table.
	vfullAt := AllocLocal(8)
	r := GP64()
	MOVQ(inner, r)
	DECQ(r)
	MOVQ(r, vfullAt)
	SHRQ(U8(2), vfullAt)
	ANDQ(U8(3), r)
	oneLaneAt := AllocLocal(8) // 0 when the last vector has one lane
	MOVQ(r, oneLaneAt)
	INCQ(r)
	SHLQ(shift, r)
	NEGQ(r)
	tm := GP64()
	LEAQ(tailMasks.Offset(32), tm)
	mask := YMM()
	if size == 4 {
		VMOVDQU(Mem{Base: tm, Index: r, Scale: 1}, mask.AsX())
	} else {
		VMOVDQU(Mem{Base: tm, Index: r, Scale: 1}, mask)
	}
	rowBytes, total := GP64(), GP64()
	Load(Param("dalpha").Len(), rowBytes)
	IMULQ(stride, rowBytes)
	Load(Param("x").Len(), total)
	SHLQ(shift, total)
	xs := Load(Param("x").Base(), GP64())
	ds := Load(Param("dy").Base(), GP64())
	dal := Load(Param("dalpha").Base(), GP64())
	left := Load(Param("dalpha").Len(), GP64())

	load := func(m Mem, masked bool) VecVirtual {
		v := YMM()
		switch {
		case size == 4 && masked:
			h := XMM()
			VMASKMOVPS(m, mask.AsX(), h)
			VCVTPS2PD(h, v)
		case size == 4:
			VCVTPS2PD(m, v)
		case masked:
			VMASKMOVPD(m, mask, v)
		default:
			VMOVUPD(m, v)
		}
		return v
	}
	// accumulate adds the products of a vector of four where !(x > 0), as
	// the AVX2 kernels' accumulateWide does.
	accumulateWide := func(acc, g, d VecVirtual) {
		pass := YMM()
		VCMPPD(U8(gtOQ), zeroY, g, pass)
		VMINPD(g, zeroY, g)
		VANDNPD(d, pass, d)
		VFMADD231PD(d, g, acc)
	}
	accumulate := func(acc VecVirtual, xm, dm Mem, masked bool) {
		accumulateWide(acc, load(xm, masked), load(dm, masked))
	}
	// plane addresses plane p from base (planes 4 to 7 from base4).
	plane := func(base, base4 GPVirtual, p int) Mem {
		if p >= 4 {
			base, p = base4, p-4
		}
		return []Mem{{Base: base}, {Base: base, Index: stride, Scale: 1}, {Base: base, Index: stride, Scale: 2}, {Base: base, Index: stride3, Scale: 1}}[p]
	}
	// column loads the element at base of four planes, plane p's in lane
	// p, as float64.
	column := func(base GPVirtual) VecVirtual {
		e := make([]VecVirtual, 4)
		for p := range e {
			e[p] = XMM()
			if size == 4 {
				VMOVSS(plane(base, nil, p), e[p])
			} else {
				VMOVSD(plane(base, nil, p), e[p])
			}
		}
		v := YMM()
		if size == 4 {
			VUNPCKLPS(e[1], e[0], e[0]) // [p0, p1, 0, 0]
			VUNPCKLPS(e[3], e[2], e[2]) // [p2, p3, 0, 0]
			VUNPCKLPD(e[2], e[0], e[0]) // [p0, p1, p2, p3]
			VCVTPS2PD(e[0], v)
		} else {
			VUNPCKLPD(e[1], e[0], e[0]) // [p0, p1]
			VUNPCKLPD(e[3], e[2], e[2]) // [p2, p3]
			VINSERTF128(U8(1), e[2], e[0].AsY(), v)
		}
		return v
	}
	// channels sums len(accs) channels over every row into accs. With
	// col (four channels), a last vector of one lane is the four planes'
	// last elements in one vector, summed into col, lane p for plane p:
	// masked, it would be four vectors of three lanes of padding.
	channels := func(accs []VecVirtual, col VecVirtual) {
		for _, a := range accs {
			zero(a)
		}
		if col != nil {
			zero(col)
		}
		ro, tx, td, v := GP64(), GP64(), GP64(), GP64()
		var tx4, td4 GPVirtual
		if len(accs) > 4 {
			tx4, td4 = GP64(), GP64()
		}
		rows, vectors, lastVector, rowsDone := newLabel("sp_sum_row"), newLabel("sp_sum_vector"), newLabel("sp_sum_last"), newLabel("sp_sum_rows_done")
		XORQ(ro, ro)
		Label(rows)
		CMPQ(ro, total) // no rows: the sums are +0, as the reference's
		JAE(LabelRef(rowsDone))
		LEAQ(Mem{Base: xs, Index: ro, Scale: 1}, tx)
		LEAQ(Mem{Base: ds, Index: ro, Scale: 1}, td)
		if tx4 != nil {
			LEAQ(Mem{Base: tx, Index: stride, Scale: 4}, tx4)
			LEAQ(Mem{Base: td, Index: stride, Scale: 4}, td4)
		}
		MOVQ(vfullAt, v)
		Label(vectors)
		TESTQ(v, v)
		JE(LabelRef(lastVector))
		for p, a := range accs {
			accumulate(a, plane(tx, tx4, p), plane(td, td4, p), false)
		}
		for _, r := range []GPVirtual{tx, td, tx4, td4} {
			if r != nil {
				ADDQ(U8(vb), r)
			}
		}
		DECQ(v)
		JMP(LabelRef(vectors))
		Label(lastVector)
		rowDone := newLabel("sp_sum_row_done")
		if col != nil {
			masked := newLabel("sp_sum_masked")
			CMPQ(oneLaneAt, U8(0))
			JNE(LabelRef(masked))
			accumulateWide(col, column(tx), column(td))
			JMP(LabelRef(rowDone))
			Label(masked)
		}
		for p, a := range accs {
			accumulate(a, plane(tx, tx4, p), plane(td, td4, p), true)
		}
		Label(rowDone)
		ADDQ(rowBytes, ro)
		JMP(LabelRef(rows))
		Label(rowsDone)
	}
	// add adds four sums to dalpha at byte offset off.

	// Eight channels at a time, then four (each two or one sets of four
	// independent sums, so that their chains overlap), then one. Planes
	// whose last vector has one lane (3x3) take four at a time, with
	// their last elements as one vector.
	for _, group := range []int{8, 4, 1} {
		loop, next := newLabel("sp_sum_channels"), newLabel("sp_sum_fewer")
		if group == 8 {
			CMPQ(oneLaneAt, U8(0))
			JE(LabelRef(next))
		}
		Label(loop)
		CMPQ(left, U8(group))
		JB(LabelRef(next))
		accs := make([]VecVirtual, group)
		for i := range accs {
			accs[i] = YMM()
		}
		var col VecVirtual
		if group == 4 {
			col = YMM()
		}
		channels(accs, col)
		if group == 1 {
			addOne(size, Mem{Base: dal}, reduceOne(accs[0]))
			ADDQ(stride, xs)
			ADDQ(stride, ds)
		} else {
			for q := 0; q < group; q += 4 {
				s := reduceFour(accs[q : q+4])
				if col != nil {
					VADDPD(col, s, s) // +0 unless the last vectors were columns
				}
				// Four sums, a vector of four float64 on both ISAs.
				addVector(avx2{}, size, Mem{Base: dal, Disp: q * size}, s)
			}
			LEAQ(Mem{Base: xs, Index: stride, Scale: uint8(group)}, xs)
			LEAQ(Mem{Base: ds, Index: stride, Scale: uint8(group)}, ds)
		}
		ADDQ(U8(group*size), dal)
		SUBQ(U8(group), left)
		JMP(LabelRef(loop))
		Label(next)
	}
}

// reduceFour adds each of four vectors of four float64 across its lanes,
// (a0+a1)+(a2+a3), into one vector of the four sums.
func reduceFour(a []VecVirtual) VecVirtual {
	pairs := func(p, q VecVirtual) VecVirtual { // [p0+p1, q0+q1, p2+p3, q2+q3]
		lo, hi := YMM(), YMM()
		VUNPCKLPD(q, p, lo)
		VUNPCKHPD(q, p, hi)
		VADDPD(hi, lo, lo)
		return lo
	}
	t0, t1 := pairs(a[0], a[1]), pairs(a[2], a[3])
	mixed, x, swapped := YMM(), XMM(), YMM()
	VBLENDPD(U8(0b1100), t1, t0, mixed) // [t0_0, t0_1, t1_2, t1_3]
	VEXTRACTF128(U8(1), t0, x)
	VINSERTF128(U8(1), t1.AsX(), x.AsY(), swapped) // [t0_2, t0_3, t1_0, t1_1]
	VADDPD(swapped, mixed, mixed)
	return mixed
}

// reduceOne adds the four float64 lanes of a, (a0+a2)+(a1+a3), into the low
// lane of an xmm register.
func reduceOne(a VecVirtual) VecVirtual {
	x, s := XMM(), XMM()
	VEXTRACTF128(U8(1), a, x)
	VADDPD(x, a.AsX(), x)
	VPERMILPD(U8(1), x, s)
	VADDSD(s, x, x)
	return x
}
