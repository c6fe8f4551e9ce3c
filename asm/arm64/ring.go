package main

import (
	"fmt"

	"github.com/prelu-go/prelu/asm/arm64/enc"
	"github.com/prelu-go/prelu/asm/spec"
)

// ringed: the slopes of the planes layout, alpha[(i/inner) % C], which the
// kernel expands into a ring in its own frame, as the amd64 kernels do: a
// period repeated to the ring's length (at least a vector), then unroll
// vectors more, so that the unrolled vectors at any position r below the
// length read their slopes with one load, and r wraps once per unrolled
// iteration. Nothing is expanded by the caller and no scratch has to be
// zeroed but the sums the kernel uses; a call costs the O(P) expansion and
// the span. The float64 sums are kept per ring position in a second ring
// and folded into dalpha at the end.
//
// A period P = C*inner of at most RingLimit elements is expanded once and
// x streams through it. A longer one runs as rows (see rows) when it is
// channel-last data (inner = 1) or the kernel has sums: blocks of the
// channels whose planes fit, each over every row, for any number of rows,
// so that each channel's sum is still added once. Without sums a longer
// one with planes (inner > 1) runs in segments of as many whole planes as
// fit, each expanded and streamed once, one after another through x. A
// plane longer than the limit does not fit at all: the caller never asks
// for it, and the kernel returns without work rather than loop.
//
// Within a span the ring is read like the pattern layout's slopes and
// sums (block and scalar take them from rSlope, rAccIn and rAccOut); only
// after each block does advanceRing move r on and point them at r again.
func (k *kernel) ringed() {
	limit := k.ringLimit()
	channels := "alpha"
	if !k.v.Dx {
		channels = "dalpha"
	}
	k.op("MOVD", k.fr.len("x"), rLeft.String())
	k.op("MOVD", k.fr.arg("inner"), rInner.String())
	k.op("MOVD", k.fr.len(channels), rPeriod.String())
	if k.v.Dx {
		k.op("MOVD", k.fr.base("alpha"), rSlopes.String())
		k.op("ADD", imm(ringAt), "RSP", rSlopeRing.String())
	}
	if k.v.Dalpha {
		k.op("MOVD", k.fr.base("dalpha"), rAccs.String())
		k.op("ADD", imm(ringAt+k.slopeRingBytes()), "RSP", rSumRing.String())
	}
	done, segmented := k.newLabel("ring_done"), k.newLabel("ring_segmented")
	// The callers never pass these, but the ring's length would never
	// reach a vector.
	k.op("CBZ", rPeriod.String(), done)
	k.op("CBZ", rInner.String(), done)
	k.op("MUL", rInner.String(), rPeriod.String(), rPeriodNow.String())
	k.op("CMP", imm(limit), rPeriodNow.String())
	k.op("BHI", segmented)

	// A short period: one ring for all of x.
	k.expand(rSlopes, rPeriod)
	k.op("MOVD", rLeft.String(), rCount.String())
	k.streamRing()
	if k.v.Dalpha {
		k.foldRing(rAccs, rPeriod)
	}
	k.op("B", done)

	// A long period: rows (sums, or channel-last), else segments of
	// rChannels planes from rFirst on, at most rPerSegment of them,
	// cycling through the channels.
	k.label(segmented)
	rows := k.newLabel("ring_rows")
	k.op("CMP", imm(limit), rInner.String())
	k.op("BHI", done)
	// rPerSegment: the whole planes that fit.
	k.op("MOVD", imm(limit), rTmp.String())
	k.op("UDIV", rInner.String(), rTmp.String(), rPerSegment.String())
	if k.v.Dalpha {
		// With sums every long period runs by rows (see rows).
		k.op("B", rows)
	} else {
		// Without, planes stream through in order, in segments;
		// channel-last rows take the blocks of rows.
		k.op("CMP", imm(1), rInner.String())
		k.op("BEQ", rows)
		k.op("MOVD", "ZR", rFirst.String())
		segment := k.newLabel("ring_segment")
		k.label(segment)
		k.op("CBZ", rLeft.String(), done)
		k.op("SUB", rFirst.String(), rPeriod.String(), rChannels.String())
		k.op("CMP", rPerSegment.String(), rChannels.String())
		k.op("CSEL", "HI", rPerSegment.String(), rChannels.String(), rChannels.String())
		k.op("MUL", rInner.String(), rChannels.String(), rPeriodNow.String())
		if k.v.Dx {
			k.op("ADD", k.scaled(rFirst, k.e.Size), rSlopes.String(), rTmp.String())
		}
		k.expand(rTmp, rChannels)
		// Even a length that is not a whole number of periods stays inside x.
		k.takeSpan(rPeriodNow)
		k.streamRing()
		k.op("ADD", rChannels.String(), rFirst.String(), rFirst.String())
		k.op("CMP", rPeriod.String(), rFirst.String())
		k.op("CSEL", "EQ", "ZR", rFirst.String(), rFirst.String())
		k.op("B", segment)
	}

	k.rows(rows, done)
	k.label(done)
}

