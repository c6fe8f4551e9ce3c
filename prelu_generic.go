package prelu

// This file is the specification: the pure-Go kernels that every SIMD kernel
// must match, and the fallback where there is no SIMD. They have the
// signatures of the assembly kernels (see asm/spec) and run through the same
// channel planning.

// forwardOne is PReLU of one element. The comparison is ordered, so NaN and
// both zeros take the slope branch.
func forwardOne[E elems](x, alpha E) E {
	if x > 0 {
		return x
	}
	return alpha * x
}

// product is the slope gradient's term dy*x in float64. For float32 data it
// is exact; the explicit conversion keeps the compiler from fusing it with
// the addition that follows, so every platform rounds alike.
func product[E elems](dy, x E) float64 {
	return float64(float64(dy) * float64(x))
}

func forwardGeneric[E elems](dst, x []E, alpha E) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = forwardOne(v, alpha)
	}
}

func forwardPlanesGeneric[E elems](dst, x, alpha []E, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		forwardGeneric(dst[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func forwardPatternGeneric[E elems](dst, x, pattern []E) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		out := dst[i : i+len(row)]
		for j, v := range row {
			out[j] = forwardOne(v, pattern[j])
		}
	}
}

func backwardGeneric[E elems](dx, dy, x []E, alpha E) float64 {
	dx, dy = dx[:len(x)], dy[:len(x)]
	sum := 0.0
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			sum += product(dy[i], v) // before dx[i]: dx may be dy
			dx[i] = alpha * dy[i]
		}
	}
	return sum
}

func backwardDxGeneric[E elems](dx, dy, x []E, alpha E) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = alpha * dy[i]
		}
	}
}

func backwardDalphaGeneric[E elems](dy, x []E) float64 {
	dy = dy[:len(x)]
	sum := 0.0
	for i, v := range x {
		if !(v > 0) {
			sum += product(dy[i], v)
		}
	}
	return sum
}

func backwardPlanesGeneric[E elems](dx, dy, x, alpha []E, acc []float64, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		acc[c] += backwardGeneric(dx[p:p+inner], dy[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func backwardPlanesDxGeneric[E elems](dx, dy, x, alpha []E, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		backwardDxGeneric(dx[p:p+inner], dy[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func backwardPlanesDalphaGeneric[E elems](dy, x []E, acc []float64, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		acc[c] += backwardDalphaGeneric(dy[p:p+inner], x[p:p+inner])
		if c++; c == len(acc) {
			c = 0
		}
	}
}

func backwardPatternGeneric[E elems](dx, dy, x, pattern []E, acc []float64) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		for j, v := range row {
			if v > 0 {
				dx[i+j] = dy[i+j]
			} else {
				acc[j] += product(dy[i+j], v) // before dx: dx may be dy
				dx[i+j] = pattern[j] * dy[i+j]
			}
		}
	}
}

func backwardPatternDxGeneric[E elems](dx, dy, x, pattern []E) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		for j, v := range row {
			if v > 0 {
				dx[i+j] = dy[i+j]
			} else {
				dx[i+j] = pattern[j] * dy[i+j]
			}
		}
	}
}

func backwardPatternDalphaGeneric[E elems](dy, x []E, acc []float64) {
	for i := 0; i < len(x); i += len(acc) {
		row := x[i:min(i+len(acc), len(x))]
		for j, v := range row {
			if !(v > 0) {
				acc[j] += product(dy[i+j], v)
			}
		}
	}
}
