package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/prelu-go/prelu/asm/spec"
)

// ringed: the slopes of the planes layout, alpha[(i/inner) % C]. The
// kernel expands them into a ring in its own frame: a period repeated to
// the ring's length, at least a vector, then unroll vectors more, so that
// the unrolled vectors at any position r below the length read their
// slopes with one load each, and r wraps once per unrolled iteration.
// Nothing is expanded by the caller and no stack scratch has to be zeroed;
// a call costs the O(P) expansion and the span. The float64 sums are kept
// per ring position beside it and folded into dalpha.
//
// A period P = C*inner of at most RingLimit elements is expanded once and
// x streams through it. A longer one of small planes runs in segments of
// as many whole planes as fit, each expanded and streamed once; the caller
// asks for slope gradients that way only when x is a single period, so
// that each channel's sum is still added once. Channel-last rows longer
// than the limit run in blocks of channels, each over every row.
func (k *kernel) ringed() {
	w, size := k.lanes(), k.e.Size
	limit := spec.RingKernelLimit(k.isa.vecBytes(), size, k.v)
	// The rings start at a vector boundary, so that no vector access to
	// them splits a cache line.
	aligned := func(bytes int) Mem {
		vb := k.isa.vecBytes()
		base := GP64()
		LEAQ(AllocLocal(bytes+vb), base)
		ADDQ(U32(vb-1), base)
		ANDQ(I32(-vb), base)
		return Mem{Base: base}
	}
	if k.v.Dx {
		k.ring = aligned(spec.RingSlopes(w, limit) * size)
	}
	if k.v.Dalpha {
		k.sumRing = aligned(spec.RingSums(w, limit) * 8)
	}
	// What the segments need between spans lives in the frame, so that
	// the spans have the registers.
	vars := AllocLocal(8 * 8)
	k.ringVars = vars
	c0At, perSegmentAt, kcAt, segNAt := vars.Offset(24), vars.Offset(32), vars.Offset(48), vars.Offset(56)
	param := func(name string, len bool) GPVirtual {
		r := GP64()
		switch {
		case len:
			Load(Param(name).Len(), r)
		case name == "inner":
			Load(Param(name), r)
		default:
			Load(Param(name).Base(), r)
		}
		return r
	}
	// buildFrom expands the slopes of channels [c0, c0+kc) over a ring of
	// the given period; only kernels with an output read slopes.
	buildFrom := func(c0, kc, inner, period GPVirtual) {
		if k.v.Dx {
			from := param("alpha", false)
			LEAQ(Mem{Base: from, Index: c0, Scale: uint8(size)}, from)
			k.buildRing(from, kc, inner, period)
		}
	}
	get := func(m Mem) GPVirtual { r := GP64(); MOVQ(m, r); return r }
	channelsParam := "dalpha"
	if k.v.Dx {
		channelsParam = "alpha"
	}

	// A short period: one ring for all of x, straight through.
	segmented := newLabel("ring_segmented")
	{
		inner, channels, period := param("inner", false), param(channelsParam, true), GP64()
		MOVQ(channels, period)
		IMULQ(inner, period)
		CMPQ(period, U32(limit))
		JA(LabelRef(segmented))
		k.ringLength(period, k.n)
		if k.v.Dx {
			k.buildRing(param("alpha", false), channels, inner, period)
		}
	}
	if k.v.Dalpha {
		k.zeroSums()
	}
	k.r = GP64()
	XORQ(k.r, k.r)
	k.span(k.n)
	if k.v.Dalpha {
		period := param(channelsParam, true)
		IMULQ(addr(Param("inner")), period)
		k.foldRing(param("dalpha", false), addr(Param(channelsParam).Len()), addr(Param("inner")), period)
	}
	finished := "ring_finished_" + k.v.Kind + k.v.Suffix + k.isa.name() + k.e.Name
	JMP(LabelRef(finished))

	// A long period: segments of perSegment channels, the whole planes
	// that fit. A plane longer than the limit does not fit at all: the
	// caller never asks for it (the spec says so), and the kernel does
	// nothing rather than loop.
	Label(segmented)
	rows := newLabel("ring_rows")
	{
		inner := param("inner", false)
		CMPQ(inner, U32(limit))
		JA(LabelRef(finished))
		// perSegment: the whole planes that fit.
		MOVQ(U32(limit), RAX)
		XORQ(RDX, RDX)
		DIVQ(inner)
		MOVQ(RAX, perSegmentAt)
		MOVQ(U32(0), c0At)
		if k.v.Dalpha {
			// With sums every long period runs by rows (below).
			JMP(LabelRef(rows))
		} else {
			// Without, planes stream through in order, in segments;
			// channel-last rows take the blocks below.
			CMPQ(inner, U8(1))
			JE(LabelRef(rows))
		}
	}
	if !k.v.Dalpha {
		// Segments of whole planes, one after another through x.
		segment, done := newLabel("ring_segment"), newLabel("ring_done")
		Label(segment)
		CMPQ(k.n, U8(0))
		JE(LabelRef(done))
		{
			// kc = min(perSegment, channels - c0) channels from c0 on.
			c0, kc, inner, segPeriod := get(c0At), param(channelsParam, true), param("inner", false), GP64()
			SUBQ(c0, kc)
			perSegment := get(perSegmentAt)
			CMPQ(kc, perSegment)
			CMOVQHI(perSegment, kc)
			MOVQ(kc, kcAt)
			MOVQ(kc, segPeriod)
			IMULQ(inner, segPeriod)
			// The segment's elements: its period, or what is left of x if
			// less (x is whole periods; this keeps a kernel told otherwise
			// inside its slices).
			segN := GP64()
			MOVQ(segPeriod, segN)
			CMPQ(k.n, segN)
			CMOVQLT(k.n, segN)
			MOVQ(segN, segNAt)
			k.ringLength(segPeriod, segN)
			buildFrom(c0, kc, inner, segPeriod)
		}
		XORQ(k.r, k.r)
		k.span(get(segNAt))
		{
			c0, kc := get(c0At), get(kcAt)
			bytes := get(segNAt)
			SUBQ(bytes, k.n)
			SHLQ(U8(log2(size)), bytes)
			k.advance(bytes)
			ADDQ(kc, c0)
			wrap := newLabel("ring_next")
			CMPQ(c0, param(channelsParam, true))
			JNE(LabelRef(wrap))
			XORQ(c0, c0)
			Label(wrap)
			MOVQ(c0, c0At)
		}
		JMP(LabelRef(segment))
		Label(done)
		JMP(LabelRef(finished))
	}
	// Rows longer than the limit (x is [outer][C][inner]): blocks of the
	// channels whose planes fit, each over every row (the rows a stride of
	// C*inner apart) before its sums are added, so that each channel's
	// gradient is still rounded once, for any number of rows. Channel-
	// last data (inner = 1) and every sums variant run this way.
	Label(rows)
	block := newLabel("ring_block")
	Label(block)
	{
		c0, kc := get(c0At), param(channelsParam, true)
		CMPQ(c0, kc)
		JE(LabelRef(finished))
		SUBQ(c0, kc)
		perBlock := get(perSegmentAt)
		CMPQ(kc, perBlock)
		CMOVQHI(perBlock, kc)
		MOVQ(kc, kcAt)
		inner, blockLen := param("inner", false), GP64()
		MOVQ(kc, blockLen)
		IMULQ(inner, blockLen)
		MOVQ(blockLen, segNAt)
		k.ringLength(blockLen, blockLen)
		buildFrom(c0, kc, inner, blockLen)
		// The data pointers at row 0, channel c0; all of x to go.
		bytes := GP64()
		MOVQ(c0, bytes)
		IMULQ(inner, bytes)
		SHLQ(U8(log2(size)), bytes)
		k.rewind(bytes)
		Load(Param("x").Len(), k.n)
	}
	if k.v.Dalpha {
		k.zeroSums()
	}
	row, rowsDone := newLabel("ring_row"), newLabel("ring_rows_done")
	Label(row)
	CMPQ(k.n, U8(0))
	JE(LabelRef(rowsDone))
	XORQ(k.r, k.r)
	k.span(get(segNAt))
	{
		stride := param(channelsParam, true)
		IMULQ(addr(Param("inner")), stride)
		SUBQ(stride, k.n)
		SHLQ(U8(log2(size)), stride)
		k.advance(stride)
	}
	JMP(LabelRef(row))
	Label(rowsDone)
	{
		c0 := get(c0At)
		if k.v.Dalpha {
			to := param("dalpha", false)
			LEAQ(Mem{Base: to, Index: c0, Scale: uint8(size)}, to)
			k.foldRing(to, kcAt, addr(Param("inner")), get(segNAt))
		}
		ADDQ(kcAt, c0)
		MOVQ(c0, c0At)
	}
	JMP(LabelRef(block))
	Label(finished)
}

