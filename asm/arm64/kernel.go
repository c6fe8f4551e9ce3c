package main

import (
	"fmt"
	"strings"

	"github.com/prelu-go/prelu/asm/spec"
)

// unroll is the number of vectors per iteration of the main loop: a
// four-register VLD1/VST1 per stream.
const unroll = 4

// kernel is the kernel being generated.
type kernel struct {
	*file
	e  elem
	v  spec.Variant
	l  spec.Layout
	fr frame
}

// generate emits one kernel: its header, the layout's loop around spans of
// elements, and RET.
func generate(f *file, isa string, sk spec.Kernel) {
	k := &kernel{file: f, e: newElem(sk.Elem), v: sk.Variant, l: sk.Layout, fr: newFrame(sk)}
	name := sk.Name(isa)
	fmt.Fprintf(&f.b, "\n// func %s%s\n", name, strings.TrimPrefix(sk.Signature(sk.GoType), "func"))
	fmt.Fprintf(&f.b, "// Requires: ASIMD\n")
	if k.l == spec.Ring {
		// The rings are in the frame: too large for NOSPLIT, so the
		// assembler adds the stack check.
		fmt.Fprintf(&f.b, "TEXT ·%s(SB), $%d-%d\n", name, k.ringFrame(), k.fr.size)
	} else {
		fmt.Fprintf(&f.b, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, k.fr.size)
	}
	// The Rows kernels set each block's pointers from the bases (rows.go).
	if k.l != spec.Rows {
		if k.v.Dx {
			k.op("MOVD", k.fr.base(k.v.Out()), rOut.String())
		}
		if k.v.HasValue() {
			k.op("MOVD", k.fr.base("dy"), rValue.String())
		}
		k.op("MOVD", k.fr.base("x"), rGate.String())
	}
	switch k.l {
	case spec.Shared:
		k.uniform()
	case spec.Planes:
		k.planar()
	case spec.Pattern:
		k.patterned()
	case spec.Ring:
		k.ringed()
	case spec.Rows:
		k.rowed()
	}
	k.op("RET")
}

// uniform: one slope for the whole slice; the sum is returned.
func (k *kernel) uniform() {
	k.op("MOVD", k.fr.len("x"), rCount.String())
	if k.v.Dx {
		k.op(k.e.scalar("FMOV"), k.fr.arg("alpha"), vAlpha.f())
		k.op("VDUP", fmt.Sprintf("%s[0]", vAlpha.in(k.e.lane)), vAlpha.in(k.e.arr))
	}
	k.span()
	if k.v.Dalpha {
		k.op("FMOVD", vSum.f(), k.fr.result())
	}
}

// planar: runs of inner elements, the c-th using alpha[c] and adding its sum
// to acc[c], with c wrapping at the number of channels.
func (k *kernel) planar() {
	k.op("MOVD", k.fr.len("x"), rLeft.String())
	k.op("MOVD", k.fr.arg("inner"), rInner.String())
	if k.v.Dx {
		k.op("MOVD", k.fr.len("alpha"), rPeriod.String())
		k.op("MOVD", k.fr.base("alpha"), rSlopes.String())
	} else {
		k.op("MOVD", k.fr.len("acc"), rPeriod.String())
	}
	if k.v.Dalpha {
		k.op("MOVD", k.fr.base("acc"), rAccs.String())
	}
	done := k.newLabel("planes_done")
	// The callers never pass these, but either would loop forever (or, with
	// no channels, read slopes past the slice).
	k.op("CBZ", rPeriod.String(), done)
	k.op("CBZ", rInner.String(), done)

	pass, plane := k.newLabel("pass"), k.newLabel("plane")
	k.label(pass)
	if k.v.Dx {
		k.op("MOVD", rSlopes.String(), rSlope.String())
	}
	if k.v.Dalpha {
		k.op("MOVD", rAccs.String(), rAccIn.String())
	}
	k.op("MOVD", rPeriod.String(), rPlanes.String())
	k.label(plane)
	k.op("CBZ", rLeft.String(), done)
	k.takeSpan(rInner)
	if k.v.Dx {
		k.op("VLD1R.P", rSlope.post(k.e.Size), vAlpha.list(1, k.e.arr))
	}
	k.span()
	if k.v.Dalpha {
		k.op("FMOVD", rAccIn.mem(), vSumTmp.f())
		k.op("FADDD", vSum.f(), vSumTmp.f(), vSumTmp.f())
		k.op("FMOVD.P", vSumTmp.f(), rAccIn.post(8))
	}
	k.op("SUBS", imm(1), rPlanes.String(), rPlanes.String())
	k.op("BNE", plane)
	k.op("B", pass)
	k.label(done)
}

