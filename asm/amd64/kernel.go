package main

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/mmcloughlin/avo/gotypes"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/prelu-go/prelu/asm/spec"
)

// isa is what differs between AVX2 and AVX-512: vector width, how one vector
// of work is done, and how the remainder is masked.
type isa interface {
	name() string
	vecBytes() int
	vec() VecVirtual
	// maxAccSlots is how many unroll slots get their own accumulators.
	maxAccSlots(e elem) int
	// tail prepares the mask that limits a vector to the first rem elements.
	tail(e elem, rem GPVirtual) tail
	// step does one vector of work at element index j plus slot vectors;
	// t is nil for a full vector.
	step(k *kernel, j GPVirtual, slot int, t tail)
	// loadPart loads the lanes of m that t selects, and zeros the rest.
	loadPart(e elem, m Mem, t tail) VecVirtual
	// narrow rounds a vector of float64 to float32, in half the width.
	narrow(d VecVirtual) VecVirtual
}

// overlapper is an ISA whose masked loads and stores are slow (AVX2's
// VMASKMOVPS took a good part of a short plane's time on Zen 3). Its
// kernels end a span of at least a vector with the full vector that ends
// at the span's end, in place of a masked one: done before the span stores
// anything, since the output may be the very slice of an input, its output
// stored last; the lanes it shares with the vector before it get the same
// values again, and add nothing to the sums. The kernels that only sum do
// the same, so that their sums are those of the fused kernels bit for bit.
type overlapper interface {
	// last does the vector at element j of a span of n elements: adds
	// its new lanes' products to the sums and returns its output
	// vector, unstored (nil without one).
	last(k *kernel, j, n GPVirtual) VecVirtual
}

// tail is an ISA's mask for a partial vector.
type tail any

// unroll is the number of vectors per iteration of the main loop.
const unroll = spec.RingUnroll // vectors per iteration of the main loop; the Ring kernels read as many past any position

// kernel is the state of the kernel being generated.
type kernel struct {
	isa isa
	e   elem
	v   spec.Variant
	l   spec.Layout

	out, value, gate Register   // data pointers; value == gate forward
	pattern, acc     Register   // slope pattern and float64 sums (non-shared layouts)
	alpha            VecVirtual // the broadcast slope (shared and planes layouts)
	accs             []VecVirtual
	zero             VecVirtual
	n                GPVirtual // len(x)
	stream           bool      // full vectors are stored non-temporally
	// counted, if set, is the overlapper's mask of the lanes of the last
	// vector that the vector before has counted, made once for a loop of
	// spans of the same length (planes, the Rows kernels' rows), and
	// countedWide its halves as float64 lanes (float32 sums).
	counted     VecVirtual
	countedWide []VecVirtual
	// one, in an AVX2 kernel with a broadcast slope and no sums, is 1.0
	// in every lane, and flip the slope's bits xor one's (see flipsSlope).
	one, flip VecVirtual
	// slopeRegs, while heldSlopeRows holds a row's slopes in registers,
	// are the slopes of each vector slot of the row.
	slopeRegs []VecVirtual
	// split, while alignedPlanes does the vector that holds a plane's
	// end with slope gradients, divides its sums between the two planes.
	split *splitSums

	// The Ring layout's slopes and sums live in the frame, at position r,
	// which wraps at the ring's length (a multiple of the period, at least
	// a vector), kept in the frame with the steps r takes (ringVars).
	ring, sumRing Mem
	ringVars      Mem
	r             GPVirtual
	// ringRegs, while a span holds them (holdRing), are the ring's
	// length (key 0) and its steps of 1 and unroll vectors.
	ringRegs map[int]GPVirtual

	// cold are blocks emitted after the kernel's RET, out of the way of
	// the common path: each starts at a label that a branch on that path
	// takes only for rare spans, and ends in a jump back.
	cold []func()
}

// coldBlock emits body after the kernel's RET, at label, which it returns.
func (k *kernel) coldBlock(name string, body func()) string {
	label := newLabel(name)
	k.cold = append(k.cold, func() {
		Label(label)
		body()
	})
	return label
}