// The ring's length and the steps r takes past a vector and past the
// unrolled vectors, modulo the length, kept in the frame; and the end of
// the positions that the spans touch.
func (k *kernel) ringLenAt() Mem { return k.ringVars }
func (k *kernel) stepAt(vectors int) Mem {
	if vectors == 1 {
		return k.ringVars.Offset(8)
	}
	return k.ringVars.Offset(16)
}
func (k *kernel) ringEndAt() Mem { return k.ringVars.Offset(40) }

// ringLength sets the ring's length, the period repeated to at least a
// vector, and the steps of one vector and of the unrolled vectors modulo
// it (the length is at least a vector, so a few subtractions suffice).
// It also sets the ring's end, min(n, length + unroll*lanes) for a span of
// n elements from position 0: the span reads the slopes of position r+i,
// and adds to its sum, only for an element j+i below n (r never passes
// the element index j, and wraps below the length), and what it adds past
// n (a masked vector's other lanes) is zero. So the slopes need writing
// and the sums folding only below the end: for short calls (a row of a few
// channels, or a block of planes) most of the ring's fixed cost.
func (k *kernel) ringLength(period, n GPVirtual) {
	w := k.lanes()
	length := GP64()
	MOVQ(period, length)
	more, enough := newLabel("ring_len"), newLabel("ring_len_done")
	Label(more)
	CMPQ(length, U32(w))
	JAE(LabelRef(enough))
	ADDQ(period, length)
	JMP(LabelRef(more))
	Label(enough)
	MOVQ(length, k.ringLenAt())
	for _, vectors := range []int{1, unroll} {
		step := GP64()
		MOVQ(U32(vectors*w), step)
		reduce, reduced := newLabel("ring_step"), newLabel("ring_step_done")
		Label(reduce)
		CMPQ(step, length)
		JB(LabelRef(reduced))
		SUBQ(length, step)
		JMP(LabelRef(reduce))
		Label(reduced)
		MOVQ(step, k.stepAt(vectors))
	}
	end, most := GP64(), GP64()
	MOVQ(n, end)
	LEAQ(Mem{Base: length, Disp: unroll * w}, most)
	CMPQ(end, most)
	CMOVQHI(most, end)
	MOVQ(end, k.ringEndAt())
}

