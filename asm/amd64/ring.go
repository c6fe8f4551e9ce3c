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
	limit := spec.RingLimit(k.isa.vecBytes(), size, k.v.Dx, k.v.Dalpha)
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
		k.ringLength(period)
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
			k.ringLength(segPeriod)
			if k.v.Dx {
				from := param("alpha", false)
				LEAQ(Mem{Base: from, Index: c0, Scale: uint8(size)}, from)
				k.buildRing(from, kc, inner, segPeriod)
			}
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
		k.ringLength(blockLen)
		if k.v.Dx {
			from := param("alpha", false)
			LEAQ(Mem{Base: from, Index: c0, Scale: uint8(size)}, from)
			k.buildRing(from, kc, inner, blockLen)
		}
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
// unrolled vectors, modulo the length, kept in the frame.
func (k *kernel) ringLenAt() Mem { return k.ringVars }
func (k *kernel) stepAt(vectors int) Mem {
	if vectors == 1 {
		return k.ringVars.Offset(8)
	}
	return k.ringVars.Offset(16)
}

// ringLength sets the ring's length, the period repeated to at least a
// vector, and the steps of one vector and of the unrolled vectors modulo
// it (the length is at least a vector, so a few subtractions suffice).
func (k *kernel) ringLength(period GPVirtual) {
	w := k.lanes()
	n := GP64()
	MOVQ(period, n)
	more, enough := newLabel("ring_len"), newLabel("ring_len_done")
	Label(more)
	CMPQ(n, U32(w))
	JAE(LabelRef(enough))
	ADDQ(period, n)
	JMP(LabelRef(more))
	Label(enough)
	MOVQ(n, k.ringLenAt())
	for _, vectors := range []int{1, unroll} {
		step := GP64()
		MOVQ(U32(vectors*w), step)
		reduce, reduced := newLabel("ring_step"), newLabel("ring_step_done")
		Label(reduce)
		CMPQ(step, n)
		JB(LabelRef(reduced))
		SUBQ(n, step)
		JMP(LabelRef(reduce))
		Label(reduced)
		MOVQ(step, k.stepAt(vectors))
	}
}

// advanceRing moves the ring position on by the given number of vectors,
// wrapping at the ring's length: one dependent add, subtract and move per
// unrolled iteration.
func (k *kernel) advanceRing(vectors int) {
	if k.l != spec.Ring {
		return
	}
	ADDQ(k.stepAt(vectors), k.r)
	t := GP64()
	MOVQ(k.r, t)
	SUBQ(k.ringLenAt(), t)
	CMOVQCC(t, k.r)
}

// buildRing writes the slopes of positions [0, length + unroll*lanes) into
// the ring: the period first (the slopes themselves for inner = 1, else
// each slope broadcast over its plane), then copies of it.
func (k *kernel) buildRing(alphas, channels, inner, period GPVirtual) {
	w, size := k.lanes(), uint8(k.e.Size)
	planes, extend := newLabel("ring_planes"), newLabel("ring_extend")
	CMPQ(inner, U8(1))
	JNE(LabelRef(planes))

	// inner = 1: the slopes as they are, whole vectors, then a masked one
	// (the ring has room past the period for the whole vector).
	j, limit := GP64(), GP64()
	XORQ(j, j)
	MOVQ(channels, limit)
	SUBQ(U32(w), limit)
	copyLoop, copyTail := newLabel("ring_copy"), newLabel("ring_copy_tail")
	Label(copyLoop)
	CMPQ(j, limit)
	JGT(LabelRef(copyTail))
	v := k.isa.vec()
	k.e.mov(Mem{Base: alphas, Index: j, Scale: size}, v)
	k.e.mov(v, k.ring.Idx(j, size))
	ADDQ(U32(w), j)
	JMP(LabelRef(copyLoop))
	Label(copyTail)
	rem := GP64()
	MOVQ(channels, rem)
	SUBQ(j, rem)
	JE(LabelRef(extend))
	part := k.isa.loadPart(k.e, Mem{Base: alphas, Index: j, Scale: size}, k.isa.tail(k.e, rem))
	k.e.mov(part, k.ring.Idx(j, size))
	JMP(LabelRef(extend))

	// inner > 1: each slope broadcast over its plane in whole vectors; a
	// plane's last vector runs into the next plane, which overwrites it.
	// Planes of up to two vectors (3x3, 5x5, 7x7 on AVX-512) take two
	// stores and no inner loop: the ring has room past the period for the
	// second to run over.
	Label(planes)
	c, at, t, pos := GP64(), GP64(), GP64(), GP64()
	XORQ(c, c)
	XORQ(at, at)
	channel, fill, long := newLabel("ring_channel"), newLabel("ring_fill"), newLabel("ring_long_planes")
	CMPQ(inner, U32(2*w))
	JA(LabelRef(long))
	Label(fill)
	b := k.isa.vec()
	k.e.broadcast(Mem{Base: alphas, Index: c, Scale: size}, b)
	k.e.mov(b, k.ring.Idx(at, size))
	k.e.mov(b, k.ring.Idx(at, size).Offset(k.isa.vecBytes()))
	ADDQ(inner, at)
	INCQ(c)
	CMPQ(c, channels)
	JB(LabelRef(fill))
	JMP(LabelRef(extend))

	Label(long)
	Label(channel)
	CMPQ(c, channels)
	JE(LabelRef(extend))
	b2 := k.isa.vec()
	k.e.broadcast(Mem{Base: alphas, Index: c, Scale: size}, b2)
	XORQ(t, t)
	plane := newLabel("ring_plane")
	Label(plane)
	MOVQ(at, pos)
	ADDQ(t, pos)
	k.e.mov(b2, k.ring.Idx(pos, size))
	ADDQ(U32(w), t)
	CMPQ(t, inner)
	JB(LabelRef(plane))
	ADDQ(inner, at)
	INCQ(c)
	JMP(LabelRef(channel))

	// A period shorter than a vector is repeated up to the ring's length
	// an element at a time (fewer than two vectors of them). Then the
	// unrolled vectors past the length repeat its start: whole vector
	// copies, since the length is at least a vector.
	Label(extend)
	length := GP64()
	MOVQ(k.ringLenAt(), length)
	j2, src, e := GP64(), GP64(), GP64()
	MOVQ(period, j2)
	element, repeated := newLabel("ring_element"), newLabel("ring_repeated")
	Label(element)
	CMPQ(j2, length)
	JAE(LabelRef(repeated))
	MOVQ(j2, src)
	SUBQ(period, src)
	if size == 4 {
		MOVL(k.ring.Idx(src, size), e.As32())
		MOVL(e.As32(), k.ring.Idx(j2, size))
	} else {
		MOVQ(k.ring.Idx(src, size), e)
		MOVQ(e, k.ring.Idx(j2, size))
	}
	INCQ(j2)
	JMP(LabelRef(element))
	Label(repeated)
	for slot := range unroll {
		head := k.isa.vec()
		k.e.mov(k.ring.Offset(slot*k.isa.vecBytes()), head)
		k.e.mov(head, k.ring.Idx(length, size).Offset(slot*k.isa.vecBytes()))
	}
}