// emitCold emits the cold blocks: after the kernel's RET.
func (k *kernel) emitCold() {
	for _, b := range k.cold {
		b()
	}
}

func newKernel(isa isa, sk spec.Kernel) *kernel {
	e, v, l := elem{sk.Elem, opsFor[sk.Size]}, sk.Variant, sk.Layout
	k := &kernel{isa: isa, e: e, v: v, l: l}
	if v.Dx {
		k.out = Load(Param(v.Out()).Base(), GP64())
	}
	k.gate = Load(Param("x").Base(), GP64())
	k.value = k.gate
	if v.HasValue() {
		k.value = Load(Param("dy").Base(), GP64())
	}
	k.n = GP64()
	Load(Param("x").Len(), k.n)
	if v.Dx && l == spec.Pattern {
		k.pattern = Load(Param("pattern").Base(), GP64())
	}
	if v.Dalpha && (l == spec.Planes || l == spec.Pattern) {
		k.acc = Load(Param("acc").Base(), GP64())
	}
	k.zero = isa.vec()
	zero(k.zero)
	if k.flipsSlope() {
		k.makeOne()
	}
	if v.Dalpha && (l == spec.Shared || l == spec.Planes) {
		slots := min(unroll, isa.maxAccSlots(e))
		for range slots * e.Halves() {
			k.accs = append(k.accs, isa.vec())
		}
	}
	return k
}

// lanes is the number of elements in one vector.
func (k *kernel) lanes() int { return k.isa.vecBytes() / k.e.Size }

// at addresses vector slot of a data stream at element j.
func (k *kernel) at(base Register, j GPVirtual, slot int) Mem {
	return Mem{Base: base, Index: j, Scale: uint8(k.e.Size), Disp: slot * k.isa.vecBytes()}
}

// accAt addresses half h of slot's float64 sums in the acc array.
func (k *kernel) accAt(j GPVirtual, slot, h int) Mem {
	return Mem{Base: k.acc, Index: j, Scale: 8, Disp: (slot*k.e.Halves() + h) * k.isa.vecBytes()}
}

// slopes addresses the slopes of vector slot at element j, for the layouts
// whose slopes are a stream in memory.
func (k *kernel) slopes(j GPVirtual, slot int) (Mem, bool) {
	switch k.l {
	case spec.Pattern:
		return k.at(k.pattern, j, slot), true
	case spec.Ring:
		return k.ring.Idx(k.r, uint8(k.e.Size)).Offset(slot * k.isa.vecBytes()), true
	}
	return Mem{}, false
}

// sums addresses half h of the float64 sums of vector slot at element j,
// for the layouts that keep them in memory.
func (k *kernel) sums(j GPVirtual, slot, h int) Mem {
	if k.l == spec.Ring {
		return k.sumRing.Idx(k.r, 8).Offset((slot*k.e.Halves() + h) * k.isa.vecBytes())
	}
	return k.accAt(j, slot, h)
}

// accFor is the register accumulator of slot's half h.
func (k *kernel) accFor(slot, h int) VecVirtual {
	slots := len(k.accs) / k.e.Halves()
	return k.accs[(slot%slots)*k.e.Halves()+h]
}

func (k *kernel) broadcastAlpha(src Mem) {
	k.alpha = k.isa.vec()
	k.e.broadcast(src, k.alpha)
	if k.one != nil {
		k.flip = k.isa.vec()
		VXORPS(k.one, k.alpha, k.flip)
	}
}

// flipsSlope reports whether the kernel's outputs (y, or dx) are the value
// times a factor, alpha or 1.0 as x > 0, made from the broadcast slope by
// two logic ops, in place of a blend: AVX2's forward and dx-only kernels
// with one broadcast slope at a time (shared and planes). v*1.0 is v
// exactly for every v but NaN (a NaN stays a NaN, which is all the
// semantics ask of one), and the slope lanes multiply the same operands
// in the same order, so the outputs are the blend's. VBLENDVPS issues
// once a cycle on Ice Lake (docs/pipes): its forward loop took 1.99 cycles
// per 8 float32 with the blend and 1.27 with the factor; on Zen 3 they had
// run within each other's range (1.01-1.25 against 1.13-1.14). Not where
// slopes are read from memory, whose factor would take a third logic op,
// nor beside the slope gradients, which the conversions bound.
func (k *kernel) flipsSlope() bool {
	_, ok := k.isa.(avx2)
	return ok && k.v.Dx && !k.v.Dalpha && (k.l == spec.Shared || k.l == spec.Planes)
}