// advanceRing moves the ring position on by the given number of vectors,
// wrapping at the ring's length: one dependent add, subtract and move per
// unrolled iteration.
func (k *kernel) advanceRing(vectors int) {
	if k.l != spec.Ring {
		return
	}
	t := GP64()
	if k.ringRegs != nil {
		ADDQ(k.ringRegs[vectors], k.r)
		MOVQ(k.r, t)
		SUBQ(k.ringRegs[0], t)
	} else {
		ADDQ(k.stepAt(vectors), k.r)
		MOVQ(k.r, t)
		SUBQ(k.ringLenAt(), t)
	}
	CMOVQCC(t, k.r)
}

// holdRing loads the ring's length and steps into registers for a span,
// where the kernel has registers to spare (no slope gradients), and
// returns the function that lets them go: the loop then adds no loads
// to its dependent chain. Kernels alone, fastest of 21, the quietest of
// three alternating runs (ns): forward 32x64 125 -> 116, 64x8x8 261 ->
// 244, 8x16x9 79.7 -> 73.7; dx 32x64 153 -> 135, 32x10 38.7 -> 35.6.
func (k *kernel) holdRing() func() {
	if k.l != spec.Ring || k.v.Dalpha {
		return func() {}
	}
	k.ringRegs = map[int]GPVirtual{0: GP64(), 1: GP64(), unroll: GP64()}
	MOVQ(k.ringLenAt(), k.ringRegs[0])
	MOVQ(k.stepAt(1), k.ringRegs[1])
	MOVQ(k.stepAt(unroll), k.ringRegs[unroll])
	return func() { k.ringRegs = nil }
}

