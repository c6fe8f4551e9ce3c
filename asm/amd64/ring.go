package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/prelu-go/prelu/asm/spec"
)

// ringed: the slopes of the planes layout, alpha[(i/inner) % C]. The
// kernel expands them into a ring in its own frame: a period repeated to
// ringLen, at least a vector, then a vector more, so that the vector at any
// position r < ringLen reads its slopes with one load, and r wraps at
// ringLen. Nothing is expanded by the caller and no stack scratch has to
// be zeroed; a call costs the O(P) expansion and the span. The float64
// sums are kept per ring position beside it and folded into dalpha.
//
// A period P = C*inner of at most RingLimit elements is expanded once and
// x streams through it. A longer one (small planes of many channels) runs
// in segments of as many whole planes as fit, each expanded and streamed
// once; the caller asks for slope gradients that way only when x is a
// single period, so that each channel's sum is still added once.
func (k *kernel) ringed() {
	w, size := k.lanes(), k.e.Size
	limit := spec.RingLimit(k.isa.vecBytes(), size, k.v.Dx, k.v.Dalpha)
	if k.v.Dx {
		k.ring = AllocLocal(spec.RingSlopes(w, limit) * size)
	}
	if k.v.Dalpha {
		k.sumRing = AllocLocal(spec.RingSums(w, limit) * 8)
	}
	// What the segments need between spans lives in the frame, so that
	// the spans have the registers.
	vars := AllocLocal(4 * 8)
	c0At, perSegmentAt, wholeAt, kcAt := vars, vars.Offset(8), vars.Offset(16), vars.Offset(24)
	param := func(name string, len bool) GPVirtual {
		r := GP64()
		if len {
			Load(Param(name).Len(), r)
		} else if name == "inner" {
			Load(Param(name), r)
		} else {
			Load(Param(name).Base(), r)
		}
		return r
	}
	get := func(m Mem) GPVirtual { r := GP64(); MOVQ(m, r); return r }
	channelsParam := "dalpha"
	if k.v.Dx {
		channelsParam = "alpha"
	}

	// perSegment channels, and the elements of x a segment covers: all of
	// x (whole) for a short period, else one segment's planes (whole = 0).
	{
		inner, channels, period := param("inner", false), param(channelsParam, true), GP64()
		MOVQ(channels, period)
		IMULQ(inner, period)
		MOVQ(channels, perSegmentAt)
		MOVQ(k.n, wholeAt)
		short := newLabel("ring_whole")
		CMPQ(period, U32(limit))
		JBE(LabelRef(short))
		MOVQ(U32(limit), RAX)
		XORQ(RDX, RDX)
		DIVQ(inner)
		MOVQ(RAX, perSegmentAt)
		MOVQ(U32(0), wholeAt)
		Label(short)
		MOVQ(U32(0), c0At)
	}
	k.ringLen, k.r = GP64(), GP64()
	segN := GP64()
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
		MOVQ(wholeAt, segN)
		TESTQ(segN, segN)
		CMOVQEQ(segPeriod, segN)
		// ringLen: the segment's period repeated to at least a vector.
		MOVQ(segPeriod, k.ringLen)
		more, enough := newLabel("ring_len"), newLabel("ring_len_done")
		Label(more)
		CMPQ(k.ringLen, U32(w))
		JAE(LabelRef(enough))
		ADDQ(segPeriod, k.ringLen)
		JMP(LabelRef(more))
		Label(enough)
		if k.v.Dx {
			from := param("alpha", false)
			LEAQ(Mem{Base: from, Index: c0, Scale: uint8(size)}, from)
			k.buildRing(from, kc, inner, segPeriod)
		}
	}
	if k.v.Dalpha {
		k.zeroSums()
	}
	XORQ(k.r, k.r)
	k.span(segN)
	{
		c0, kc := get(c0At), get(kcAt)
		if k.v.Dalpha {
			inner, to := param("inner", false), param("dalpha", false)
			segPeriod := GP64()
			MOVQ(kc, segPeriod)
			IMULQ(inner, segPeriod)
			LEAQ(Mem{Base: to, Index: c0, Scale: uint8(size)}, to)
			k.foldRing(to, kc, inner, segPeriod)
		}
		bytes := GP64()
		MOVQ(segN, bytes)
		SHLQ(U8(log2(size)), bytes)
		k.advance(bytes)
		SUBQ(segN, k.n)
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
}

// advanceRing moves the ring position on by a vector, wrapping at ringLen
// (ringLen is at least a vector, so one subtraction is enough).
func (k *kernel) advanceRing() {
	if k.l != spec.Ring {
		return
	}
	ADDQ(U32(k.lanes()), k.r)
	t := GP64()
	MOVQ(k.r, t)
	SUBQ(k.ringLen, t)
	CMOVQCC(t, k.r)
}