// makeOne sets one to 1.0 in every lane.
func (k *kernel) makeOne() {
	k.one = k.isa.vec()
	bits, x := GP64(), XMM()
	if k.e.Size == 4 {
		MOVL(U32(math.Float32bits(1)), bits.As32())
		VMOVD(bits.As32(), x)
	} else {
		MOVQ(U64(math.Float64bits(1)), bits)
		VMOVQ(bits, x)
	}
	k.e.broadcast(x, k.one)
}

func (k *kernel) zeroAccs() {
	for _, a := range k.accs {
		zero(a)
	}
}

// uniform: one slope for the whole slice; the sum is returned.
func (k *kernel) uniform() {
	if k.v.Dx {
		k.broadcastAlpha(addr(Param("alpha")))
	}
	k.zeroAccs()
	done := k.shortSpan()
	k.streamOrNot(nil, func() { k.span(k.n) })
	if done != "" {
		Label(done)
	}
	if k.v.Dalpha {
		VMOVSD(k.reduce(), addr(ReturnIndex(0)))
	}
}

// shortSpan does a slice of one to two vectors without a slope gradient
// (the commonest small call, a layer of 16 float32, is two) before the
// stream test, and jumps to the label it returns; "" where it emits
// nothing (see twoVectors).
func (k *kernel) shortSpan() string {
	if !k.shortSpans() {
		return ""
	}
	done := newLabel("short_done")
	k.twoVectors(k.n, done)
	return done
}

// shortSpans reports whether spans of one to two vectors run as two
// vectors (twoVectors): an overlapper's, without slope gradients, where
// the span ends with its last vector (overlapsTail).
func (k *kernel) shortSpans() bool {
	return k.overlapsTail() && !k.v.Dalpha
}

// twoVectors does a span of n elements, one to two vectors, as two vectors,
// the last computed before the first is stored (the output may be the
// input) and stored after it, and jumps to done; other spans fall through.
// The general span took about twice as long there, in its loop tests and
// the branches around its remainder (forward, 16 float32: 7.7 ns a call
// against 4.2-4.6 ns, copy() 4.3-5.3).
func (k *kernel) twoVectors(n GPVirtual, done string) {
	general := newLabel("general")
	CMPQ(n, U32(2*k.lanes()))
	JA(LabelRef(general))
	k.twoVectorsBody(n, general, done)
	Label(general)
}

// twoVectorsCold is twoVectors for spans that are seldom that short (planes
// and rows longer than two vectors take no branch): the two vectors are a
// cold block.
func (k *kernel) twoVectorsCold(n GPVirtual, done string) {
	general := newLabel("general")
	short := k.coldBlock("two_vectors", func() { k.twoVectorsBody(n, general, done) })
	CMPQ(n, U32(2*k.lanes()))
	JBE(LabelRef(short))
	Label(general)
}

// twoVectorsBody does a span of at most two vectors, jumping to general if
// it is shorter than one and to done when it is done.
func (k *kernel) twoVectorsBody(n GPVirtual, general, done string) {
	w := k.lanes()
	CMPQ(n, U32(w))
	JB(LabelRef(general))
	lastAt, first := GP64(), GP64()
	MOVQ(n, lastAt)
	SUBQ(U32(w), lastAt)
	XORQ(first, first)
	k.endingInLast(first, lastAt, n, 1)
	JMP(LabelRef(done))
}

// endingInLast does a span of n elements, at least a vector, as whole
// vectors from first and the last full vector, at lastAt, which ends at
// n: the last is computed before any store (the output may be the input)
// and stored after the others, over the lanes they stored with the same
// values. Its lanes of the vector before add +0 to the sums.
func (k *kernel) endingInLast(first, lastAt, n GPVirtual, whole int) {
	last := k.isa.(overlapper).last(k, lastAt, n)
	for slot := range whole {
		k.isa.step(k, first, slot, nil)
	}
	if last != nil {
		k.store(last, k.at(k.out, lastAt, 0))
	}
}