// buildRing writes the slopes of positions [0, end) into the ring, where
// end (ringEndAt) is at most length + unroll*lanes, each position p the
// slope alpha[(p/inner) % channels]: the ring's length is a multiple of
// the period, so the positions past it repeat its start. Every slope is
// read from alpha, none from the ring, and stores may run up to a vector
// past end (the ring has room for length + (1+unroll)*lanes slopes). A
// ring read back right after narrower or overlapping stores waits for
// them to reach the cache (the store cannot be forwarded): copying the
// ring's start past its length that way cost a short call (10 channels,
// backward) tens of nanoseconds.
func (k *kernel) buildRing(alphas, channels, inner, period GPVirtual) {
	w, size := k.lanes(), uint8(k.e.Size)
	vb := k.isa.vecBytes()
	end := GP64()
	MOVQ(k.ringEndAt(), end)
	short, planes, built := newLabel("ring_short"), newLabel("ring_planes"), newLabel("ring_built")
	CMPQ(period, U32(w))
	JB(LabelRef(short))
	CMPQ(inner, U8(1))
	JNE(LabelRef(planes))

	// inner = 1, at least a vector of channels: alpha's whole vectors,
	// then its last vector, ending where the period ends (it overlaps the
	// one before), and again from alpha's start, until end.
	{
		o, j, rem := GP64(), GP64(), GP64()
		XORQ(o, o)
		XORQ(j, j)
		loop, tail := newLabel("ring_copy"), newLabel("ring_copy_tail")
		Label(loop)
		CMPQ(o, end)
		JAE(LabelRef(built))
		MOVQ(channels, rem)
		SUBQ(j, rem)
		CMPQ(rem, U32(w))
		JB(LabelRef(tail))
		v := k.isa.vec()
		k.e.mov(Mem{Base: alphas, Index: j, Scale: size}, v)
		k.e.mov(v, k.ring.Idx(o, size))
		ADDQ(U32(w), o)
		ADDQ(U32(w), j)
		CMPQ(j, channels)
		JNE(LabelRef(loop))
		XORQ(j, j)
		JMP(LabelRef(loop))
		// 0 < rem < w slopes left of the period: alpha's last vector,
		// stored to end with them.
		Label(tail)
		v2 := k.isa.vec()
		k.e.mov(Mem{Base: alphas, Index: channels, Scale: size, Disp: -vb}, v2)
		ADDQ(rem, o)
		k.e.mov(v2, k.ring.Idx(o, size).Offset(-vb))
		XORQ(j, j)
		JMP(LabelRef(loop))
	}

	// inner > 1, a period of at least a vector: each slope broadcast over
	// its plane in whole vectors, channels wrapping at the period's end;
	// a plane's last vector runs into the next plane, which overwrites it.
	// Planes of up to two vectors (3x3, 5x5, 7x7 on AVX-512) take two
	// stores and no inner loop while they stay within a vector of end,
	// then one each (it reaches end).
	Label(planes)
	{
		c, at, last := GP64(), GP64(), GP64()
		XORQ(c, c)
		XORQ(at, at)
		long, fill, fillLast := newLabel("ring_long_planes"), newLabel("ring_fill"), newLabel("ring_fill_last")
		CMPQ(inner, U32(2*w))
		JA(LabelRef(long))
		// Two stores while at <= end - w (signed: end may be below w).
		MOVQ(end, last)
		SUBQ(U32(w), last)
		// broadcastPlane stores channel c's slope over its plane from
		// position at in vectors stores, and moves on to the next plane.
		broadcastPlane := func(vectors int, loop string) {
			b := k.isa.vec()
			k.e.broadcast(Mem{Base: alphas, Index: c, Scale: size}, b)
			for v := range vectors {
				k.e.mov(b, k.ring.Idx(at, size).Offset(v*vb))
			}
			ADDQ(inner, at)
			nextChannel(c, channels)
			JMP(LabelRef(loop))
		}
		Label(fill)
		CMPQ(at, last)
		JGT(LabelRef(fillLast))
		broadcastPlane(2, fill)
		Label(fillLast)
		CMPQ(at, end)
		JAE(LabelRef(built))
		broadcastPlane(1, fillLast)

		// Longer planes: vectors from the plane's start while below its
		// end and below end.
		Label(long)
		channel, plane, stop := newLabel("ring_channel"), newLabel("ring_plane"), GP64()
		pos := GP64()
		Label(channel)
		CMPQ(at, end)
		JAE(LabelRef(built))
		b2 := k.isa.vec()
		k.e.broadcast(Mem{Base: alphas, Index: c, Scale: size}, b2)
		MOVQ(at, pos)
		ADDQ(inner, at)
		MOVQ(at, stop)
		CMPQ(stop, end)
		CMOVQHI(end, stop)
		Label(plane)
		k.e.mov(b2, k.ring.Idx(pos, size))
		ADDQ(U32(w), pos)
		CMPQ(pos, stop)
		JB(LabelRef(plane))
		nextChannel(c, channels)
		JMP(LabelRef(channel))
	}

	// A period shorter than a vector: its first vector (a permute of
	// alpha for channel-last rows, else an element at a time, read back
	// once), then stored at every multiple of the period that is at most
	// a vector past the last (the ring's length less a period, or the
	// length when it is exactly a vector), until end.
	Label(short)
	{
		first := k.isa.vec()
		elements, firstDone := newLabel("ring_elements"), newLabel("ring_first_done")
		// Channel-last, fewer channels than a vector: lane i's slope is
		// alpha[i % C], one permute of alpha's C slopes (read under a
		// mask) by the indices for C. The element loop below cost a row
		// of 10 channels 8-11 ns a call on Ice Lake, in its stores and
		// in reading them back as a vector.
		CMPQ(inner, U8(1))
		JNE(LabelRef(elements))
		tbl, at := GP64(), GP64()
		LEAQ(ringPeriodTable(k.isa, k.e.Elem), tbl)
		MOVQ(channels, at)
		SHLQ(U8(log2(vb)), at)
		a := k.isa.loadPart(k.e, Mem{Base: alphas}, k.isa.tail(k.e, channels))
		idx := k.isa.vec()
		VMOVUPS(Mem{Base: tbl, Index: at, Scale: 1, Disp: -vb}, idx)
		VPERMPS(a, idx, first)
		k.e.mov(first, k.ring)
		JMP(LabelRef(firstDone))

		Label(elements)
		c, t, i, e := GP64(), GP64(), GP64(), GP64()
		XORQ(c, c)
		XORQ(t, t)
		XORQ(i, i)
		element := newLabel("ring_element")
		Label(element)
		if size == 4 {
			MOVL(Mem{Base: alphas, Index: c, Scale: size}, e.As32())
			MOVL(e.As32(), k.ring.Idx(i, size))
		} else {
			MOVQ(Mem{Base: alphas, Index: c, Scale: size}, e)
			MOVQ(e, k.ring.Idx(i, size))
		}
		// The next position's plane and channel.
		next := newLabel("ring_element_next")
		INCQ(t)
		CMPQ(t, inner)
		JB(LabelRef(next))
		XORQ(t, t)
		INCQ(c)
		CMPQ(c, channels)
		JB(LabelRef(next))
		XORQ(c, c)
		Label(next)
		INCQ(i)
		CMPQ(i, U32(w))
		JB(LabelRef(element))
		k.e.mov(k.ring, first)
		Label(firstDone)
		stride, o := GP64(), GP64()
		MOVQ(k.ringLenAt(), stride)
		exact := newLabel("ring_exact")
		CMPQ(stride, U32(w))
		JE(LabelRef(exact))
		SUBQ(period, stride)
		Label(exact)
		MOVQ(stride, o)
		repeat := newLabel("ring_repeat")
		Label(repeat)
		CMPQ(o, end)
		JAE(LabelRef(built))
		k.e.mov(first, k.ring.Idx(o, size))
		ADDQ(stride, o)
		JMP(LabelRef(repeat))
	}
	Label(built)
}