// buildRing writes the slopes of positions [0, ringLen + lanes) into the
// ring: the period first (the slopes themselves for inner = 1, else each
// slope broadcast over its plane), then copies of it.
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
	Label(planes)
	c, at, t, pos := GP64(), GP64(), GP64(), GP64()
	XORQ(c, c)
	XORQ(at, at)
	channel, fill := newLabel("ring_channel"), newLabel("ring_fill")
	Label(channel)
	CMPQ(c, channels)
	JE(LabelRef(extend))
	b := k.isa.vec()
	k.e.broadcast(Mem{Base: alphas, Index: c, Scale: size}, b)
	XORQ(t, t)
	Label(fill)
	MOVQ(at, pos)
	ADDQ(t, pos)
	k.e.mov(b, k.ring.Idx(pos, size))
	ADDQ(U32(w), t)
	CMPQ(t, inner)
	JB(LabelRef(fill))
	ADDQ(inner, at)
	INCQ(c)
	JMP(LabelRef(channel))

	// Positions [period, ringLen + lanes) repeat the period. A period of a
	// vector or more has ringLen = period: one vector copy. A shorter one
	// is copied an element at a time (fewer than two vectors of them).
	Label(extend)
	short, built := newLabel("ring_short"), newLabel("ring_built")
	CMPQ(period, U32(w))
	JB(LabelRef(short))
	head := k.isa.vec()
	k.e.mov(k.ring, head)
	k.e.mov(head, k.ring.Idx(period, size))
	JMP(LabelRef(built))
	Label(short)
	end, src, e := GP64(), GP64(), GP64()
	MOVQ(period, j)
	MOVQ(k.ringLen, end)
	ADDQ(U32(w), end)
	element := newLabel("ring_element")
	Label(element)
	MOVQ(j, src)
	SUBQ(period, src)
	if size == 4 {
		MOVL(k.ring.Idx(src, size), e.As32())
		MOVL(e.As32(), k.ring.Idx(j, size))
	} else {
		MOVQ(k.ring.Idx(src, size), e)
		MOVQ(e, k.ring.Idx(j, size))
	}
	INCQ(j)
	CMPQ(j, end)
	JB(LabelRef(element))
	Label(built)
}

// zeroSums clears the float64 sums of positions [0, ringLen + lanes), in
// whole vectors.
func (k *kernel) zeroSums() {
	w, perVec := k.lanes(), k.isa.vecBytes()/8
	p, end := GP64(), GP64()
	XORQ(p, p)
	MOVQ(k.ringLen, end)
	ADDQ(U32(w), end)
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
func (k *kernel) foldRing(dalpha, channels, inner, period GPVirtual) {
	w, vb := k.lanes(), k.isa.vecBytes()
	// Positions [ringLen, ringLen + lanes) repeat [0, lanes); ringLen is
	// at least a vector, so the two do not overlap.
	for h := range w * 8 / vb {
		a := k.isa.vec()
		VMOVUPD(k.sumRing.Offset(h*vb), a)
		VADDPD(k.sumRing.Idx(k.ringLen, 8).Offset(h*vb), a, a)
		VMOVUPD(a, k.sumRing.Offset(h*vb))
	}
	// Positions [period, ringLen) repeat the period (only when it is
	// shorter than a vector): from the top down, so that each position
	// carries what was folded into it before it is folded itself.
	j, d := GP64(), GP64()
	MOVQ(k.ringLen, j)
	loop, done := newLabel("fold"), newLabel("folded")
	Label(loop)
	CMPQ(j, period)
	JBE(LabelRef(done))
	DECQ(j)
	MOVQ(j, d)
	SUBQ(period, d)
	s := XMM()
	VMOVSD(k.sumRing.Idx(j, 8), s)
	VADDSD(k.sumRing.Idx(d, 8), s, s)
	VMOVSD(s, k.sumRing.Idx(d, 8))
	JMP(LabelRef(loop))
	Label(done)
	k.addChannelSums(dalpha, channels, inner)
}

// addChannelSums adds to dalpha[c] the sum of positions [c*inner,
// (c+1)*inner) in float64 and rounds once: dalpha[c] = T(float64(dalpha[c])
// + sum), as the pure-Go code does. Channel-last (inner = 1) runs a vector
// of channels at a time.
func (k *kernel) addChannelSums(dalpha, channels, inner GPVirtual) {
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
		narrow := k.isa.narrow(d)
		VMOVUPS(narrow, at)
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

	// Planes: each channel's inner positions summed, then added.
	Label(planes)
	pos, t := GP64(), GP64()
	XORQ(pos, pos)
	channel, plane := newLabel("sums_channel"), newLabel("sums_plane")
	Label(channel)
	CMPQ(c, channels)
	JE(LabelRef(done))
	p := XMM()
	VXORPS(p, p, p)
	XORQ(t, t)
	Label(plane)
	VADDSD(k.sumRing.Idx(pos, 8), p, p)
	INCQ(pos)
	INCQ(t)
	CMPQ(t, inner)
	JB(LabelRef(plane))
	k.addOne(Mem{Base: dalpha, Index: c, Scale: size}, p)
	INCQ(c)
	JMP(LabelRef(channel))
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