// planar: runs of inner elements, the c-th using alpha[c] and adding its sum
// to acc[c], with c wrapping at the number of channels.
func (k *kernel) planar() {
	inner := GP64()
	Load(Param("inner"), inner)
	channels := GP64()
	if k.v.Dx {
		Load(Param("alpha").Len(), channels)
	} else {
		Load(Param("acc").Len(), channels)
	}
	var alphas Register
	if k.v.Dx {
		alphas = Load(Param("alpha").Base(), GP64())
	}
	stride := GP64() // bytes per plane
	MOVQ(inner, stride)
	SHLQ(U8(log2(k.e.Size)), stride)
	c := GP64()
	XORQ(c, c)
	// Every plane's span ends with the same last vector: its counted
	// lanes' masks are made once.
	if a, ok := k.isa.(avx2); ok && k.v.Dalpha {
		a.countLanes(k, inner)
		defer k.uncount()
	}
	end := newLabel("planes_end")
	if k.shortSpans() {
		// Before the stream test: planes this short never stream.
		k.shortPlanes(inner, stride, channels, alphas, c, end)
	} else if _, masks := k.isa.(avx512); masks {
		k.alignedPlanes(inner, channels, alphas, c, end)
		if !k.v.Dalpha {
			k.shortPlanesMasked(inner, stride, channels, alphas, c, end)
		}
	}
	defer Label(end)
	// Large outputs of long planes stream like the shared kernel: each
	// plane's span aligns it.
	k.streamOrNot(stride, func() {
		loop, done := newLabel("plane"), newLabel("planes_done")
		// Tested on the way in and at the bottom, the channel wrapped
		// with a CMOV: no taken branch a plane but the loop's own.
		CMPQ(k.n, U8(0))
		JE(LabelRef(done))
		Label(loop)
		if k.v.Dx {
			k.broadcastAlpha(Mem{Base: alphas, Index: c, Scale: uint8(k.e.Size)})
		}
		k.zeroAccs()
		k.span(inner)
		if k.v.Dalpha {
			k.addPlaneSums(c)
		}
		k.nextPlane(stride, channels, c, inner, loop)
		Label(done)
	})
}

// nextPlane moves the data pointers on by a plane (stride bytes) and the
// channel c on, wrapping it with a CMOV at channels, and loops to loop
// while planes are left: no taken branch a plane but the loop's own.
func (k *kernel) nextPlane(stride, channels, c, inner GPVirtual, loop string) {
	k.advance(stride)
	nextChannel(c, channels)
	SUBQ(inner, k.n)
	JG(LabelRef(loop)) // n is whole planes: 0 after the last
}

// shortPlaneVectors is the most vectors a plane has for shortPlanes.
const shortPlaneVectors = 8

// shortPlaneBytes is the longest plane that is's planes kernels run as
// straight runs of vectors (shortPlanes): an overlapper's, of
// shortPlaneVectors vectors; 0 for the others.
func shortPlaneBytes(is isa) int {
	_, overlaps := is.(overlapper)
	_, masks := is.(avx512)
	if overlaps || masks {
		return shortPlaneVectors * is.vecBytes()
	}
	return 0
}

// maskedWithoutSums reports whether the kernel is AVX-512's, without slope
// gradients: its planes kernel runs short planes as alignedPlanes and
// shortPlanesMasked, its pattern kernel short rows as heldSlopeRows.
func (k *kernel) maskedWithoutSums() bool {
	_, masks := k.isa.(avx512)
	return masks && !k.v.Dalpha
}

