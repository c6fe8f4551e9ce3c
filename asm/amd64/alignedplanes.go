package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// alignedPlanes does planes of a vector to shortPlaneVectors vectors on
// AVX-512, without slope gradients, as one stream of vectors aligned to
// the output: a plane is rarely a whole number of 64-byte vectors (49, 81
// or 100 float32), and a plane's own vectors then each span two cache
// lines, which on Ice Lake cost these loops more than half their speed
// (64 planes of 65 float32, forward, kernel alone: 360 ns against 130 for
// planes of 64). The vector that holds a plane's end takes the next
// plane's slope in the lanes past it (one VBLENDMPS); the first and last
// vectors of the call are masked. Jumps to end when done; falls through
// for other planes.
func (k *kernel) alignedPlanes(inner, channels GPVirtual, alphas Register, c GPVirtual, end string) {
	w := k.lanes()
	general := newLabel("aligned_planes_general")
	CMPQ(inner, U32(w))
	JB(LabelRef(general))
	CMPQ(inner, U32(shortPlaneVectors*w))
	JA(LabelRef(general))
	CMPQ(k.n, U8(0))
	JE(LabelRef(end))

	k.broadcastAlpha(Mem{Base: alphas, Index: c, Scale: uint8(k.e.Size)})
	cur := k.alpha
	j := GP64()
	XORQ(j, j)
	k.alignOutput(k.n, j) // its lanes, fewer than a vector, are plane 0's
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
	// The next plane's slope, its channel wrapped with a CMOV.
	wrapped := GP64()
	INCQ(c)
	MOVQ(c, wrapped)
	SUBQ(channels, wrapped)
	CMOVQEQ(wrapped, c)
	next := k.isa.vec()
	k.e.broadcast(Mem{Base: alphas, Index: c, Scale: uint8(k.e.Size)}, next)
	ADDQ(inner, planeEnd)
	TESTQ(left, left)
	JE(LabelRef(nextPlane)) // the plane ended with its last whole vector
	// Blend the two slopes: this plane's in its lanes, the next's past.
	lanes := k.isa.tail(k.e, left).(OpmaskVirtual)
	k.alpha = k.isa.vec()
	k.e.blendm(cur, next, lanes, k.alpha)
	k.isa.step(k, j, 0, nil)
	k.alpha = cur
	ADDQ(U32(w), j)
	Label(nextPlane)
	k.e.mov(next, cur)
	JMP(LabelRef(plane))

	// The last plane: its lanes in the last vector, under a mask.
	Label(last)
	TESTQ(left, left)
	JE(LabelRef(done))
	k.isa.step(k, j, 0, k.isa.tail(k.e, left))
	Label(done)
	JMP(LabelRef(end))
	Label(general)
}