// rows runs rows longer than the limit (x is [outer][C][inner]): blocks
// of rChannels = min(rPerSegment, C - rFirst) channels from rFirst on, the
// channels whose planes fit the limit, each over every row before its sums
// are added, so that each channel's gradient is still rounded once, for
// any number of rows. Each row's block, rChannels*inner contiguous
// elements a stride of C*inner after the last row's, streams through the
// ring from position 0. Channel-last data (inner = 1) and every sums
// variant run this way. A row cut short by the end of x (the callers pass
// whole rows) takes what is left, as the pure-Go twins do, so nothing
// outside the slices is touched.
func (k *kernel) rows(rows, done string) {
	e := k.e
	block, row, rowsDone := k.newLabel("ring_block"), k.newLabel("ring_row"), k.newLabel("ring_rows_done")
	k.label(rows)
	k.op("MOVD", "ZR", rFirst.String())
	k.label(block)
	k.op("CMP", rPeriod.String(), rFirst.String())
	k.op("BHS", done)
	k.op("SUB", rFirst.String(), rPeriod.String(), rChannels.String())
	k.op("CMP", rPerSegment.String(), rChannels.String())
	k.op("CSEL", "HI", rPerSegment.String(), rChannels.String(), rChannels.String())
	// The block's width: its planes.
	k.op("MUL", rInner.String(), rChannels.String(), rPeriodNow.String())
	if k.v.Dx {
		k.op("ADD", k.scaled(rFirst, e.Size), rSlopes.String(), rTmp.String())
	}
	k.expand(rTmp, rChannels)
	// The data pointers at row 0, channel rFirst (element rFirst*inner);
	// rLeft the elements from there to the end of x.
	ptrs, names := []gp{rGate}, []string{"x"}
	if k.v.HasValue() {
		ptrs, names = append(ptrs, rValue), append(names, "dy")
	}
	if k.v.Dx {
		ptrs, names = append(ptrs, rOut), append(names, k.v.Out())
	}
	k.op("MUL", rInner.String(), rFirst.String(), rTmp.String())
	for i, p := range ptrs {
		k.op("MOVD", k.fr.base(names[i]), p.String())
		k.op("ADD", k.scaled(rTmp, e.Size), p.String(), p.String())
	}
	k.op("MOVD", k.fr.len("x"), rLeft.String())
	k.op("SUBS", rTmp.String(), rLeft.String(), rLeft.String())
	k.op("BLE", rowsDone)
	k.label(row)
	k.op("CMP", rPeriodNow.String(), rLeft.String())
	k.op("CSEL", "LO", rLeft.String(), rPeriodNow.String(), rCount.String())
	k.streamRing()
	// The next row's block: C*inner elements on from this one's start,
	// which the span has moved the block's width on.
	k.op("MUL", rInner.String(), rPeriod.String(), rTmp.String())
	k.op("SUBS", rTmp.String(), rLeft.String(), rLeft.String())
	k.op("BLE", rowsDone)
	k.op("SUB", rPeriodNow.String(), rTmp.String(), rTmp.String())
	for _, p := range ptrs {
		k.op("ADD", k.scaled(rTmp, e.Size), p.String(), p.String())
	}
	k.op("B", row)
	k.label(rowsDone)
	if k.v.Dalpha {
		k.op("ADD", k.scaled(rFirst, e.Size), rAccs.String(), rTmp.String())
		k.foldRing(rTmp, rChannels)
	}
	k.op("ADD", rChannels.String(), rFirst.String(), rFirst.String())
	k.op("B", block)
}

// ringAt is where the rings start in the frame: locals begin at 8(RSP),
// above the saved link register, and 16(RSP) is the first vector boundary
// (RSP is always 16-byte aligned on arm64), so no vector access to a ring
// splits a cache line.
const ringAt = 16