// shortPlanes does planes of one to shortPlaneVectors vectors (3x3 to
// 8x8 float32 planes on AVX2) with no loop inside a plane: one plane loop
// for each count of whole vectors before the plane's last vector (which
// ends at the plane's end and overlaps the one before, or is its last
// whole vector), chosen once per call, each of whose planes is a
// straight run of steps. It jumps to end when it has done every plane,
// and falls through for other planes. A plane's span, with its loop tests
// and remainder, took about a third of its time (64 planes of 49 float32,
// forward, kernel alone: 342 against 258 ns).
func (k *kernel) shortPlanes(inner, stride, channels GPVirtual, alphas Register, c GPVirtual, end string) {
	w := k.lanes()
	general := newLabel("short_planes_general")
	CMPQ(inner, U32(shortPlaneVectors*w))
	JA(LabelRef(general))
	CMPQ(inner, U32(w))
	JB(LabelRef(general))
	CMPQ(k.n, U8(0))
	JE(LabelRef(end))
	whole, lastAt, first := GP64(), GP64(), GP64()
	MOVQ(inner, whole)
	DECQ(whole)
	SHRQ(U8(log2(w)), whole) // the whole vectors before the last
	MOVQ(inner, lastAt)
	SUBQ(U32(w), lastAt)
	XORQ(first, first)
	loops := dispatch(whole, shortPlaneVectors, "short_planes", general)
	for m, loop := range loops {
		Label(loop)
		k.broadcastAlpha(Mem{Base: alphas, Index: c, Scale: uint8(k.e.Size)})
		k.endingInLast(first, lastAt, inner, m)
		k.nextPlane(stride, channels, c, inner, loop)
		JMP(LabelRef(end))
	}
	Label(general)
}

// dispatch jumps to the m-th of count new labels, named name_m, where
// value is m (0 to count-1), else to fallback, and returns the labels: one
// loop per length, chosen once per call.
func dispatch(value GPVirtual, count int, name, fallback string) []string {
	labels := make([]string, count)
	for m := range labels {
		labels[m] = newLabel(fmt.Sprintf("%s_%d", name, m))
		CMPQ(value, U8(m))
		JE(LabelRef(labels[m]))
	}
	JMP(LabelRef(fallback))
	return labels
}

// shortPlanesMasked does planes shorter than a vector on an ISA with mask
// registers (alignedPlanes takes those of a vector to eight): every plane
// is the same length, so each is one vector under one mask made once per
// call, which stores only its own lanes. A span would test its loops and
// make the mask again each plane. Jumps to end when it has done every
// plane, and falls through for other planes.
func (k *kernel) shortPlanesMasked(inner, stride, channels GPVirtual, alphas Register, c GPVirtual, end string) {
	general, loop := newLabel("short_planes_general"), newLabel("short_planes")
	CMPQ(inner, U32(k.lanes()))
	JAE(LabelRef(general))
	CMPQ(k.n, U8(0))
	JE(LabelRef(end))
	lanes := k.isa.tail(k.e, inner)
	first := GP64()
	XORQ(first, first)
	Label(loop)
	k.broadcastAlpha(Mem{Base: alphas, Index: c, Scale: uint8(k.e.Size)})
	k.isa.step(k, first, 0, lanes)
	k.nextPlane(stride, channels, c, inner, loop)
	JMP(LabelRef(end))
	Label(general)
}

// patterned: rows of len(pattern) elements (the last may be shorter), element
// j of each row using pattern[j] and adding to acc[j].
func (k *kernel) patterned() {
	period := GP64()
	if k.v.Dx {
		Load(Param("pattern").Len(), period)
	} else {
		Load(Param("acc").Len(), period)
	}
	row, stride := GP64(), GP64()
	rowBytes := GP64()
	MOVQ(period, rowBytes)
	SHLQ(U8(log2(k.e.Size)), rowBytes)
	end := newLabel("pattern_done")
	if k.shortSpans() {
		// Before the stream test, as the shared kernels' short spans:
		// rows this short (under spec.MinStreamSpan) never stream.
		k.shortRows(period, rowBytes, end)
	} else if k.maskedWithoutSums() {
		k.heldSlopeRows(period, rowBytes, end)
	}
	defer Label(end)
	k.streamOrNot(rowBytes, func() {
		loop, done := newLabel("row"), newLabel("rows_done")
		CMPQ(k.n, U8(0))
		JE(LabelRef(done))
		Label(loop) // tested at the bottom, as span's loops
		MOVQ(period, row)
		CMPQ(k.n, row)
		CMOVQLT(k.n, row)
		k.span(row)
		MOVQ(row, stride)
		SHLQ(U8(log2(k.e.Size)), stride)
		k.advance(stride)
		SUBQ(row, k.n)
		JG(LabelRef(loop))
		Label(done)
	})
}

