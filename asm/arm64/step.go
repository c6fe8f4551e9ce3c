package main

import (
	"fmt"

	"github.com/prelu-go/prelu/asm/arm64/enc"
	"github.com/prelu-go/prelu/asm/spec"
)

// registerAccs reports whether the sums live in registers (shared, planes
// and rows) rather than in memory: the acc array (pattern) or the ring's
// sums.
func (k *kernel) registerAccs() bool {
	return k.v.Dalpha && k.l != spec.Pattern && k.l != spec.Ring
}

// slopeStream reports whether the slopes are read from memory at rSlope,
// a vector per vector of data (pattern and ring), rather than broadcast.
func (k *kernel) slopeStream() bool { return k.l == spec.Pattern || k.l == spec.Ring }

// accFor is the float64 sum register of slot's half h: each unroll slot has
// its own, so the additions of one block do not wait on each other. In the
// pattern layout it is where the block's acc[j..] were loaded.
func (k *kernel) accFor(slot, h int) vr {
	return vAcc + vr(slot*k.e.Halves()+h)
}

// zeroAccs clears the register sums at the start of a span.
func (k *kernel) zeroAccs() {
	if !k.registerAccs() {
		return
	}
	for i := range unroll * k.e.Halves() {
		a := vAcc + vr(i)
		k.op("VEOR", a.b16(), a.b16(), a.b16())
	}
}

// block does slots vectors of work: one multi-register load per stream,
// the lanes, one store.
func (k *kernel) block(slots int) {
	k.loadBlock(slots)
	for s := range slots {
		k.vector(s)
	}
	k.storeBlock(slots)
}

// loadBlock loads slots vectors of each stream, and of the slopes and sums
// where they stream from memory.
func (k *kernel) loadBlock(slots int) {
	e, n := k.e, slots*vecBytes
	k.op("VLD1.P", k.next(rGate, n), vGate.list(slots, e.arr))
	if k.v.HasValue() {
		k.op("VLD1.P", k.next(rValue, n), vValue.list(slots, e.arr))
	}
	if k.v.Dx && k.slopeStream() {
		k.op("VLD1.P", rSlope.post(n), vOut.list(slots, e.arr))
	}
	if k.v.Dalpha && !k.registerAccs() {
		k.moveAccs("VLD1.P", rAccIn, slots)
	}
}

// storeBlock stores slots vectors of output, and of sums kept in memory.
func (k *kernel) storeBlock(slots int) {
	if k.v.Dx {
		k.op("VST1.P", vOut.list(slots, k.e.arr), k.next(rOut, slots*vecBytes))
	}
	if k.v.Dalpha && !k.registerAccs() {
		k.moveAccs("VST1.P", rAccOut, slots)
	}
}

// next is the post-increment operand of a data stream's load or store of
// n bytes at p: n itself, moving p on past them, or in the Rows layout
// rRowBytes, moving p to the same channels of the next row.
func (k *kernel) next(p gp, n int) string {
	if k.l == spec.Rows {
		return fmt.Sprintf("(%s)(%s)", p, rRowBytes)
	}
	return p.post(n)
}

// moveAccs loads or stores the float64 sums of slots vectors of elements
// (halves registers each) at ptr, four registers per instruction.
func (k *kernel) moveAccs(op string, ptr gp, slots int) {
	n := slots * k.e.Halves()
	for i := 0; i < n; i += unroll {
		g := min(unroll, n-i)
		list := (vAcc + vr(i)).list(g, "D2")
		if op == "VLD1.P" {
			k.op(op, ptr.post(g*vecBytes), list)
		} else {
			k.op(op, list, ptr.post(g*vecBytes))
		}
	}
}

// vector does the lanes of one loaded vector, slot s of the block.
func (k *kernel) vector(s int) {
	gate, value := k.operands(s)
	k.compare(gate)
	if k.v.Dalpha {
		k.accumulate(s, gate, value, vPass)
	}
	if k.v.Dx {
		k.output(s, value)
	}
}

// operands are the registers of slot s's loaded gate (x) and value (dy;
// x again forward).
func (k *kernel) operands(s int) (gate, value vr) {
	gate = vGate + vr(s)
	value = gate
	if k.v.HasValue() {
		value = vValue + vr(s)
	}
	return gate, value
}

// compare sets vPass where gate > 0: one ordered compare at element width
// serves the output's select and the sums' mask.
func (k *kernel) compare(gate vr) {
	k.word(enc.FCMGTZero(k.e.enc, int(vPass), int(gate)))
}

// output computes slot s's output in vOut+s: value where vPass, else its
// slope times value.
func (k *kernel) output(s int, value vr) {
	out := vOut + vr(s)
	slope := vAlpha
	switch {
	case k.slopeStream():
		slope = out // the loaded slopes, scaled in place
	case k.l == spec.Rows:
		slope = vSlopes + vr(s) // the block's, held over every row
	}
	// One IEEE multiply, then x > 0 lanes take the value back: a fused
	// 0 + alpha*x would turn alpha*(-0) into +0.
	k.word(enc.FMUL(k.e.enc, int(out), int(slope), int(value)))
	k.op("VBIT", vPass.b16(), value.b16(), out.b16())
}