// patterned: rows of len(pattern) elements (the last may be shorter), element
// j of each row using pattern[j] and adding to acc[j].
func (k *kernel) patterned() {
	k.op("MOVD", k.fr.len("x"), rLeft.String())
	if k.v.Dx {
		k.op("MOVD", k.fr.len("pattern"), rPeriod.String())
		k.op("MOVD", k.fr.base("pattern"), rSlopes.String())
	} else {
		k.op("MOVD", k.fr.len("acc"), rPeriod.String())
	}
	if k.v.Dalpha {
		k.op("MOVD", k.fr.base("acc"), rAccs.String())
	}
	row, done := k.newLabel("row"), k.newLabel("rows_done")
	k.op("CBZ", rPeriod.String(), done) // never passed; it would loop forever
	k.label(row)
	k.op("CBZ", rLeft.String(), done)
	k.takeSpan(rPeriod)
	if k.v.Dx {
		k.op("MOVD", rSlopes.String(), rSlope.String())
	}
	if k.v.Dalpha {
		k.op("MOVD", rAccs.String(), rAccIn.String())
		k.op("MOVD", rAccs.String(), rAccOut.String())
	}
	k.span()
	k.op("B", row)
	k.label(done)
}

// takeSpan sets the span's count to min(limit, elements left) and takes it
// from the elements left, so that even a length that is not a whole number
// of planes or rows stays inside the slices.
func (k *kernel) takeSpan(limit gp) {
	k.op("CMP", limit.String(), rLeft.String())
	k.op("CSEL", "LO", rLeft.String(), limit.String(), rCount.String())
	k.op("SUB", rCount.String(), rLeft.String(), rLeft.String())
}

// span processes rCount elements from the current data pointers, which it
// post-increments past them: unrolled blocks of four vectors, single
// vectors, then scalars for the last 0..lanes-1 elements. With sums in
// registers, it leaves their total in vSum's low lane.
//
// The count runs ahead by one block (count - block >= 0 means a whole block
// is left), so each loop ends in a single SUBS and conditional branch.
func (k *kernel) span() {
	w := k.e.lanes()
	c := rCount.String()
	unrolled, single, singleLoop, tail, tailLoop, done :=
		k.newLabel("unrolled"), k.newLabel("single"), k.newLabel("single_loop"),
		k.newLabel("tail"), k.newLabel("tail_loop"), k.newLabel("span_done")
	k.zeroAccs()
	k.op("SUBS", imm(unroll*w), c, c)
	k.op("BLT", single)
	k.label(unrolled)
	k.block(unroll)
	k.advanceRing(unroll)
	k.op("SUBS", imm(unroll*w), c, c)
	k.op("BGE", unrolled)

	k.label(single)
	k.op("ADDS", imm(unroll*w-w), c, c)
	k.op("BLT", tail)
	k.label(singleLoop)
	k.block(1)
	k.advanceRing(1)
	k.op("SUBS", imm(w), c, c)
	k.op("BGE", singleLoop)

	k.label(tail)
	k.reduce()
	k.op("ADDS", imm(w), c, c)
	k.op("BEQ", done)
	k.label(tailLoop)
	k.scalar()
	k.op("SUBS", imm(1), c, c)
	k.op("BNE", tailLoop)
	k.label(done)
}