// ringLimit is the longest period this kernel expands at once.
func (k *kernel) ringLimit() int {
	return spec.RingKernelLimit(vecBytes, k.e.Size, k.v)
}

// slopeRingBytes and sumRingBytes are the sizes of the rings, whole
// vectors each, so that the sums follow the slopes at a vector boundary.
func (k *kernel) slopeRingBytes() int {
	if !k.v.Dx {
		return 0
	}
	return spec.RingSlopes(k.e.lanes(), k.ringLimit()) * k.e.Size
}

func (k *kernel) sumRingBytes() int {
	if !k.v.Dalpha {
		return 0
	}
	return spec.RingSums(k.e.lanes(), k.ringLimit()) * 8
}

// ringFrame is the TEXT frame size of a Ring kernel: the rings from
// ringAt on. It is 8 modulo 16, so that the assembler adds only the frame
// pointer's 8 bytes to keep RSP aligned.
func (k *kernel) ringFrame() int {
	bytes := k.slopeRingBytes() + k.sumRingBytes()
	if bytes%vecBytes != 0 || ringAt+bytes > spec.RingFrame {
		panic(fmt.Sprintf("ring of %d bytes does not fit the frame", bytes))
	}
	return ringAt - 8 + bytes
}

// scaled is the operand r<<log2(size): an index in elements of size bytes,
// as a byte offset.
func (k *kernel) scaled(r gp, size int) string {
	return fmt.Sprintf("%s<<%d", r, map[int]int{4: 2, 8: 3}[size])
}

// expand prepares the ring for the period in rPeriodNow: its length and
// steps, the slopes of channels planes from alphas (when there are slopes),
// and cleared sums (when there are sums).
func (k *kernel) expand(alphas, channels gp) {
	k.ringLength()
	if k.v.Dx {
		k.buildRing(alphas, channels)
	}
	if k.v.Dalpha {
		k.zeroSums()
	}
}

// ringLength sets the ring's length, the period repeated to at least a
// vector, and the steps of one vector and of the unrolled vectors modulo
// it (the length is at least a vector, so a few subtractions suffice).
func (k *kernel) ringLength() {
	w, n := k.e.lanes(), rRingLen.String()
	more, enough := k.newLabel("ring_len"), k.newLabel("ring_len_done")
	k.op("MOVD", rPeriodNow.String(), n)
	k.label(more)
	k.op("CMP", imm(w), n)
	k.op("BHS", enough)
	k.op("ADD", rPeriodNow.String(), n, n)
	k.op("B", more)
	k.label(enough)
	for _, s := range []struct {
		vectors int
		r       gp
	}{{1, rStep}, {unroll, rSteps}} {
		step := s.r.String()
		reduce, reduced := k.newLabel("ring_step"), k.newLabel("ring_step_done")
		k.op("MOVD", imm(s.vectors*w), step)
		k.label(reduce)
		k.op("CMP", n, step)
		k.op("BLO", reduced)
		k.op("SUB", n, step, step)
		k.op("B", reduce)
		k.label(reduced)
	}
}