// accumulate adds value*gate in float64 to slot's sums where skip is clear
// (vPass: where !(gate > 0)); the lanes where it is set add +0, as the
// reference's slopeTerm does where gate > 0, even when a factor there is
// Inf or NaN.
//
// For float64 data the product is cleared under the skip mask: one BIC per
// vector. For float32 data both factors are cleared to +0 under the skip
// mask at float32 width, before they are widened (two BICs per four lanes,
// where clearing the two widened products would take a float64 compare and
// a BIC per half, four). +0 * +0 is +0; clearing one factor would not do,
// as 0 * Inf and 0 * NaN are NaN.
//
// The widened products are exact in float64, so a fused multiply-add
// rounds exactly as a multiply then an add would (only a NaN's payload may
// differ, and a NaN sum only has to be a NaN), in one instruction instead
// of two. float64 data keeps the multiply, BIC and add: clearing both
// factors for an FMLA would take as many instructions, and round once
// where the reference rounds twice.
func (k *kernel) accumulate(s int, gate, value, skip vr) {
	if k.e.Size == 8 {
		k.word(enc.FMUL(enc.D2, int(vValueLo), int(value), int(gate)))
		k.word(enc.BIC16B(int(vValueLo), int(vValueLo), int(skip)))
		acc := k.accFor(s, 0)
		k.word(enc.FADD(enc.D2, int(acc), int(acc), int(vValueLo)))
		return
	}
	k.word(enc.BIC16B(int(vTermX), int(gate), int(skip)))
	k.word(enc.BIC16B(int(vTermDy), int(value), int(skip)))
	g := [2]vr{vGateLo, vGateHi}
	v := [2]vr{vValueLo, vValueHi}
	k.word(enc.FCVTL(int(g[0]), int(vTermX)))
	k.word(enc.FCVTL2(int(g[1]), int(vTermX)))
	k.word(enc.FCVTL(int(v[0]), int(vTermDy)))
	k.word(enc.FCVTL2(int(v[1]), int(vTermDy)))
	for h := range 2 {
		acc := k.accFor(s, h)
		k.word(enc.FMLA(enc.D2, int(acc), int(v[h]), int(g[h])))
	}
}

// reduce adds the sum registers into vSum's low lane, in a fixed order so
// that results are reproducible.
func (k *kernel) reduce() {
	if !k.registerAccs() {
		return
	}
	n := unroll * k.e.Halves()
	for step := 1; step < n; step *= 2 {
		for i := 0; i+step < n; i += 2 * step {
			a, b := int(vAcc)+i, int(vAcc)+i+step
			k.word(enc.FADD(enc.D2, a, a, b))
		}
	}
	k.word(enc.FADDPScalarD(int(vSum), int(vAcc)))
}

// scalar does one element, with the scalar forms of the vector code: the
// flags of one ordered compare (GT is false for NaN and ±0) select both the
// output and whether the product joins the sum.
func (k *kernel) scalar() {
	e := k.e
	mov := e.scalar("FMOV") + ".P"
	x, value := vScalarX, vScalarX
	k.op(mov, rGate.post(e.Size), x.f())
	if k.v.HasValue() {
		value = vScalarDy
		k.op(mov, rValue.post(e.Size), value.f())
	}
	k.op(e.scalar("FCMP"), "$(0.0)", x.f())
	if k.v.Dx {
		slope := vAlpha // its low lane
		if k.slopeStream() {
			slope = vScalarP
			k.op(mov, rSlope.post(e.Size), slope.f())
		}
		k.op(e.scalar("FMUL"), slope.f(), value.f(), vScalarO.f())
		k.op(e.scalar("FCSEL"), "GT", value.f(), vScalarO.f(), vScalarO.f())
		k.op(mov, vScalarO.f(), rOut.post(e.Size))
	}
	if k.v.Dalpha {
		p := vValueLo
		if e.Size == 4 {
			k.op("FCVTSD", x.f(), vGateLo.f())
			k.op("FCVTSD", value.f(), p.f())
			k.op("FMULD", vGateLo.f(), p.f(), p.f())
		} else {
			k.op("FMULD", x.f(), value.f(), p.f())
		}
		// A scalar write clears the rest of its vector register, so the
		// sum must not be a live vector accumulator: with sums in registers
		// the tail runs after reduce, otherwise it is acc[j].
		if !k.registerAccs() {
			k.op("FMOVD.P", rAccIn.post(8), vSum.f())
		}
		k.op("FADDD", p.f(), vSum.f(), vSumTmp.f())
		k.op("FCSELD", "GT", vSum.f(), vSumTmp.f(), vSum.f())
		if !k.registerAccs() {
			k.op("FMOVD.P", vSum.f(), rAccOut.post(8))
		}
	}
}
