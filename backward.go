package prelu

import "unsafe"

func backward[T Float](isa isaID, dx, dy, x []T, alpha T) T {
	// As forward: one test and one call on the fast path.
	misused := len(dy) != len(x) || dx != nil && (len(dx) != len(x) || partlyOverlaps(dx, dy) || partlyOverlaps(dx, x))
	if misused || large[T](len(x)) {
		return backwardOutOfLine(isa, misused, dx, dy, x, alpha)
	}
	raceCall(dx, nil, dy, x, nil)
	if dx == nil {
		return T(backwardDalphaKernel(isa, dy, x)) // the kernels take n = 0
	}
	return T(backwardKernel(isa, dx, dy, x, alpha))
}

// backwardOutOfLine is backward's misuse and large calls.
//
//go:noinline
func backwardOutOfLine[T Float](isa isaID, misused bool, dx, dy, x []T, alpha T) T {
	if misused {
		backwardMisuse(dx, dy, x)
	}
	raceCall(dx, nil, dy, x, nil)
	if total, ok := runLarge(isa, backwardOp(dx != nil, true), dx, dy, x, nil, nil, alpha, 1); ok {
		return T(total)
	}
	return T(backwardOf(isa, dx, dy, x, alpha))
}

func backwardOf[E Float](isa isaID, dx, dy, x []E, alpha E) float64 {
	if dx == nil {
		return backwardDalphaKernel(isa, dy, x)
	}
	return backwardKernel(isa, dx, dy, x, alpha)
}

// backwardMisuse panics with the message for Backward's misuse.
//
//go:noinline
func backwardMisuse[T Float](dx, dy, x []T) {
	checkLen("dy", dy, "x", len(x))
	if dx != nil {
		checkLen("dx", dx, "x", len(x))
		checkAlias("dx", dx, "dy", dy)
		checkAlias("dx", dx, "x", x)
	}
	misused()
}

func backwardChannels[T Float](isa isaID, dx, dalpha, dy, x, alpha []T, inner int) {
	if n := len(x); inner == 1 && (n == len(alpha) || len(alpha) == 1) && dalpha == nil && len(dx) == n && len(dy) == n && n > 0 &&
		!partlyOverlaps(dx, dy) && !partlyOverlaps(dx, x) && !overlaps(dx, alpha) && !large[T](n) {
		// dx of a single channel-last row, or with one (frozen) slope,
		// first (see forwardChannels).
		raceCall(dx, nil, dy, x, alpha)
		if len(alpha) == 1 {
			backwardDxKernel(isa, dx, dy, x, alpha[0])
		} else {
			backwardPatternDxKernel(isa, dx, dy, x, alpha)
		}
		return
	}
	misused := len(dy) != len(x) || !layoutOK(len(x), len(alpha), inner) ||
		dx != nil && (len(dx) != len(x) || partlyOverlaps(dx, dy) || partlyOverlaps(dx, x) || overlaps(dx, alpha) || overlaps(dx, dalpha)) ||
		dalpha != nil && (len(dalpha) != len(alpha) || overlaps(dalpha, dy) || overlaps(dalpha, x) || overlaps(dalpha, alpha))
	if misused || len(x) == 0 || dx == nil && dalpha == nil || large[T](len(x)) {
		backwardChannelsOutOfLine(isa, misused, dx, dalpha, dy, x, alpha, inner)
		return
	}
	raceCall(dx, dalpha, dy, x, alpha)
	switch {
	case len(alpha) == 1 && dalpha == nil:
		// A frozen shared slope, straight to its kernel: through
		// backwardChannelsOf it took 51 ns at n = 16, through
		// backwardOneSlope (not inlined) 38 ns, and Backward's full
		// call takes 25.
		backwardDxKernel(isa, dx, dy, x, alpha[0])
	case len(alpha) == 1:
		// One slope, without a plan.
		backwardOneSlope(isa, dx, dalpha, dy, x, alpha[0])
	case dalpha == nil && patternFirst(isa, len(x), len(alpha), inner, sizeOf[T]()):
		// planChannels' first choices, without a plan (see patternFirst).
		backwardPatternDxKernel(isa, dx, dy, x, alpha)
	case dalpha != nil && rowsFirst(isa, len(x), len(alpha), inner, sizeOf[T]()):
		// backwardRows, whose call (it is not inlined) was 5% of FC
		// 1x10's.
		if dx == nil {
			backwardRowsDalphaKernel(isa, dy, x, dalpha)
		} else {
			backwardRowsKernel(isa, dx, dy, x, alpha, dalpha)
		}
	case smallPlanesFit(isa, len(x), len(alpha), inner, sizeOf[T](), dalpha != nil):
		// planChannels' choice for small planes, without a plan too, and
		// each variant's kernel called from here (backwardSmallPlanes
		// is not inlined).
		switch {
		case dalpha == nil:
			backwardSmallPlanesDxKernel(isa, dx, dy, x, alpha, inner)
		case dx == nil:
			backwardSmallPlanesDalphaKernel(isa, dy, x, dalpha, inner)
		default:
			backwardSmallPlanesKernel(isa, dx, dy, x, alpha, dalpha, inner)
		}
	case dalpha == nil && ringRowsFirst(isa, len(alpha), inner, sizeOf[T]()):
		backwardRingDxKernel(isa, dx, dy, x, alpha, inner) // as forwardChannels
	case dalpha == nil && planesFirst(isa, len(x), len(alpha), inner, sizeOf[T]()):
		backwardPlanesDxKernel(isa, dx, dy, x, alpha, inner)
	default:
		backwardChannelsOf(isa, dx, dalpha, dy, x, alpha, inner)
	}
}

