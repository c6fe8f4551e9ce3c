package prelu

import "unsafe"

// The parallel path of the exported functions: a call of at least
// parallelBytes is cut into tasks (split.go), which the caller and idle
// helpers take (workers.go). Only the caller touches dalpha: the tasks
// write float64 partial sums, which the caller adds in task order.

// op is what a call computes.
type op uint8

const (
	opForward  op = iota // dst from x
	opDx                 // dx only (frozen slopes)
	opBackward           // dx and the slope gradients
	opDalpha             // the slope gradients only
)

func (o op) sums() bool { return o >= opBackward }

// backwardOp is the backward op that computes dx, the slope gradients
// (sums), or both.
func backwardOp(dx, sums bool) op {
	switch {
	case !dx:
		return opDalpha
	case !sums:
		return opDx
	}
	return opBackward
}

// large reports whether a call of n elements of E goes to runLarge: one
// compare, inlined into the exported functions.
func large[E Float](n int) bool { return n*sizeOf[E]() >= parallelBytes }

// call is the part of one call that the tasks read, in float32 or float64
// (a defined type's slices reinterpreted).
type call[E Float] struct {
	isa   isaID
	op    op
	out   []E // dst or dx; nil for opDalpha
	dy, x []E // dy nil for opForward
	alpha []E // the slopes; nil for one shared slope a
	a     E
	inner int
	sp    split
}

// task runs task k, writing its partial sums (if any) into partials.
func (c *call[E]) task(k int, partials []float64) {
	sp, n := c.sp, len(c.x)
	channels := max(len(c.alpha), 1)
	switch sp.kind {
	case splitElems:
		lo, hi := k*sp.step, (k+1)*sp.step
		if k == sp.tasks-1 {
			hi = n
		}
		sum := c.shared(lo, hi, c.a)
		if c.op.sums() {
			partials[k] = sum
		}
	case splitRows:
		period := channels * c.inner
		lo := k * sp.step * period
		c.channels(lo, min(lo+sp.step*period, n), c.alpha, c.acc(k, partials))
	case splitChannels:
		_, c0, c1 := sp.slot(k, channels)
		acc := c.acc(k, partials)
		for base := 0; base < n; base += channels * c.inner {
			c.channels(base+c0*c.inner, base+c1*c.inner, c.alpha[c0:c1], acc)
		}
	case splitInner:
		ch, i0 := k/sp.blocks, k%sp.blocks*sp.step
		i1 := min(i0+sp.step, c.inner)
		sum := 0.0
		for base := ch * c.inner; base < n; base += channels * c.inner {
			sum += c.shared(base+i0, base+i1, c.alpha[ch])
		}
		if c.op.sums() {
			partials[k] = sum
		}
	}
}

// acc returns task k's partial sums, cleared, or nil without sums.
func (c *call[E]) acc(k int, partials []float64) []float64 {
	if !c.op.sums() {
		return nil
	}
	off, c0, c1 := c.sp.slot(k, max(len(c.alpha), 1))
	acc := partials[off : off+c1-c0 : off+c1-c0+accPad]
	clear(acc)
	return acc
}

// shared runs elements [lo, hi) with the one slope a and returns their
// slope gradient (0 without sums).
func (c *call[E]) shared(lo, hi int, a E) float64 {
	x := c.x[lo:hi]
	switch c.op {
	case opForward:
		forwardKernel(c.isa, c.out[lo:hi], x, a)
	case opDx:
		backwardDxKernel(c.isa, c.out[lo:hi], c.dy[lo:hi], x, a)
	case opBackward:
		return backwardKernel(c.isa, c.out[lo:hi], c.dy[lo:hi], x, a)
	case opDalpha:
		return backwardDalphaKernel(c.isa, c.dy[lo:hi], x)
	}
	return 0
}

// channels runs elements [lo, hi), whole periods of the slopes alpha,
// adding their slope gradients into acc.
func (c *call[E]) channels(lo, hi int, alpha []E, acc []float64) {
	if len(alpha) == 1 {
		sum := c.shared(lo, hi, alpha[0])
		if acc != nil {
			acc[0] += sum
		}
		return
	}
	x := c.x[lo:hi]
	switch c.op {
	case opForward:
		forwardChannelsOf(c.isa, c.out[lo:hi], x, alpha, c.inner)
	case opDx:
		backwardChannelsOf(c.isa, c.out[lo:hi], nil, c.dy[lo:hi], x, alpha, c.inner)
	default:
		sumsKernel(c.isa, part(c.out, lo, hi), c.dy[lo:hi], x, alpha, acc, c.inner)
	}
}

