package main

// The register plan, fixed for every kernel. Blocks that VLD1/VST1 move
// together are consecutive registers, one per unroll slot, because a
// register list must be. Temporaries are shared by the slots: an
// out-of-order core renames them, so reuse costs no parallelism.
//
// General-purpose registers avoid R18 (platform), R26-R30 (closure context,
// assembler temporary, g, frame pointer, link).
const (
	rOut    gp = 0  // dst or dx, post-incremented
	rValue  gp = 1  // dy, post-incremented (backward only)
	rGate   gp = 2  // x, post-incremented
	rLeft   gp = 3  // elements of x not yet given to a span
	rCount  gp = 4  // elements left in the current span
	rSlope  gp = 5  // next slope: alpha[c] (planes), pattern[j] (pattern) or the ring's at r
	rAccIn  gp = 6  // next float64 sum to read: acc[c] (planes), acc[j] (pattern) or the ring's at r
	rAccOut gp = 7  // next float64 sum to write back (pattern, ring)
	rPeriod gp = 8  // channels (planes) or the pattern's length
	rInner  gp = 9  // elements per plane
	rSlopes gp = 10 // alpha or pattern base
	rAccs   gp = 11 // acc base
	rPlanes gp = 12 // planes left in this pass over the channels
)

// The Ring layout's registers (ring.go), in the ones no other layout uses.
// rRing and the steps live only through a span; the expansion before it and
// the fold after it take the span's registers (rCount to rAccOut, rRing,
// the steps, rTmp) as temporaries, so the ones below that hold across the
// segments keep their values.
const (
	rPeriodNow  gp = 12 // the period being expanded: channels*inner, or a segment's (rPlanes is the planes layout's)
	rRing       gp = 13 // ring position r of the next vector, in elements
	rRingLen    gp = 14 // the ring's length: the period repeated to at least a vector
	rStep       gp = 15 // r's step past one vector, modulo the length
	rSteps      gp = 19 // r's step past the unrolled vectors, modulo the length
	rSlopeRing  gp = 20 // the slope ring, in the frame
	rSumRing    gp = 21 // the float64 sums, one per ring position, in the frame
	rTmp        gp = 22 // scratch
	rFirst      gp = 23 // the segment's (or rows' block's) first channel
	rChannels   gp = 24 // the segment's (or block's) channels
	rPerSegment gp = 25 // the most channels of a segment or rows' block: the whole planes that fit the limit
)

// The Rows layout's registers (rows.go). Each block's row pointers are
// rOut, rValue and rGate, set from the bases at the block's first channel
// and moved on a row (rRowBytes) by every load and store; rCount counts
// the rows left.
const (
	rRowBytes gp = 8  // bytes of a row: C*size
	rRows     gp = 9  // whole rows: len(x)/C
	rAt       gp = 10 // the block's first channel, in bytes from each slice's base
	rLast     gp = 11 // the last rAt at which a block of the current width fits
	rXs       gp = 12 // x's base
	rDys      gp = 13 // dy's base
	rDxs      gp = 14 // dx's base (fused)
	rAlphas   gp = 15 // alpha's base (fused)
	rDalphas  gp = 19 // dalpha's base
	rAddr     gp = 20 // scratch: the address of alpha or dalpha at rAt, or of the counted mask
)

const (
	vGate     vr = 0        // V0-V3: x
	vValue    vr = 4        // V4-V7: dy
	vOut      vr = 8        // V8-V11: results; the pattern's and ring's slopes are loaded here and scaled in place
	vAlpha    vr = 12       // the broadcast slope (shared and planes)
	vPass     vr = 13       // x > 0 in element lanes
	vGateLo   vr = 14       // x widened to float64: low half,
	vGateHi   vr = 15       // high half
	vValueLo  vr = 16       // dy widened: low half; the product of float64 data and of the scalar tail
	vValueHi  vr = 17       // high half
	vTermX    vr = 18       // float32 x with the x > 0 lanes cleared to +0, before widening
	vTermDy   vr = 19       // float32 dy, likewise
	vAcc      vr = 20       // V20-V27: float64 sums, in registers or loaded from acc
	vSum      vr = vAcc     // the reduced sum (its low lane, F20), or acc[j] in the scalar tail
	vSumTmp   vr = 17       // the scalar sum plus a term, before the select
	vScalarX  vr = vGate    // the scalar tail's x (F0)
	vScalarDy vr = vValue   // its dy (F4)
	vScalarP  vr = vOut     // its pattern slope (F8)
	vScalarO  vr = vOut + 1 // its result (F9)
)

// The Rows layout's vector registers (rows.go), past the sums. Only a
// block of unroll vectors uses the four slopes; the last vector, whose
// slot is 0, uses the rest for its masks.
const (
	vSlopes  vr = 28 // V28-V31: the block's slopes, loaded once and held over every row
	vOldOut  vr = 29 // the last vector's dx as stored before, kept in the counted lanes
	vSkip    vr = 30 // the last vector's lanes that add +0 to the sums: x > 0, or counted
	vCounted vr = 31 // the last vector's lanes that the vector before it has done
)
