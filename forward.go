package prelu

import "unsafe"

// forward is Forward on a given implementation: the tests call it once per
// ISA, the exported function with the one chosen at init.
func forward[T Float](isa isaID, dst, x []T, alpha T) {
	forwardEntry(isa, dst, x, alpha) // the kernels take n = 0
}

// forwardMisused reports whether a Forward call breaks its rules
// (forwardMisuse says which).
func forwardMisused[T Float](dst, x []T) bool {
	return len(dst) != len(x) || partlyOverlaps(dst, x)
}

// forwardOK reports whether a Forward call goes straight to its kernel:
// one test, inlined into forwardEntry, so that the call runs one Go
// function before the kernel (A/B, shared n = 16: see forwardEntry's
// generator, spec.Entries). The others go to forwardOutOfLine.
func forwardOK[T Float](dst, x []T, alpha T) bool {
	// forwardMisused and large, written out with no generic call, which
	// would cost too much for the inliner's budget.
	n := len(x)
	bytes := uintptr(n) * unsafe.Sizeof(alpha)
	if len(dst) != n || bytes >= uintptr(parallelBytes) ||
		straddles(unsafe.Pointer(unsafe.SliceData(dst)), unsafe.Pointer(unsafe.SliceData(x)), bytes) {
		return false
	}
	if raceEnabled { // a constant: the inliner counts no calls without -race
		raceCall(dst, nil, nil, x, nil)
	}
	return true
}

// forwardOutOfLine is Forward's misuse and large calls. With them in line,
// forward spilled all nine words of its arguments on every call.
//
//go:noinline
func forwardOutOfLine[T Float](isa isaID, dst, x []T, alpha T) {
	if forwardMisused(dst, x) {
		forwardMisuse(dst, x)
	}
	raceCall(dst, nil, nil, x, nil)
	if _, ok := runLarge(isa, opForward, dst, nil, x, nil, nil, alpha, 1); ok {
		return
	}
	forwardKernel(isa, dst, x, alpha)
}

func forwardChannels[T Float](isa isaID, dst, x, alpha []T, inner int) {
	if n := len(x); inner == 1 && (n == len(alpha) || len(alpha) == 1) && len(dst) == n && n > 0 &&
		!partlyOverlaps(dst, x) && !overlaps(dst, alpha) && !large[T](n) {
		// A single channel-last row (a fully connected layer at batch
		// 1), or one slope, first: they need fewer checks (no layoutOK),
		// and every plan gives them these kernels (patternFirst). FC 1x16
		// forward 13.6 -> 11.4 ns a call, 1x128 18.8 -> 16.7
		// (interleaved rounds).
		raceCall(dst, nil, nil, x, alpha)
		if len(alpha) == 1 {
			forwardKernel(isa, dst, x, alpha[0])
		} else {
			forwardPatternKernel(isa, dst, x, alpha)
		}
		return
	}
	misused := len(dst) != len(x) || partlyOverlaps(dst, x) || overlaps(dst, alpha) || !layoutOK(len(x), len(alpha), inner)
	if misused || len(x) == 0 || large[T](len(x)) {
		forwardChannelsOutOfLine(isa, misused, dst, x, alpha, inner)
		return
	}
	raceCall(dst, nil, nil, x, alpha)
	switch {
	case len(alpha) == 1:
		forwardKernel(isa, dst, x, alpha[0]) // one slope, without a plan (see backwardChannels)
	case patternFirst(isa, len(x), len(alpha), inner, sizeOf[T]()):
		// planChannels' first choice, without a plan (see patternFirst).
		forwardPatternKernel(isa, dst, x, alpha)
	case smallPlanesFit(isa, len(x), len(alpha), inner, sizeOf[T](), false):
		// planChannels' choice for small planes, without a plan too.
		forwardSmallPlanesKernel(isa, dst, x, alpha, inner)
	case ringRowsFirst(isa, len(alpha), inner, sizeOf[T]()):
		forwardRingKernel(isa, dst, x, alpha, inner) // and for rows of a short period
	case planesFirst(isa, len(x), len(alpha), inner, sizeOf[T]()):
		forwardPlanesKernel(isa, dst, x, alpha, inner) // and for planes it takes
	default:
		forwardChannelsOf(isa, dst, x, alpha, inner)
	}
}

// forwardChannelsOutOfLine is forwardChannels' misuse, empty and large
// calls (see forwardOutOfLine).
//
//go:noinline
func forwardChannelsOutOfLine[T Float](isa isaID, misused bool, dst, x, alpha []T, inner int) {
	if misused {
		forwardChannelsMisuse(dst, x, alpha, inner)
	}
	if len(x) == 0 {
		return
	}
	raceCall(dst, nil, nil, x, alpha)
	if _, ok := runLarge(isa, opForward, dst, nil, x, alpha, nil, 0, inner); ok {
		return
	}
	forwardChannelsOf(isa, dst, x, alpha, inner)
}

// forwardChannelsOf runs the kernel the plan chooses.
func forwardChannelsOf[T Float](isa isaID, dst, x, alpha []T, inner int) {
	switch planChannels[T](isa, len(x), len(alpha), inner, false) {
	case planShared:
		forwardKernel(isa, dst, x, alpha[0])
	case planRing:
		forwardRingKernel(isa, dst, x, alpha, inner)
	case planSmallPlanes:
		forwardSmallPlanesKernel(isa, dst, x, alpha, inner)
	case planExpanded:
		forwardExpanded(isa, dst, x, alpha, inner)
	case planPattern:
		forwardPatternKernel(isa, dst, x, alpha)
	default:
		forwardPlanesKernel(isa, dst, x, alpha, inner)
	}
}

// forwardMisuse panics with the message for Forward's misuse.
//
//go:noinline
func forwardMisuse[T Float](dst, x []T) {
	checkLen("dst", dst, "x", len(x))
	checkAlias("dst", dst, "x", x)
	misused()
}

// forwardChannelsMisuse panics with the message for ForwardChannels'
// misuse.
//
//go:noinline
func forwardChannelsMisuse[T Float](dst, x, alpha []T, inner int) {
	checkLen("dst", dst, "x", len(x))
	checkAlias("dst", dst, "x", x)
	checkDisjoint("dst", dst, "alpha", alpha)
	checkLayout(len(x), len(alpha), inner)
	misused()
}
