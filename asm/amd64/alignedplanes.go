package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// alignedPlanes does planes of a vector to shortPlaneVectors vectors on
// AVX-512 as one stream of vectors aligned to the output: a plane is
// rarely a whole number of 64-byte vectors (49, 81 or 100 float32), and a
// plane's own vectors then each span two cache lines, which on Ice Lake
// cost these loops more than half their speed (64 planes of 65 float32,
// forward, kernel alone: 360 ns against 130 for planes of 64). The vector
// that holds a plane's end takes the next plane's slope in the lanes past
// it (one VBLENDMPS); the first and last vectors of the call are masked.
// Jumps to end when done; falls through for other planes.
//
// With slope gradients the stream aligns x instead (so that the sums are
// the same with dx and without, bit for bit), and sums in slot 0's
// registers alone: the vector that holds a plane's end adds its lanes to
// the plane's sums, flushes them to acc[c], and starts the next plane's
// with the rest (splitSums). On their own vectors, 512 planes of 49
// float32 took 9.4 us fused and 9.0 dalpha-only, against 4.2 and 3.3 for
// the shared kernels over as many elements; as one stream 4.9 and 4.3
// (kernels alone, Ice Lake).
func (k *kernel) alignedPlanes(inner, channels GPVirtual, alphas Register, c GPVirtual, end string) {
	w := k.lanes()
	general := newLabel("aligned_planes_general")
	CMPQ(inner, U32(w))
	JB(LabelRef(general))
	CMPQ(inner, U32(shortPlaneVectors*w))
	JA(LabelRef(general))
	CMPQ(k.n, U8(0))
	JE(LabelRef(end))

	var cur VecVirtual
	if k.v.Dx {
		k.broadcastAlpha(Mem{Base: alphas, Index: c, Scale: uint8(k.e.Size)})
		cur = k.alpha
	}
	if k.v.Dalpha {
		defer k.onlySlot(0)() // a plane's vectors are few: one slot's sums
		k.zeroAccs()
	}
	j := GP64()
	XORQ(j, j)
	// The head's lanes, fewer than a vector, are plane 0's.
	if k.v.Dalpha {
		k.alignTo(k.gate, k.n, j)
	} else {
		k.alignOutput(k.n, j)
	}
	planeEnd := GP64()
	MOVQ(inner, planeEnd)

	plane, nextPlane := newLabel("aligned_plane"), newLabel("aligned_next")
	last, done := newLabel("aligned_last"), newLabel("aligned_done")
	limit := GP64()
	Label(plane)
	// The plane's whole vectors from j.
	k.vectorLoop(j, planeEnd, limit, 1, newLabel("aligned_whole"), newLabel("aligned_boundary"), func() {
		k.isa.step(k, j, 0, nil)
	})
	left := limit // the plane's lanes in the vector at j: 0 to w-1
	MOVQ(planeEnd, left)
	SUBQ(j, left)
	CMPQ(planeEnd, k.n)
	JAE(LabelRef(last))
	var ended GPVirtual // the channel of the plane that ends, for its sums
	if k.v.Dalpha {
		ended = GP64()
		MOVQ(c, ended)
	}
	// The next plane's slope.
	nextChannel(c, channels)
	var next VecVirtual
	if k.v.Dx {
		next = k.isa.vec()
		k.e.broadcast(Mem{Base: alphas, Index: c, Scale: uint8(k.e.Size)}, next)
	}
	ADDQ(inner, planeEnd)
	boundary := newLabel("aligned_boundary_vector")
	TESTQ(left, left)
	JNE(LabelRef(boundary))
	// The plane ended with its last whole vector.
	if k.v.Dalpha {
		k.flushPlane(ended)
	}
	JMP(LabelRef(nextPlane))
	Label(boundary)
	// Blend the two slopes: this plane's in its lanes, the next's past;
	// split the sums there too.
	lanes := k.isa.tail(k.e, left).(OpmaskVirtual)
	if k.v.Dx {
		k.alpha = k.isa.vec()
		k.e.blendm(cur, next, lanes, k.alpha)
	}
	if k.v.Dalpha {
		k.split = &splitSums{lanes: lanes, flush: func() { k.flushPlane(ended) }}
	}
	k.isa.step(k, j, 0, nil)
	k.alpha, k.split = cur, nil
	ADDQ(U32(w), j)
	Label(nextPlane)
	if k.v.Dx {
		k.e.mov(next, cur)
	}
	JMP(LabelRef(plane))

	// The last plane: its lanes in the last vector, under a mask.
	Label(last)
	TESTQ(left, left)
	JE(LabelRef(done))
	k.isa.step(k, j, 0, k.isa.tail(k.e, left))
	Label(done)
	if k.v.Dalpha {
		k.flushPlane(c)
	}
	JMP(LabelRef(end))
	Label(general)
}

// splitSums is the vector that holds a plane's end in alignedPlanes with
// slope gradients: its products in lanes go to the plane's sums, which
// flush then adds to acc and clears, and the others to the next plane's.
type splitSums struct {
	lanes OpmaskVirtual
	flush func()
}

// flushPlane adds the sums of a plane of channel c to acc[c] and clears
// them for the next plane.
func (k *kernel) flushPlane(c GPVirtual) {
	k.addPlaneSums(c)
	k.zeroAccs()
}

// addPlaneSums adds the sums of a plane of channel c to acc[c].
func (k *kernel) addPlaneSums(c GPVirtual) {
	sum := k.reduce()
	dst := Mem{Base: k.acc, Index: c, Scale: 8}
	VADDSD(dst, sum, sum) // VEX forms: no SSE/AVX transition
	VMOVSD(sum, dst)
}