// zeroSums clears the float64 sums of positions [0, length + unroll*lanes),
// in whole vectors.
func (k *kernel) zeroSums() {
	w, perVec := k.lanes(), k.isa.vecBytes()/8
	p, end := GP64(), GP64()
	XORQ(p, p)
	MOVQ(k.ringLenAt(), end)
	ADDQ(U32(unroll*w), end)
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
	w, perVec := k.lanes(), k.isa.vecBytes()/8
	// Positions [length, length + unroll*lanes) repeat [0, ...) modulo the
	// length: a vector at a time from the top down, each into the one a
	// length below. The length is at least a vector of float64, so the
	// two never overlap, and each position has what was folded into it
	// before it is folded itself.
	length, p, d := GP64(), GP64(), GP64()
	MOVQ(k.ringLenAt(), length)
	MOVQ(length, p)
	ADDQ(U32(unroll*w), p)
	ext, extDone := newLabel("fold_ext"), newLabel("fold_ext_done")
	Label(ext)
	CMPQ(p, length)
	JBE(LabelRef(extDone))
	SUBQ(U32(perVec), p)
	MOVQ(p, d)
	SUBQ(length, d)
	a := k.isa.vec()
	VMOVUPD(k.sumRing.Idx(d, 8), a)
	VADDPD(k.sumRing.Idx(p, 8), a, a)
	VMOVUPD(a, k.sumRing.Idx(d, 8))
	JMP(LabelRef(ext))
	Label(extDone)
	// Positions [period, length) repeat the period (only when it is
	// shorter than a vector): from the top down, an element at a time.
	loop, done := newLabel("fold"), newLabel("folded")
	Label(loop)
	CMPQ(length, period)
	JBE(LabelRef(done))
	DECQ(length)
	MOVQ(length, d)
	SUBQ(period, d)
	s := XMM()
	VMOVSD(k.sumRing.Idx(length, 8), s)
	VADDSD(k.sumRing.Idx(d, 8), s, s)
	VMOVSD(s, k.sumRing.Idx(d, 8))
	JMP(LabelRef(loop))
	Label(done)
	k.addChannelSums(dalpha, channels, inner)
}

// channelGroup is how many channels' plane sums are added side by side:
// independent chains, so that the adds' latency does not serialise them.
const channelGroup = 4 // addChannelSums steps a group as stride*4/8 positions

// addChannelSums adds to dalpha[c] the sum of positions [c*inner,
// (c+1)*inner) in float64 and rounds once: dalpha[c] = T(float64(dalpha[c])
// + sum), as the pure-Go code does. Channel-last (inner = 1) runs a vector
// of channels at a time; planes a group of channels at a time.
func (k *kernel) addChannelSums(dalpha GPVirtual, channels, inner Mem) {
	size, perVec := uint8(k.e.Size), k.isa.vecBytes()/8
	c, limit := GP64(), GP64()
	XORQ(c, c)
	planes, scalar, done := newLabel("sums_planes"), newLabel("sums_scalar"), newLabel("sums_done")
	CMPQ(inner, U8(1))
	JNE(LabelRef(planes))
	MOVQ(channels, limit)
	SUBQ(U32(perVec), limit)
	vector := newLabel("sums_vector")
	Label(vector)
	CMPQ(c, limit)
	JGT(LabelRef(scalar))
	at := Mem{Base: dalpha, Index: c, Scale: size}
	d := k.isa.vec()
	if size == 4 {
		VCVTPS2PD(at, d)
	} else {
		VMOVUPD(at, d)
	}
	VADDPD(k.sumRing.Idx(c, 8), d, d)
	if size == 4 {
		VMOVUPS(k.isa.narrow(d), at)
	} else {
		VMOVUPD(d, at)
	}
	ADDQ(U32(perVec), c)
	JMP(LabelRef(vector))

	// The channels left over, one at a time.
	Label(scalar)
	CMPQ(c, channels)
	JE(LabelRef(done))
	s := XMM()
	VMOVSD(k.sumRing.Idx(c, 8), s)
	k.addOne(Mem{Base: dalpha, Index: c, Scale: size}, s)
	INCQ(c)
	JMP(LabelRef(scalar))

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

// addOne adds the float64 sum s to the element at m, rounding once.
func (k *kernel) addOne(m Mem, s VecVirtual) {
	if k.e.Size == 8 {
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