// backwardChannelsOutOfLine is backwardChannels' misuse, empty and large
// calls (see forwardOutOfLine).
//
//go:noinline
func backwardChannelsOutOfLine[T Float](isa isaID, misused bool, dx, dalpha, dy, x, alpha []T, inner int) {
	if misused {
		backwardChannelsMisuse(dx, dalpha, dy, x, alpha, inner)
	}
	if len(x) == 0 || dx == nil && dalpha == nil {
		return
	}
	raceCall(dx, dalpha, dy, x, alpha)
	if _, ok := runLarge(isa, backwardOp(dx != nil, dalpha != nil), dx, dy, x, alpha, dalpha, 0, inner); ok {
		return
	}
	backwardChannelsOf(isa, dx, dalpha, dy, x, alpha, inner)
}

// backwardOneSlope is BackwardChannels with a single slope: the shared-slope
// kernels.
func backwardOneSlope[T Float](isa isaID, dx, dalpha, dy, x []T, alpha T) {
	if dalpha == nil {
		backwardDxKernel(isa, dx, dy, x, alpha)
		return
	}
	dalpha[0] = T(float64(dalpha[0]) + backwardOf(isa, dx, dy, x, alpha))
}

// backwardChannelsMisuse panics with the message for BackwardChannels'
// misuse, checking in the documented order.
//
//go:noinline
func backwardChannelsMisuse[T Float](dx, dalpha, dy, x, alpha []T, inner int) {
	checkLen("dy", dy, "x", len(x))
	if dx != nil {
		checkLen("dx", dx, "x", len(x))
		checkAlias("dx", dx, "dy", dy)
		checkAlias("dx", dx, "x", x)
		checkDisjoint("dx", dx, "alpha", alpha)
		checkDisjoint("dx", dx, "dalpha", dalpha)
	}
	if dalpha != nil {
		checkLen("dalpha", dalpha, "alpha", len(alpha))
		checkDisjoint("dalpha", dalpha, "dy", dy)
		checkDisjoint("dalpha", dalpha, "x", x)
		checkDisjoint("dalpha", dalpha, "alpha", alpha)
	}
	checkLayout(len(x), len(alpha), inner)
	misused()
}

// backwardChannelsOf runs the kernel the plan chooses.
func backwardChannelsOf[T Float](isa isaID, dx, dalpha, dy, x, alpha []T, inner int) {
	wantDx, wantDalpha := dx != nil, dalpha != nil
	switch planChannels[T](isa, len(x), len(alpha), inner, wantDalpha) {
	case planShared:
		backwardOneSlope(isa, dx, dalpha, dy, x, alpha[0])
	case planRing:
		switch {
		case !wantDalpha:
			backwardRingDxKernel(isa, dx, dy, x, alpha, inner)
		case !wantDx:
			backwardRingDalphaKernel(isa, dy, x, dalpha, inner)
		default:
			backwardRingKernel(isa, dx, dy, x, alpha, dalpha, inner)
		}
	case planSmallPlanes:
		backwardSmallPlanes(isa, dx, dalpha, dy, x, alpha, inner)
	case planExpanded:
		backwardExpanded(isa, dx, dalpha, dy, x, alpha, inner)
	case planPattern:
		backwardPatternDxKernel(isa, dx, dy, x, alpha)
	case planPlanes:
		backwardPlanesDxKernel(isa, dx, dy, x, alpha, inner)
	case planRows:
		backwardRows(isa, dx, dalpha, dy, x, alpha)
	case planSums:
		backwardSumsBuffered(isa, dx, dalpha, dy, x, alpha, inner)
	}
}