// shortRows does whole rows of one to two vectors (FC layers of 8 to 16
// float32 channels at batch > 1) as twoVectors does a span, with the
// row's tests made once for all of them, and jumps to end when they are
// all there is; it falls through with what is left (a shorter last row).
func (k *kernel) shortRows(period, rowBytes GPVirtual, end string) {
	w := k.lanes()
	loop, done := newLabel("short_row"), newLabel("short_rows_done")
	CMPQ(period, U32(2*w))
	JA(LabelRef(done))
	CMPQ(period, U32(w))
	JB(LabelRef(done))
	CMPQ(k.n, period)
	JB(LabelRef(done))
	lastAt, first := GP64(), GP64()
	MOVQ(period, lastAt)
	SUBQ(U32(w), lastAt)
	XORQ(first, first)
	Label(loop)
	k.endingInLast(first, lastAt, period, 1)
	k.advance(rowBytes)
	SUBQ(period, k.n)
	CMPQ(k.n, period)
	JAE(LabelRef(loop))
	TESTQ(k.n, k.n)
	JE(LabelRef(end))
	Label(done)
}

// streamOr emits body twice and runs the first, with non-temporal stores,
// when the output is at least ·streamThreshold bytes and is not also an
// input, and each span of body (spanBytes, or nil for one span over the
// whole output) is at least spec.MinStreamSpan bytes: an output that will not
// fit in the caches is then written without first being read for
// ownership. The Go side sets the threshold from the cache sizes. Each span
// in body aligns the output for them.
func (k *kernel) streamOr(spanBytes GPVirtual, body func()) {
	normal, done := newLabel("cached"), newLabel("stored")
	k.compareStreamThreshold()
	JB(LabelRef(normal))
	if spanBytes != nil {
		CMPQ(spanBytes, U32(spec.MinStreamSpan))
		JB(LabelRef(normal))
	}
	k.jumpIfInPlace(normal)
	k.stream = true
	body()
	k.stream = false
	SFENCE() // order the non-temporal stores before any later store
	JMP(LabelRef(done))
	Label(normal)
	body()
	Label(done)
}

// compareStreamThreshold compares the output's bytes (x's) with
// ·streamThreshold, for a JB or JAE after it.
func (k *kernel) compareStreamThreshold() {
	bytes := GP64()
	MOVQ(k.n, bytes)
	SHLQ(U8(log2(k.e.Size)), bytes)
	CMPQ(bytes, NewDataAddr(Symbol{Name: "·streamThreshold"}, 0))
}

// jumpIfInPlace jumps to label where the output is one of the inputs.
func (k *kernel) jumpIfInPlace(label string) {
	CMPQ(k.out, k.gate)
	JE(LabelRef(label))
	if k.value != k.gate {
		CMPQ(k.out, k.value)
		JE(LabelRef(label))
	}
}

// streamOrNot is streamOr for kernels with an output, body alone for the
// others.
func (k *kernel) streamOrNot(spanBytes GPVirtual, body func()) {
	if k.v.Dx {
		k.streamOr(spanBytes, body)
	} else {
		body()
	}
}

// advance moves the data pointers on by bytes.
func (k *kernel) advance(bytes GPVirtual) {
	ADDQ(bytes, k.gate)
	if k.value != k.gate {
		ADDQ(bytes, k.value)
	}
	if k.out != nil {
		ADDQ(bytes, k.out)
	}
}

// rewind sets the data pointers to the slices' starts plus bytes.
func (k *kernel) rewind(bytes GPVirtual) {
	Load(Param("x").Base(), k.gate)
	ADDQ(bytes, k.gate)
	if k.value != k.gate {
		Load(Param("dy").Base(), k.value)
		ADDQ(bytes, k.value)
	}
	if k.out != nil {
		Load(Param(k.v.Out()).Base(), k.out)
		ADDQ(bytes, k.out)
	}
}