// buildRing writes the slopes of positions [0, length + unroll*lanes) into
// the ring: the period first (the slopes themselves for inner = 1, else
// each slope broadcast over its plane), then copies of it.
func (k *kernel) buildRing(alphas, channels gp) {
	e, w := k.e, k.e.lanes()
	from, to, left, t := rAccIn.String(), rSlope.String(), rCount.String(), rAccOut.String()
	v := vOut.list(1, e.arr)
	planes, extend := k.newLabel("ring_planes"), k.newLabel("ring_extend")
	k.op("MOVD", alphas.String(), from)
	k.op("MOVD", rSlopeRing.String(), to)
	k.op("CMP", imm(1), rInner.String())
	k.op("BNE", planes)

	// inner = 1: the slopes as they are, whole vectors, then the rest an
	// element at a time, so that nothing past alpha is read.
	copyLoop, copyTail, copyElem := k.newLabel("ring_copy"), k.newLabel("ring_copy_tail"), k.newLabel("ring_copy_element")
	k.op("SUBS", imm(w), channels.String(), left)
	k.op("BLT", copyTail)
	k.label(copyLoop)
	k.op("VLD1.P", gp(rAccIn).post(vecBytes), v)
	k.op("VST1.P", v, gp(rSlope).post(vecBytes))
	k.op("SUBS", imm(w), left, left)
	k.op("BGE", copyLoop)
	k.label(copyTail)
	k.op("ADDS", imm(w), left, left)
	k.op("BEQ", extend)
	k.label(copyElem)
	k.copyElement(gp(rAccIn), gp(rSlope), gp(rAccOut))
	k.op("SUBS", imm(1), left, left)
	k.op("BNE", copyElem)
	k.op("B", extend)

	// inner > 1: each slope broadcast over its plane in whole vectors; a
	// plane's last vector runs into the next plane, which overwrites it,
	// and the last plane's into the ring's room past the period.
	k.label(planes)
	channel, fill := k.newLabel("ring_channel"), k.newLabel("ring_fill")
	end := left // past the slopes of the last channel
	k.op("ADD", k.scaled(channels, e.Size), from, end)
	k.op("MOVD", to, t) // t: the next plane's start
	k.label(channel)
	k.op("VLD1R.P", gp(rAccIn).post(e.Size), v)
	k.op("MOVD", t, to)
	k.op("ADD", k.scaled(rInner, e.Size), t, t)
	k.label(fill)
	k.op("VST1.P", v, gp(rSlope).post(vecBytes))
	k.op("CMP", t, to)
	k.op("BLO", fill)
	k.op("CMP", end, from)
	k.op("BLO", channel)

	// A period shorter than a vector is repeated up to the ring's length
	// an element at a time (fewer than a vector of them). Then the
	// unrolled vectors past the length repeat the ring's start: whole
	// vectors, each read after the one before it was written, since the
	// length is at least a vector.
	k.label(extend)
	repeated, element := k.newLabel("ring_repeated"), k.newLabel("ring_element")
	k.op("MOVD", rSlopeRing.String(), from)
	k.op("ADD", k.scaled(rPeriodNow, e.Size), rSlopeRing.String(), to)
	k.op("SUBS", rPeriodNow.String(), rRingLen.String(), left)
	k.op("BEQ", repeated)
	k.label(element)
	k.copyElement(gp(rAccIn), gp(rSlope), gp(rAccOut))
	k.op("SUBS", imm(1), left, left)
	k.op("BNE", element)
	k.label(repeated)
	k.op("MOVD", rSlopeRing.String(), from)
	k.op("ADD", k.scaled(rRingLen, e.Size), rSlopeRing.String(), to)
	for range unroll {
		k.op("VLD1.P", gp(rAccIn).post(vecBytes), v)
		k.op("VST1.P", v, gp(rSlope).post(vecBytes))
	}
}

// copyElement copies one element from *from to *to through t,
// post-incrementing both.
func (k *kernel) copyElement(from, to, t gp) {
	if k.e.Size == 4 {
		k.op("MOVWU.P", from.post(4), t.String())
		k.op("MOVW.P", t.String(), to.post(4))
		return
	}
	k.op("MOVD.P", from.post(8), t.String())
	k.op("MOVD.P", t.String(), to.post(8))
}

// zeroSums clears the float64 sums of positions [0, length + unroll*lanes),
// a vector of two at a time (the ring has a vector of room for the last).
func (k *kernel) zeroSums() {
	at, left := rAccOut.String(), rCount.String()
	zero := k.newLabel("ring_zero")
	k.op("VEOR", vOut.b16(), vOut.b16(), vOut.b16())
	k.op("MOVD", rSumRing.String(), at)
	k.op("ADD", imm(unroll*k.e.lanes()), rRingLen.String(), left)
	k.label(zero)
	k.op("VST1.P", vOut.list(1, "D2"), gp(rAccOut).post(vecBytes))
	k.op("SUBS", imm(2), left, left)
	k.op("BGT", zero)
}

// streamRing runs the span of rCount elements through the ring from
// position 0.
func (k *kernel) streamRing() {
	k.op("MOVD", "ZR", rRing.String())
	if k.v.Dx {
		k.op("MOVD", rSlopeRing.String(), rSlope.String())
	}
	if k.v.Dalpha {
		k.op("MOVD", rSumRing.String(), rAccIn.String())
		k.op("MOVD", rSumRing.String(), rAccOut.String())
	}
	k.span()
}

