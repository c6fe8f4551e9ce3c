package prelu

// forward is Forward on a given implementation: the tests call it once per
// ISA, the exported function with the one chosen at init.
func forward[T Float](isa isaID, dst, x []T, alpha T) {
	// One test and one call on the fast path; misuse and large calls out
	// of line, so that nothing is kept across a call (A/B, shared n = 16:
	// see forwardOutOfLine).
	misused := len(dst) != len(x) || partlyOverlaps(dst, x)
	if misused || large[T](len(x)) {
		forwardOutOfLine(isa, misused, dst, x, alpha)
		return
	}
	raceRead(x)
	raceWrite(dst)
	forwardKernel(isa, dst, x, alpha) // the kernels take n = 0
}

// forwardOutOfLine is forward's misuse and large calls. With them in
// line, forward spilled all nine words of its arguments on every call.
//
//go:noinline
func forwardOutOfLine[T Float](isa isaID, misused bool, dst, x []T, alpha T) {
	if misused {
		forwardMisuse(dst, x)
	}
	raceRead(x)
	raceWrite(dst)
	if _, ok := runLarge(isa, opForward, dst, nil, x, nil, nil, alpha, 1); ok {
		return
	}
	forwardKernel(isa, dst, x, alpha)
}

func forwardChannels[T Float](isa isaID, dst, x, alpha []T, inner int) {
	misused := len(dst) != len(x) || partlyOverlaps(dst, x) || overlaps(dst, alpha) || !layoutOK(len(x), len(alpha), inner)
	if misused || len(x) == 0 || large[T](len(x)) {
		forwardChannelsOutOfLine(isa, misused, dst, x, alpha, inner)
		return
	}
	raceRead(x)
	raceRead(alpha)
	raceWrite(dst)
	switch {
	case len(alpha) == 1:
		forwardKernel(isa, dst, x, alpha[0]) // one slope, without a plan (see backwardChannels)
	case patternFirst(isa, len(x), len(alpha), inner, sizeOf[T]()):
		// planChannels' first choice, without a plan (see patternFirst).
		forwardPatternKernel(isa, dst, x, alpha)
	case smallPlanesFit(isa, len(x), len(alpha), inner, sizeOf[T](), false):
		// planChannels' choice for small planes, without a plan too.
		forwardSmallPlanesKernel(isa, dst, x, alpha, inner)
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
	raceRead(x)
	raceRead(alpha)
	raceWrite(dst)
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