// span processes n elements from the current data pointers: unrolled full
// vectors, single full vectors, then one masked vector for the remainder.
func (k *kernel) span(n GPVirtual) {
	w := k.lanes()
	j, limit := GP64(), GP64()
	XORQ(j, j)
	if k.stream {
		k.alignOutput(n, j)
	} else if k.alignsCached() {
		k.alignLongSpan(n, j)
	}
	unrolled, single, singleLoop, remainder, done :=
		newLabel("unrolled"), newLabel("single"), newLabel("single_loop"), newLabel("remainder"), newLabel("span_done")

	// The shared kernels test for short slices before the stream test
	// (shortSpan); rows and planes here.
	if k.shortSpans() && k.l != spec.Shared {
		k.twoVectorsCold(n, done)
	}

	// An overlapper's last full vector, where the span has a remainder.
	var last VecVirtual
	var lastAt GPVirtual
	overlap := k.overlapsTail()
	if overlap {
		skip := newLabel("no_last")
		lastAt = GP64()
		TESTQ(U32(w-1), n)
		JE(LabelRef(skip)) // whole vectors: no remainder
		MOVQ(n, lastAt)
		SUBQ(U32(w), lastAt)
		JL(LabelRef(skip)) // shorter than a vector: the masked step
		last = k.isa.(overlapper).last(k, lastAt, n)
		Label(skip)
	}

	defer k.holdRing()()

	k.vectorLoop(j, n, limit, unroll, unrolled, single, func() {
		for slot := range unroll {
			k.isa.step(k, j, slot, nil)
		}
		k.advanceRing(unroll)
	})
	k.vectorLoop(j, n, limit, 1, singleLoop, remainder, func() {
		k.isa.step(k, j, 0, nil)
		k.advanceRing(1)
	})
	rem := GP64()
	MOVQ(n, rem)
	SUBQ(j, rem)
	JE(LabelRef(done))
	if overlap {
		// Spans shorter than a vector are rare where the overlapper has
		// spans (planes and rows of at least a vector): their masked
		// step is a cold block, and the last vector's store falls
		// through to done.
		masked := k.coldBlock("masked", func() {
			k.isa.step(k, j, 0, k.isa.tail(k.e, rem))
			JMP(LabelRef(done))
		})
		CMPQ(n, U32(w))
		JL(LabelRef(masked))
		if last != nil {
			k.store(last, k.at(k.out, lastAt, 0))
		}
	} else {
		k.isa.step(k, j, 0, k.isa.tail(k.e, rem))
	}
	Label(done)
}

// vectorLoop runs body over j, vectors vectors of the span at a time,
// while they end within n, and places exit after the loop. limit is
// n - vectors*w, signed (negative for short spans): the loop is tested on
// the way in and at its bottom, one taken branch an iteration and none to
// leave (a plane of 81 float32 took about ten taken branches with the
// tests at the top).
func (k *kernel) vectorLoop(j, n, limit GPVirtual, vectors int, loop, exit string, body func()) {
	step := U32(vectors * k.lanes())
	MOVQ(n, limit)
	SUBQ(step, limit)
	CMPQ(j, limit)
	JGT(LabelRef(exit))
	Label(loop)
	body()
	ADDQ(step, j)
	CMPQ(j, limit)
	JLE(LabelRef(loop))
	Label(exit)
}

// overlapsTail reports whether span ends with an overlapper's last vector:
// not when streaming (the span aligns the output first, and the fused
// kernels' sums then follow the output's address anyway), nor in Ring
// kernels (whose slopes and sums follow the ring's position).
func (k *kernel) overlapsTail() bool {
	_, ok := k.isa.(overlapper)
	return ok && !k.stream && k.l != spec.Ring
}

// log2 is the shift for a power of two: an element or vector size, or a
// vector's lanes.
func log2(size int) int { return bits.TrailingZeros(uint(size)) }

// zero clears a vector register through its VEX ymm form, which also clears
// the upper half of a zmm register and needs only AVX.
func zero(v VecVirtual) {
	y := v.AsY()
	VXORPS(y, y, y)
}