// advanceRing moves the ring position on by the given number of vectors,
// wrapping at the ring's length (the step is below it, so one subtraction
// does), and points the span's slope and sum pointers at it: three
// instructions, and one per pointer.
func (k *kernel) advanceRing(vectors int) {
	if k.l != spec.Ring {
		return
	}
	step := rStep
	if vectors > 1 {
		step = rSteps
	}
	r := rRing.String()
	k.op("ADD", step.String(), r, r)
	k.op("SUBS", rRingLen.String(), r, rTmp.String())
	k.op("CSEL", "HS", rTmp.String(), r, r)
	if k.v.Dx {
		k.op("ADD", k.scaled(rRing, k.e.Size), rSlopeRing.String(), rSlope.String())
	}
	if k.v.Dalpha {
		k.op("ADD", k.scaled(rRing, 8), rSumRing.String(), rAccIn.String())
		k.op("ADD", k.scaled(rRing, 8), rSumRing.String(), rAccOut.String())
	}
}

// foldRing adds the sums of every ring position into its channel's
// dalpha[c], rounding once. The span is over, so its registers are free.
func (k *kernel) foldRing(dalpha, channels gp) {
	// Positions [length, length + unroll*lanes) repeat [0, ...) modulo the
	// length: a vector at a time from the top down, each into the one a
	// length below. The length is at least a vector of float64, so the
	// two never overlap, and each position has what was folded into it
	// before it is folded itself.
	above := rAccIn.String()
	k.op("ADD", k.scaled(rRingLen, 8), rSumRing.String(), above)
	for v := unroll*k.e.lanes()/2 - 1; v >= 0; v-- {
		at := fmt.Sprintf("%d(%%s)", v*vecBytes)
		k.op("FMOVQ", fmt.Sprintf(at, above), vOut.f())
		k.op("FMOVQ", fmt.Sprintf(at, rSumRing), vAlpha.f())
		k.word(enc.FADD(enc.D2, int(vAlpha), int(vAlpha), int(vOut)))
		k.op("FMOVQ", vAlpha.f(), fmt.Sprintf(at, rSumRing))
	}

	// Positions [period, length) repeat the period (only when it is
	// shorter than a vector): from the top down, an element at a time.
	left, below := rCount.String(), rAccOut.String()
	loop, folded := k.newLabel("ring_fold"), k.newLabel("ring_folded")
	k.op("SUBS", rPeriodNow.String(), rRingLen.String(), left)
	k.op("BEQ", folded)
	k.op("ADD", k.scaled(rRingLen, 8), rSumRing.String(), above)
	k.op("ADD", k.scaled(rCount, 8), rSumRing.String(), below)
	k.label(loop)
	k.op("SUB", imm(8), above, above)
	k.op("SUB", imm(8), below, below)
	k.op("FMOVD", gp(rAccIn).mem(), vOut.f())
	k.op("FMOVD", gp(rAccOut).mem(), vAlpha.f())
	k.op("FADDD", vOut.f(), vAlpha.f(), vAlpha.f())
	k.op("FMOVD", vAlpha.f(), gp(rAccOut).mem())
	k.op("SUBS", imm(1), left, left)
	k.op("BNE", loop)
	k.label(folded)
	k.addChannelSums(dalpha, channels)
}

// channelGroup is how many channels' plane sums are added side by side:
// independent chains, so that the adds' latency does not serialise them.
const channelGroup = 4