// sumsEnd is where the ring's sums end, for clearing: the positions a
// span adds to (below the end rounded up to a vector), the length, and
// the positions from the length to the end rounded up to whole vectors
// of float64 (the folding reads them).
func (k *kernel) sumsEnd() GPVirtual {
	w, perVec := k.lanes(), k.isa.vecBytes()/8
	length, end, ext, zero := GP64(), GP64(), GP64(), GP64()
	MOVQ(k.ringLenAt(), length)
	MOVQ(k.ringEndAt(), ext)
	MOVQ(ext, end)
	ADDQ(U32(w-1), end)
	ANDQ(I32(-w), end)
	XORQ(zero, zero)
	SUBQ(length, ext)
	CMOVQLT(zero, ext)
	ADDQ(U32(perVec-1), ext)
	ANDQ(I32(-perVec), ext)
	ADDQ(length, ext)
	CMPQ(ext, end)
	CMOVQCS(end, ext)
	return ext
}

// zeroSums clears the float64 sums of positions [0, sumsEnd), in whole
// vectors.
func (k *kernel) zeroSums() {
	perVec := k.isa.vecBytes() / 8
	p, end := GP64(), k.sumsEnd()
	XORQ(p, p)
	loop, done := newLabel("sums_zero"), newLabel("sums_zeroed")
	Label(loop)
	CMPQ(p, end)
	JAE(LabelRef(done))
	VMOVUPD(k.zero, k.sumRing.Idx(p, 8))
	ADDQ(U32(perVec), p)
	JMP(LabelRef(loop))
	Label(done)
}

