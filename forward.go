package prelu

// forward is Forward on a given implementation: the tests call it once per
// ISA, the exported function with the one chosen at init.
func forward[T Float](isa isaID, dst, x []T, alpha T) {
	checkLen("dst", dst, "x", len(x))
	checkAlias("dst", dst, "x", x)
	if len(x) == 0 {
		return
	}
	raceRead(x)
	raceWrite(dst)
	if isFloat32[T]() {
		forwardKernel(isa, as[float32](dst), as[float32](x), float32(alpha))
	} else {
		forwardKernel(isa, as[float64](dst), as[float64](x), float64(alpha))
	}
}

func forwardChannels[T Float](isa isaID, dst, x, alpha []T, inner int) {
	checkLen("dst", dst, "x", len(x))
	checkAlias("dst", dst, "x", x)
	checkDisjoint("dst", dst, "alpha", alpha)
	checkLayout(len(x), len(alpha), inner)
	if len(x) == 0 {
		return
	}
	raceRead(x)
	raceRead(alpha)
	raceWrite(dst)
	if isFloat32[T]() {
		forwardChannelsOf(isa, as[float32](dst), as[float32](x), as[float32](alpha), inner)
	} else {
		forwardChannelsOf(isa, as[float64](dst), as[float64](x), as[float64](alpha), inner)
	}
}

func forwardChannelsOf[E elems](isa isaID, dst, x, alpha []E, inner int) {
	n, ok := patternLength(len(alpha), inner, lanes(isa, sizeOf[E]()), len(x), wideScratch)
	switch {
	case !ok:
		forwardPlanesKernel(isa, dst, x, alpha, inner)
	case n == len(alpha):
		forwardPatternKernel(isa, dst, x, alpha)
	default:
		var buf [wideScratch]E
		forwardPatternKernel(isa, dst, x, expand(buf[:n], alpha, inner))
	}
}