// addChannelSums adds to dalpha[c] the sum of positions [c*inner,
// (c+1)*inner) in float64 and rounds once: dalpha[c] = T(float64(dalpha[c])
// + sum), as the pure-Go code does. Channel-last (inner = 1) runs a vector
// of channels at a time, then one at a time; planes run channelGroup
// channels at a time, then one at a time.
func (k *kernel) addChannelSums(dalpha, channels gp) {
	e, w := k.e, k.e.lanes()
	to, sums, left := gp(rSlope), gp(rAccIn), rCount.String()
	done, planes := k.newLabel("ring_sums_done"), k.newLabel("ring_sums_planes")
	k.op("MOVD", dalpha.String(), to.String())
	k.op("MOVD", rSumRing.String(), sums.String())
	k.op("CMP", imm(1), rInner.String())
	k.op("BNE", planes)

	// Channel-last: a vector of channels, their sums side by side.
	vector, scalar, one := k.newLabel("ring_sums_vector"), k.newLabel("ring_sums_scalar"), k.newLabel("ring_sums_one")
	k.op("SUBS", imm(w), channels.String(), left)
	k.op("BLT", scalar)
	k.label(vector)
	k.op("VLD1", to.mem(), vOut.list(1, e.arr))
	if e.Size == 4 {
		// Widen the four slope gradients, add the two vectors of sums,
		// and round the four back, each once.
		lo, hi := vValueLo, vValueHi
		k.op("VLD1.P", sums.post(2*vecBytes), vGateLo.list(2, "D2"))
		k.word(enc.FCVTL(int(lo), int(vOut)))
		k.word(enc.FCVTL2(int(hi), int(vOut)))
		k.word(enc.FADD(enc.D2, int(lo), int(lo), int(vGateLo)))
		k.word(enc.FADD(enc.D2, int(hi), int(hi), int(vGateHi)))
		k.word(enc.FCVTN(int(vOut), int(lo)))
		k.word(enc.FCVTN2(int(vOut), int(hi)))
	} else {
		k.op("VLD1.P", sums.post(vecBytes), vGateLo.list(1, "D2"))
		k.word(enc.FADD(enc.D2, int(vOut), int(vOut), int(vGateLo)))
	}
	k.op("VST1.P", vOut.list(1, e.arr), to.post(vecBytes))
	k.op("SUBS", imm(w), left, left)
	k.op("BGE", vector)
	k.label(scalar)
	k.op("ADDS", imm(w), left, left)
	k.op("BEQ", done)
	k.label(one)
	k.op("FMOVD.P", sums.post(8), vAcc.f())
	k.addOne(to, vAcc)
	k.op("SUBS", imm(1), left, left)
	k.op("BNE", one)
	k.op("B", done)

	// Planes: channelGroup channels side by side, each summing its inner
	// positions from its own pointer (a plane apart), then one at a time.
	k.label(planes)
	group, groupPlane, single, singlePlane :=
		k.newLabel("ring_sums_group"), k.newLabel("ring_sums_group_plane"),
		k.newLabel("ring_sums_single"), k.newLabel("ring_sums_single_plane")
	// The span's registers are free: a pointer per channel of the group,
	// the count of positions, the bytes of a plane.
	at := [channelGroup]gp{rAccIn, rAccOut, rRing, rStep}
	t, plane := rSteps.String(), rTmp.String()
	k.op("MOVD", channels.String(), left)
	k.op("LSL", imm(3), rInner.String(), plane)
	k.label(group)
	k.op("CMP", imm(channelGroup), left)
	k.op("BLO", single)
	for g := range channelGroup {
		a := vAcc + vr(g)
		k.op("VEOR", a.b16(), a.b16(), a.b16())
		if g > 0 {
			k.op("ADD", plane, at[g-1].String(), at[g].String())
		}
	}
	k.op("MOVD", rInner.String(), t)
	k.label(groupPlane)
	for g := range channelGroup {
		k.op("FMOVD.P", at[g].post(8), (vGateLo + vr(g)).f())
	}
	for g := range channelGroup {
		a := vAcc + vr(g)
		k.op("FADDD", (vGateLo + vr(g)).f(), a.f(), a.f())
	}
	k.op("SUBS", imm(1), t, t)
	k.op("BNE", groupPlane)
	for g := range channelGroup {
		k.addOne(to, vAcc+vr(g))
	}
	// The last channel's pointer ends where the next group starts.
	k.op("MOVD", at[channelGroup-1].String(), at[0].String())
	k.op("SUB", imm(channelGroup), left, left)
	k.op("B", group)

	k.label(single)
	k.op("CBZ", left, done)
	k.op("VEOR", vAcc.b16(), vAcc.b16(), vAcc.b16())
	k.op("MOVD", rInner.String(), t)
	k.label(singlePlane)
	k.op("FMOVD.P", at[0].post(8), vGateLo.f())
	k.op("FADDD", vGateLo.f(), vAcc.f(), vAcc.f())
	k.op("SUBS", imm(1), t, t)
	k.op("BNE", singlePlane)
	k.addOne(to, vAcc)
	k.op("SUB", imm(1), left, left)
	k.op("B", single)
	k.label(done)
}

// addOne adds the float64 sum in s's low lane to the element at *to,
// rounding once, and moves to on to the next element.
func (k *kernel) addOne(to gp, s vr) {
	t := vOut.f()
	if k.e.Size == 8 {
		k.op("FMOVD", to.mem(), t)
		k.op("FADDD", s.f(), t, t)
		k.op("FMOVD.P", t, to.post(8))
		return
	}
	k.op("FMOVS", to.mem(), t)
	k.op("FCVTSD", t, t)
	k.op("FADDD", s.f(), t, t)
	k.op("FCVTDS", t, t)
	k.op("FMOVS.P", t, to.post(4))
}