// runLarge runs a large call on the parallel path and returns the slope
// gradient of one shared slope; with several (alpha not nil) it adds
// theirs to dalpha instead. dalpha is the caller's: no task touches it.
// It returns false, having done nothing, if the layout is not cut.
//
//go:noinline
func runLarge[T Float](isa isaID, o op, out, dy, x, alpha, dalpha []T, a T, inner int) (float64, bool) {
	if len(alpha) == 1 {
		a, alpha = alpha[0], nil
	}
	if o.sums() && alpha != nil && !tasksSum[T](isa, len(x), len(alpha), inner) {
		return 0, false
	}
	sp := splitOf(len(x), max(len(alpha), 1), inner, sizeOf[T](), o.sums())
	if sp.tasks < 2 {
		return 0, false
	}
	j := getJob()
	j.tasks = int32(sp.tasks)
	channels := max(len(alpha), 1)
	j.partials = grow(j.partials, sp.partials(channels, o.sums()))
	if isFloat32[T]() {
		j.wide = false
		j.f32 = call[float32]{isa, o, heapSlice[float32](out), heapSlice[float32](dy), heapSlice[float32](x), slopesOf(&j.alpha32, alpha), float32(a), inner, sp}
	} else {
		j.wide = true
		j.f64 = call[float64]{isa, o, heapSlice[float64](out), heapSlice[float64](dy), heapSlice[float64](x), slopesOf(&j.alpha64, alpha), float64(a), inner, sp}
	}
	j.run(Workers())
	total := 0.0
	if o.sums() {
		total = combine(isa, j.partials, sp, channels, dalpha)
	}
	j.release()
	return total, true
}

// tasksSum reports whether the tasks of a large call take the slope
// gradients of a layout of several channels. They sum into float64
// partials with the planes and pattern kernels (sumsKernel), as planSums
// does; the other plans' kernels add to dalpha themselves. Where the
// single call's plan is another (the Ring kernel: small planes, few
// channels), the tasks' kernels lost more than a second core gains: AVX2,
// float32, 16M elements, one core, channel-last C = 3 dalpha-only 45
// against 10 ms; 64 planes of 7, 31-37 against 13 ms.
func tasksSum[E Float](isa isaID, n, channels, inner int) bool {
	return planChannels[E](isa, n, channels, inner, true) == planSums
}

// combine adds up the tasks' partial sums in task order: it returns the
// total of one shared slope (dalpha nil), or adds each channel's to
// dalpha, rounding once.
func combine[T Float](isa isaID, partials []float64, sp split, channels int, dalpha []T) float64 {
	switch sp.kind {
	case splitRows:
		sums := partials[:channels]
		for k := 1; k < sp.tasks; k++ {
			off, _, _ := sp.slot(k, channels)
			for c, s := range partials[off:][:channels] {
				sums[c] += s
			}
		}
		addSums(isa, dalpha, sums)
	case splitChannels:
		for k := range sp.tasks {
			off, c0, c1 := sp.slot(k, channels)
			addSums(isa, dalpha[c0:c1], partials[off:][:c1-c0])
		}
	case splitInner:
		// Channel c's blocks are partials[c*blocks:][:blocks]; their sum
		// goes to partials[c], which is read before or at that point.
		for c := range channels {
			sum := 0.0
			for _, s := range partials[c*sp.blocks:][:sp.blocks] {
				sum += s
			}
			partials[c] = sum
		}
		addSums(isa, dalpha, partials[:channels])
	default:
		total := 0.0
		for _, s := range partials[:sp.tasks] {
			total += s
		}
		if dalpha != nil {
			dalpha[0] = T(float64(dalpha[0]) + total)
		}
		return total
	}
	return 0
}

// heapSlice reinterprets s, which the caller guarantees is on the heap
// (it is larger than any variable Go puts on a stack: see parallelBytes),
// as []E, hiding the pointer from escape analysis: handing s to another
// goroutine must not make the exported functions' arguments escape, or
// every caller's stack buffers would move to the heap.
func heapSlice[E, T Float](s []T) []E {
	if s == nil {
		return nil
	}
	p := unsafe.Add(nil, uintptr(unsafe.Pointer(unsafe.SliceData(s))))
	return unsafe.Slice((*E)(p), len(s))
}

// slopesOf returns the slopes for the tasks: alpha itself when it is too
// large to be on a stack, else a copy in buf, which the job keeps.
func slopesOf[E, T Float](buf *[]E, alpha []T) []E {
	if alpha == nil {
		return nil
	}
	if len(alpha)*sizeOf[T]() > maxStackVar {
		return heapSlice[E](alpha)
	}
	*buf = grow(*buf, len(alpha))
	copy(*buf, as[E](alpha))
	return *buf
}

// maxStackVar is the largest variable the Go 1.26 compiler places on a
// goroutine stack (cmd/compile/internal/ir.MaxStackVarSize), checked by
// TestLargeSlicesAreNotOnTheStack.
const maxStackVar = 128 << 10