// foldRing adds the sums of every ring position into its channel's
// dalpha[c], rounding once.
func (k *kernel) foldRing(dalpha GPVirtual, channels, inner Mem, period GPVirtual) {
	perVec := k.isa.vecBytes() / 8
	// Positions [length, end) repeat [0, ...) modulo the length (only
	// when a call runs past the length). When they reach no further than
	// twice the length, a vector at a time from the top down, each into
	// the one a length below: no vector folded into is read again (the
	// vectors past the end hold zeros). Otherwise (a length under unroll
	// vectors, and a call that ran past twice it) an element at a time
	// from the top down, so that each position has what was folded into
	// it before it is folded itself: vectors would read back, a length
	// below, vectors stored at other offsets, which waits for each store
	// to reach the cache.
	length, p, d, ext := GP64(), GP64(), GP64(), GP64()
	MOVQ(k.ringLenAt(), length)
	MOVQ(k.ringEndAt(), ext)
	extLoop, extDone, scalar := newLabel("fold_ext"), newLabel("fold_ext_done"), newLabel("fold_ext_scalar")
	SUBQ(length, ext)
	JLE(LabelRef(extDone))
	CMPQ(ext, length)
	JA(LabelRef(scalar))
	ADDQ(U32(perVec-1), ext)
	ANDQ(I32(-perVec), ext)
	LEAQ(Mem{Base: length, Index: ext, Scale: 1}, p)
	Label(extLoop)
	CMPQ(p, length)
	JBE(LabelRef(extDone))
	SUBQ(U32(perVec), p)
	MOVQ(p, d)
	SUBQ(length, d)
	a := k.isa.vec()
	VMOVUPD(k.sumRing.Idx(d, 8), a)
	VADDPD(k.sumRing.Idx(p, 8), a, a)
	VMOVUPD(a, k.sumRing.Idx(d, 8))
	JMP(LabelRef(extLoop))
	Label(scalar)
	MOVQ(k.ringEndAt(), p)
	k.foldDown(p, length, "fold_ext_element")
	Label(extDone)
	// Positions [period, length) repeat the period (only when it is
	// shorter than a vector): from the top down, an element at a time.
	k.foldDown(length, period, "fold")
	k.addChannelSums(dalpha, channels, inner)
}

