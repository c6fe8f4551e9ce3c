package prelu

import "math"

// This file is the specification: the pure-Go kernels that every SIMD kernel
// must match, and the fallback where there is no SIMD. They have the
// signatures of the assembly kernels (see asm/spec) and run through the same
// channel planning.

// forwardOne is PReLU of one element. The comparison is ordered, so NaN and
// both zeros take the slope branch.
func forwardOne[E Float](x, alpha E) E {
	return pick(x, x, alpha*x)
}

// pick returns pass where x > 0, else slope. The choice is made on the
// bits, not with a branch: activations have random signs, and a mispredicted
// branch per element costs more than the rest of the work (a select of
// integers compiles to a conditional move).
func pick[E Float](x, pass, slope E) E {
	if isFloat32[E]() {
		m := passMask32(x)
		return E(math.Float32frombits(math.Float32bits(float32(pass))&m | math.Float32bits(float32(slope))&^m))
	}
	m := passMask64(x)
	return E(math.Float64frombits(math.Float64bits(float64(pass))&m | math.Float64bits(float64(slope))&^m))
}

// slopeTerm is term where !(x > 0), else +0: the slope gradient's summand.
func slopeTerm[E Float](x E, term float64) float64 {
	var m uint64
	if isFloat32[E]() {
		m = uint64(passMask32(x))<<32 | uint64(passMask32(x))
	} else {
		m = passMask64(x)
	}
	return math.Float64frombits(math.Float64bits(term) &^ m)
}

func passMask32[E Float](x E) uint32 {
	var m uint32
	if x > 0 {
		m = ^uint32(0)
	}
	return m
}

func passMask64[E Float](x E) uint64 {
	var m uint64
	if x > 0 {
		m = ^uint64(0)
	}
	return m
}

// product is the slope gradient's term dy*x in float64. For float32 data it
// is exact; the explicit conversion keeps the compiler from fusing it with
// the addition that follows, so every platform rounds alike.
func product[E Float](dy, x E) float64 {
	return float64(float64(dy) * float64(x))
}

func forwardGeneric[E Float](dst, x []E, alpha E) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = forwardOne(v, alpha)
	}
}

func forwardPlanesGeneric[E Float](dst, x, alpha []E, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		forwardGeneric(dst[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func forwardPatternGeneric[E Float](dst, x, pattern []E) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		out := dst[i : i+len(row)]
		for j, v := range row {
			out[j] = forwardOne(v, pattern[j])
		}
	}
}

func backwardGeneric[E Float](dx, dy, x []E, alpha E) float64 {
	dx, dy = dx[:len(x)], dy[:len(x)]
	sum := 0.0
	for i, v := range x {
		d := dy[i] // read before writing dx[i]: dx may be dy
		sum += slopeTerm(v, product(d, v))
		dx[i] = pick(v, d, alpha*d)
	}
	return sum
}

func backwardDxGeneric[E Float](dx, dy, x []E, alpha E) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		dx[i] = pick(v, dy[i], alpha*dy[i])
	}
}

func backwardDalphaGeneric[E Float](dy, x []E) float64 {
	dy = dy[:len(x)]
	sum := 0.0
	for i, v := range x {
		sum += slopeTerm(v, product(dy[i], v))
	}
	return sum
}

func backwardPlanesGeneric[E Float](dx, dy, x, alpha []E, acc []float64, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		acc[c] += backwardGeneric(dx[p:p+inner], dy[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func backwardPlanesDxGeneric[E Float](dx, dy, x, alpha []E, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		backwardDxGeneric(dx[p:p+inner], dy[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func backwardPlanesDalphaGeneric[E Float](dy, x []E, acc []float64, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		acc[c] += backwardDalphaGeneric(dy[p:p+inner], x[p:p+inner])
		if c++; c == len(acc) {
			c = 0
		}
	}
}

func backwardPatternGeneric[E Float](dx, dy, x, pattern []E, acc []float64) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		for j, v := range row {
			d := dy[i+j] // read before writing dx: dx may be dy
			acc[j] += slopeTerm(v, product(d, v))
			dx[i+j] = pick(v, d, pattern[j]*d)
		}
	}
}

func backwardPatternDxGeneric[E Float](dx, dy, x, pattern []E) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		for j, v := range row {
			dx[i+j] = pick(v, dy[i+j], pattern[j]*dy[i+j])
		}
	}
}

func backwardPatternDalphaGeneric[E Float](dy, x []E, acc []float64) {
	for i := 0; i < len(x); i += len(acc) {
		row := x[i:min(i+len(acc), len(x))]
		for j, v := range row {
			acc[j] += slopeTerm(v, product(dy[i+j], v))
		}
	}
}

// The Ring kernels have the slopes of the planes kernels; the ring is how
// the assembly lays them out. They add each channel's sum to dalpha, in
// float64, rounding once.

func forwardRingGeneric[E Float](dst, x, alpha []E, inner int) {
	forwardPlanesGeneric(dst, x, alpha, inner)
}

func backwardRingDxGeneric[E Float](dx, dy, x, alpha []E, inner int) {
	backwardPlanesDxGeneric(dx, dy, x, alpha, inner)
}

func backwardRingGeneric[E Float](dx, dy, x, alpha, dalpha []E, inner int) {
	period := len(alpha) * inner
	for c, a := range alpha {
		sum := 0.0
		for p := c * inner; p < len(x); p += period {
			sum += backwardGeneric(dx[p:p+inner], dy[p:p+inner], x[p:p+inner], a)
		}
		dalpha[c] = E(float64(dalpha[c]) + sum)
	}
}

func backwardRingDalphaGeneric[E Float](dy, x, dalpha []E, inner int) {
	period := len(dalpha) * inner
	for c := range dalpha {
		sum := 0.0
		for p := c * inner; p < len(x); p += period {
			sum += backwardDalphaGeneric(dy[p:p+inner], x[p:p+inner])
		}
		dalpha[c] = E(float64(dalpha[c]) + sum)
	}
}

// The Rows kernels are the Ring kernels' slope gradients of channel-last
// rows, summed over every row in registers where an ISA has them.

func backwardRowsGeneric[E Float](dx, dy, x, alpha, dalpha []E) {
	backwardRingGeneric(dx, dy, x, alpha, dalpha, 1)
}

func backwardRowsDalphaGeneric[E Float](dy, x, dalpha []E) {
	backwardRingDalphaGeneric(dy, x, dalpha, 1)
}

// The SmallPlanes kernels have the slopes and sums of the Ring kernels;
// permuting the slopes into place is how the assembly finds them.

func forwardSmallPlanesGeneric[E Float](dst, x, alpha []E, inner int) {
	forwardRingGeneric(dst, x, alpha, inner)
}

func backwardSmallPlanesGeneric[E Float](dx, dy, x, alpha, dalpha []E, inner int) {
	backwardRingGeneric(dx, dy, x, alpha, dalpha, inner)
}

func backwardSmallPlanesDxGeneric[E Float](dx, dy, x, alpha []E, inner int) {
	backwardRingDxGeneric(dx, dy, x, alpha, inner)
}

func backwardSmallPlanesDalphaGeneric[E Float](dy, x, dalpha []E, inner int) {
	backwardRingDalphaGeneric(dy, x, dalpha, inner)
}
