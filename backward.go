package prelu

func backward[T Float](isa isaID, dx, dy, x []T, alpha T) T {
	checkLen("dy", dy, "x", len(x))
	if dx != nil {
		checkLen("dx", dx, "x", len(x))
		checkAlias("dx", dx, "dy", dy)
		checkAlias("dx", dx, "x", x)
	}
	if len(x) == 0 {
		return 0
	}
	raceRead(dy)
	raceRead(x)
	raceWrite(dx)
	var sum float64
	if isFloat32[T]() {
		sum = backwardOf(isa, as[float32](dx), as[float32](dy), as[float32](x), float32(alpha))
	} else {
		sum = backwardOf(isa, as[float64](dx), as[float64](dy), as[float64](x), float64(alpha))
	}
	return T(sum)
}

func backwardOf[E elems](isa isaID, dx, dy, x []E, alpha E) float64 {
	if dx == nil {
		return backwardDalphaKernel(isa, dy, x)
	}
	return backwardKernel(isa, dx, dy, x, alpha)
}

func backwardChannels[T Float](isa isaID, dx, dalpha, dy, x, alpha []T, inner int) {
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
	if len(x) == 0 || dx == nil && dalpha == nil {
		return
	}
	raceRead(dy)
	raceRead(x)
	raceRead(alpha)
	raceWrite(dx)
	raceWrite(dalpha)
	if isFloat32[T]() {
		backwardChannelsOf(isa, as[float32](dx), as[float32](dalpha), as[float32](dy), as[float32](x), as[float32](alpha), inner)
	} else {
		backwardChannelsOf(isa, as[float64](dx), as[float64](dalpha), as[float64](dy), as[float64](x), as[float64](alpha), inner)
	}
}

func backwardChannelsOf[E elems](isa isaID, dx, dalpha, dy, x, alpha []E, inner int) {
	channels := len(alpha)
	if dalpha == nil {
		n, isPattern := patternLength(channels, inner, lanes(isa, sizeOf[E]()), len(x), wideScratch)
		switch {
		case !isPattern:
			backwardPlanesDxKernel(isa, dx, dy, x, alpha, inner)
		case n == channels:
			backwardPatternDxKernel(isa, dx, dy, x, alpha)
		default:
			var buf [wideScratch]E
			backwardPatternDxKernel(isa, dx, dy, x, expand(buf[:n], alpha, inner))
		}
		return
	}
	n, isPattern := patternLength(channels, inner, lanes(isa, sizeOf[E]()), len(x), scratch)
	var sums [scratch + accPad]float64
	if isPattern && n <= scratch {
		pattern := alpha
		var buf [scratch]E
		if n != channels {
			pattern = expand(buf[:n], alpha, inner)
		}
		acc := sums[:n]
		if dx == nil {
			backwardPatternDalphaKernel(isa, dy, x, acc)
		} else {
			backwardPatternKernel(isa, dx, dy, x, pattern, acc)
		}
		addSums(dalpha, foldPattern(acc, channels, inner))
		return
	}
	// Planes, or channel-last rows longer than scratch: the channels in
	// blocks whose float64 sums fit on the stack, each block summed over
	// every outer index before it is added to dalpha, so that each slope's
	// gradient is rounded once.
	outer := len(x) / (channels * inner)
	whole := channels <= scratch // then one call covers all of x
	rows := outer
	if whole {
		rows = 1
	}
	for c0 := 0; c0 < channels; c0 += scratch {
		c1 := min(c0+scratch, channels)
		acc := sums[:c1-c0]
		clear(acc)
		for o := range rows {
			lo, hi := 0, len(x)
			if !whole {
				lo, hi = (o*channels+c0)*inner, (o*channels+c1)*inner
			}
			dxp, dyp, xp, ap := part(dx, lo, hi), dy[lo:hi], x[lo:hi], alpha[c0:c1]
			switch {
			case inner == 1 && dx == nil:
				backwardPatternDalphaKernel(isa, dyp, xp, acc)
			case inner == 1:
				backwardPatternKernel(isa, dxp, dyp, xp, ap, acc)
			case dx == nil:
				backwardPlanesDalphaKernel(isa, dyp, xp, acc, inner)
			default:
				backwardPlanesKernel(isa, dxp, dyp, xp, ap, acc, inner)
			}
		}
		addSums(dalpha[c0:c1], acc)
	}
}