// backwardRows runs the Rows kernel, with dx or without.
func backwardRows[E Float](isa isaID, dx, dalpha, dy, x, alpha []E) {
	if dx == nil {
		backwardRowsDalphaKernel(isa, dy, x, dalpha)
	} else {
		backwardRowsKernel(isa, dx, dy, x, alpha, dalpha)
	}
}

// backwardSmallPlanes runs the SmallPlanes kernel of the call's variant.
func backwardSmallPlanes[E Float](isa isaID, dx, dalpha, dy, x, alpha []E, inner int) {
	switch {
	case dalpha == nil:
		backwardSmallPlanesDxKernel(isa, dx, dy, x, alpha, inner)
	case dx == nil:
		backwardSmallPlanesDalphaKernel(isa, dy, x, dalpha, inner)
	default:
		backwardSmallPlanesKernel(isa, dx, dy, x, alpha, dalpha, inner)
	}
}

// The slope gradients of layouts that no Ring or Rows kernel takes are
// summed in float64 on the stack, a block of channels at a time. Go zeroes
// the buffer on every call, so it comes in sizes of 16, 32, 64, 128 and
// largeSums channels (each plus accPad): a call zeroes the sums of at most
// twice its channels, or of 16, never a fixed 1.8 KiB.
const largeSums = 208 // with accPad, 1792 bytes: the frame stays under 2 KiB

// backwardSumsBuffered runs backwardSums with the smallest buffer that
// holds every channel, or largeSums of them at a time.
func backwardSumsBuffered[E Float](isa isaID, dx, dalpha, dy, x, alpha []E, inner int) {
	switch c := len(alpha); {
	case c <= 16:
		backwardSumsIn[[16 + accPad]float64](isa, dx, dalpha, dy, x, alpha, inner)
	case c <= 32:
		backwardSumsIn[[32 + accPad]float64](isa, dx, dalpha, dy, x, alpha, inner)
	case c <= 64:
		backwardSumsIn[[64 + accPad]float64](isa, dx, dalpha, dy, x, alpha, inner)
	case c <= 128:
		backwardSumsIn[[128 + accPad]float64](isa, dx, dalpha, dy, x, alpha, inner)
	default:
		backwardSumsIn[[largeSums + accPad]float64](isa, dx, dalpha, dy, x, alpha, inner)
	}
}

// backwardSumsIn runs backwardSums in a buffer of type B, an array of
// float64. It is never inlined into its caller, whose frame would otherwise
// carry the largest buffer on every call.
//
//go:noinline
func backwardSumsIn[B any, E Float](isa isaID, dx, dalpha, dy, x, alpha []E, inner int) {
	var buf B
	sums := unsafe.Slice((*float64)(unsafe.Pointer(&buf)), unsafe.Sizeof(buf)/8)
	backwardSums(isa, dx, dalpha, dy, x, alpha, inner, sums)
}

// backwardSums sums the channels in blocks that fit in sums, each block
// over every outer index before it is added to dalpha, so that each slope's
// gradient is rounded once.
func backwardSums[E Float](isa isaID, dx, dalpha, dy, x, alpha []E, inner int, sums []float64) {
	channels := len(alpha)
	block := len(sums) - accPad
	outer := len(x) / (channels * inner)
	whole := channels <= block // then one call covers all of x
	rows := outer
	if whole {
		rows = 1
	}
	for c0 := 0; c0 < channels; c0 += block {
		c1 := min(c0+block, channels)
		acc := sums[:c1-c0]
		if c0 > 0 {
			clear(acc)
		}
		for o := range rows {
			lo, hi := 0, len(x)
			if !whole {
				lo, hi = (o*channels+c0)*inner, (o*channels+c1)*inner
			}
			sumsKernel(isa, part(dx, lo, hi), dy[lo:hi], x[lo:hi], alpha[c0:c1], acc, inner)
		}
		addSums(isa, dalpha[c0:c1], acc)
	}
}

// sumsKernel runs the kernel that adds the slope gradients of a channel
// layout into acc, one per slope, and sets dx unless it is nil. Channel-last
// rows run the pattern kernel with the slopes themselves; planes the planes
// kernel.
func sumsKernel[E Float](isa isaID, dx, dy, x, alpha []E, acc []float64, inner int) {
	switch {
	case inner == 1 && dx == nil:
		backwardPatternDalphaKernel(isa, dy, x, acc)
	case inner == 1:
		backwardPatternKernel(isa, dx, dy, x, alpha, acc)
	case dx == nil:
		backwardPlanesDalphaKernel(isa, dy, x, acc, inner)
	default:
		backwardPlanesKernel(isa, dx, dy, x, alpha, acc, inner)
	}
}