// registerAccs reports whether the sums live in registers (shared and planes)
// rather than in the acc array (pattern).
func (k *kernel) registerAccs() bool { return len(k.accs) > 0 }

// reduce adds all lanes of all accumulators into the low lane of an xmm
// register, in a fixed order so that results are reproducible.
func (k *kernel) reduce() VecVirtual {
	accs := k.accs
	for step := 1; step < len(accs); step *= 2 {
		for i := 0; i+step < len(accs); i += 2 * step {
			VADDPD(accs[i+step], accs[i], accs[i])
		}
	}
	v := accs[0]
	if k.isa.vecBytes() == 64 {
		y := YMM()
		VEXTRACTF64X4(U8(1), v, y)
		VADDPD(y, v.AsY(), y)
		v = y
	}
	return reduceOne(v)
}

// addr is the memory address of a scalar parameter.
func addr(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// alignOutput does the first elements under a mask, as many as bring the
// output to a vector boundary (non-temporal stores need it, and AVX-512's
// long spans gain by it: alignsCached), and sets j past them.
func (k *kernel) alignOutput(n, j GPVirtual) { k.alignTo(k.out, n, j) }

// alignTo does the first elements under a mask, as many as bring the
// slice at base to a vector boundary, and sets j past them.
func (k *kernel) alignTo(base Register, n, j GPVirtual) {
	head, skip := GP64(), newLabel("aligned")
	MOVQ(base, head)
	NEGQ(head)
	ANDQ(U32(k.isa.vecBytes()-1), head)
	SHRQ(U8(log2(k.e.Size)), head) // elements to the boundary (float slices are element-aligned)
	CMPQ(head, n)
	CMOVQGT(n, head)
	TESTQ(head, head)
	JE(LabelRef(skip))
	rem := GP64()
	MOVQ(head, rem)
	stream := k.stream
	k.stream = false
	k.isa.step(k, j, 0, k.isa.tail(k.e, rem))
	k.stream = stream
	MOVQ(head, j)
	Label(skip)
}

// alignedSpanVectors is the fewest vectors in a span that alignLongSpan
// aligns.
const alignedSpanVectors = 8

// alignsCached reports whether the kernel's cached spans align too
// (alignLongSpan): AVX-512's, where span's j is the only position (not the
// Ring kernels). A 64-byte vector off its alignment spans two cache lines
// in every access; on Ice Lake the shared kernels over 4096 float32 offset
// by one element took 318 against 154 ns forward, 481 against 295 dx-only
// and 700 against 507 dalpha-only (kernels alone, fastest of 21).
func (k *kernel) alignsCached() bool {
	_, ok := k.isa.(avx512)
	return ok && (k.l == spec.Shared || k.l == spec.Planes || k.l == spec.Pattern)
}

// alignLongSpan aligns a span of at least alignedSpanVectors vectors.
// Without slope gradients it aligns the output. Where the output is an
// input, the masked head's store holds up the loads after it, which read
// the rest of its 64 bytes (a load overlapping a masked store waits for it
// to reach the cache: about 19 cycles on Ice Lake): once per call, the
// shared kernels still gain (in place, offset by one element, 4096
// float32: forward 304 -> 159 ns, dx-only 359 -> 208), but once per plane
// or row the planes and pattern kernels do not (planes of 196: 360 -> 439),
// and skip it there. With slope gradients it aligns x, always, so that
// the sums, made of the same vectors, are the same with dx and without,
// bit for bit.
func (k *kernel) alignLongSpan(n, j GPVirtual) {
	skip := newLabel("unaligned")
	CMPQ(n, U32(alignedSpanVectors*k.lanes()))
	JB(LabelRef(skip))
	if k.v.Dalpha {
		k.alignTo(k.gate, n, j)
		Label(skip)
		return
	}
	if k.l != spec.Shared {
		k.jumpIfInPlace(skip)
	}
	k.alignOutput(n, j)
	Label(skip)
}

// store writes a full vector of output, non-temporally when streaming.
func (k *kernel) store(v VecVirtual, m Mem) {
	if k.stream {
		k.e.movnt(v, m)
	} else {
		k.e.mov(v, m)
	}
}