// foldDown adds the sum of each position p in [bottom, top) into position
// p - bottom, from the top down, an element at a time (each load reads
// exactly what the store before it wrote, so nothing stalls); top ends at
// bottom.
func (k *kernel) foldDown(top, bottom GPVirtual, name string) {
	loop, done := newLabel(name), newLabel(name+"_done")
	d := GP64()
	Label(loop)
	CMPQ(top, bottom)
	JBE(LabelRef(done))
	DECQ(top)
	MOVQ(top, d)
	SUBQ(bottom, d)
	s := XMM()
	VMOVSD(k.sumRing.Idx(top, 8), s)
	VADDSD(k.sumRing.Idx(d, 8), s, s)
	VMOVSD(s, k.sumRing.Idx(d, 8))
	JMP(LabelRef(loop))
	Label(done)
}

// channelGroup is how many channels' plane sums are added side by side:
// independent chains, so that the adds' latency does not serialise them.
const channelGroup = 4 // addChannelSums steps a group as stride*4/8 positions

// addChannelSums adds to dalpha[c] the sum of positions [c*inner,
// (c+1)*inner) in float64 and rounds once: dalpha[c] = T(float64(dalpha[c])
// + sum), as the pure-Go code does. Channel-last (inner = 1) runs a vector
// of channels at a time; planes a group of channels at a time.
func (k *kernel) addChannelSums(dalpha GPVirtual, channels, inner Mem) {
	size := uint8(k.e.Size)
	c, limit := GP64(), GP64()
	XORQ(c, c)
	planes, done := newLabel("sums_planes"), newLabel("sums_done")
	CMPQ(inner, U8(1))
	JNE(LabelRef(planes))
	addSumsLoop(k.isa, k.e.Size, dalpha, k.sumRing, channels, c, done)

	// Planes: channelGroup channels side by side, each summing its inner
	// positions (a stride of inner apart), then one at a time.
	Label(planes)
	pos, t := GP64(), GP64()
	XORQ(pos, pos) // position of channel c's plane
	group, groupPlane, single, singlePlane := newLabel("sums_group"), newLabel("sums_group_plane"), newLabel("sums_single"), newLabel("sums_single_plane")
	stride := GP64() // bytes between two channels' planes
	MOVQ(inner, stride)
	SHLQ(U8(3), stride)
	Label(group)
	MOVQ(channels, limit)
	SUBQ(c, limit)
	CMPQ(limit, U32(channelGroup))
	JB(LabelRef(single))
	var ps [channelGroup]VecVirtual
	for g := range ps {
		ps[g] = XMM()
		VXORPS(ps[g], ps[g], ps[g])
	}
	// first and third channels' positions, as addresses; the second and
	// fourth are a stride past them.
	first, third := GP64(), GP64()
	LEAQ(k.sumRing.Idx(pos, 8), first)
	LEAQ(Mem{Base: first, Index: stride, Scale: 2}, third)
	XORQ(t, t)
	Label(groupPlane)
	VADDSD(Mem{Base: first}, ps[0], ps[0])
	VADDSD(Mem{Base: first, Index: stride, Scale: 1}, ps[1], ps[1])
	VADDSD(Mem{Base: third}, ps[2], ps[2])
	VADDSD(Mem{Base: third, Index: stride, Scale: 1}, ps[3], ps[3])
	ADDQ(U8(8), first)
	ADDQ(U8(8), third)
	INCQ(t)
	CMPQ(t, inner)
	JB(LabelRef(groupPlane))
	for g := range ps {
		k.addOne(Mem{Base: dalpha, Index: c, Scale: size, Disp: g * int(size)}, ps[g])
	}
	skip := GP64() // the group's planes: channelGroup*inner positions
	MOVQ(stride, skip)
	SHRQ(U8(1), skip)
	ADDQ(skip, pos)
	ADDQ(U32(channelGroup), c)
	JMP(LabelRef(group))

	Label(single)
	CMPQ(c, channels)
	JE(LabelRef(done))
	p := XMM()
	VXORPS(p, p, p)
	XORQ(t, t)
	Label(singlePlane)
	VADDSD(k.sumRing.Idx(pos, 8), p, p)
	INCQ(pos)
	INCQ(t)
	CMPQ(t, inner)
	JB(LabelRef(singlePlane))
	k.addOne(Mem{Base: dalpha, Index: c, Scale: size}, p)
	INCQ(c)
	JMP(LabelRef(single))
	Label(done)
}

// addSumsLoop adds sums[c] to dalpha[c] (elements of size bytes) in
// float64, rounding once, for c from its value up to n: a vector of is's
// float64 at a time, then the channels left over one at a time; then it
// jumps to done.
func addSumsLoop(is isa, size int, dalpha Register, sums Mem, n Op, c GPVirtual, done string) {
	perVec := is.vecBytes() / 8
	limit := GP64()
	MOVQ(n, limit)
	SUBQ(U32(perVec), limit)
	vector, scalar := newLabel("sums_vector"), newLabel("sums_scalar")
	Label(vector)
	CMPQ(c, limit)
	JGT(LabelRef(scalar))
	at := Mem{Base: dalpha, Index: c, Scale: uint8(size)}
	addVector(is, size, at, sums.Idx(c, 8))
	ADDQ(U32(perVec), c)
	JMP(LabelRef(vector))

	Label(scalar)
	CMPQ(c, n)
	JE(LabelRef(done))
	s := XMM()
	VMOVSD(sums.Idx(c, 8), s)
	addOne(size, at, s)
	INCQ(c)
	JMP(LabelRef(scalar))
}

// addVector adds a vector of float64 sums to the elements of size bytes at
// at (as many as the vector has lanes), in float64, rounding once.
func addVector(is isa, size int, at Mem, sums Op) {
	d := is.vec()
	if size == 4 {
		VCVTPS2PD(at, d)
	} else {
		VMOVUPD(at, d)
	}
	VADDPD(sums, d, d)
	if size == 4 {
		VMOVUPS(is.narrow(d), at)
	} else {
		VMOVUPD(d, at)
	}
}

// addOne adds the float64 sum s to the element at m, rounding once.
func (k *kernel) addOne(m Mem, s VecVirtual) { addOne(k.e.Size, m, s) }

// addOne adds the float64 sum s to the element of size bytes at m,
// rounding once.
func addOne(size int, m Mem, s VecVirtual) {
	if size == 8 {
		VADDSD(m, s, s)
		VMOVSD(s, m)
		return
	}
	x := XMM()
	VXORPS(x, x, x) // no false dependency on the register's old value
	VCVTSS2SD(m, x, x)
	VADDSD(s, x, x)
	VCVTSD2SS(x, x, x)
	VMOVSS(x, m)
}

// nextChannel moves channel c on by one, wrapping at channels with a CMOV:
// no branch a plane but the loop's own.
func nextChannel(c, channels GPVirtual) {
	wrapped := GP64()
	INCQ(c)
	MOVQ(c, wrapped)
	SUBQ(channels, wrapped)
	CMOVQEQ(wrapped, c) // 0 at the last channel's end
}

// ringPeriodTables holds each ISA and element type's table, emitted once.
var ringPeriodTables = map[string]Mem{}

// ringPeriodTable emits the permutation indices that repeat a period of P
// elements over a vector of isa's, for P = 1 to w-1 (w elements a vector):
// vector P-1's lane i names element i % P, as 32-bit indices for VPERMPS
// (a float64 as its two halves).
func ringPeriodTable(isa isa, e spec.Elem) Mem {
	name := "ringperiods" + isa.name() + e.Name
	if t, ok := ringPeriodTables[name]; ok {
		return t
	}
	w, dwords := isa.vecBytes()/e.Size, isa.vecBytes()/4
	t := GLOBL(name, RODATA|NOPTR)
	off := 0
	for p := 1; p < w; p++ {
		for l := range dwords {
			v := l % p
			if e.Size == 8 {
				v = 2*((l/2)%p) + l%2
			}
			DATA(off, U32(v))
			off += 4
		}
	}
	ringPeriodTables[name] = t
	return t
}
