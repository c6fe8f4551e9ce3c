package emu

// The reference semantics, copied from the library's specification so that
// this module does not depend on the library:
//
//   - the kernels below: prelu_generic.go (github.com/prelu-go/prelu), at
//     the commit this file was written against, with Float renamed to
//     float and isFloat32 from convert.go;
//   - sumCheck, exactSum, ulp32, specials, slopes, fillSpecial, fillFinite:
//     helpers_test.go of the same package.
//
// If the library's specification changes, update this copy; the tests of
// the root package check the library against the same functions.

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"unsafe"
)

type float interface{ ~float32 | ~float64 }

func isFloat32[E float]() bool {
	var zero E
	return unsafe.Sizeof(zero) == 4
}

// ---- prelu_generic.go ----
// forwardOne is PReLU of one element. The comparison is ordered, so NaN and
// both zeros take the slope branch.
func forwardOne[E float](x, alpha E) E {
	return pick(x, x, alpha*x)
}

// pick returns pass where x > 0, else slope. The choice is made on the
// bits, not with a branch: activations have random signs, and a mispredicted
// branch per element costs more than the rest of the work (a select of
// integers compiles to a conditional move).
func pick[E float](x, pass, slope E) E {
	if isFloat32[E]() {
		m := passMask32(x)
		return E(math.Float32frombits(math.Float32bits(float32(pass))&m | math.Float32bits(float32(slope))&^m))
	}
	m := passMask64(x)
	return E(math.Float64frombits(math.Float64bits(float64(pass))&m | math.Float64bits(float64(slope))&^m))
}

// slopeTerm is term where !(x > 0), else +0: the slope gradient's summand.
func slopeTerm[E float](x E, term float64) float64 {
	var m uint64
	if isFloat32[E]() {
		m = uint64(passMask32(x))<<32 | uint64(passMask32(x))
	} else {
		m = passMask64(x)
	}
	return math.Float64frombits(math.Float64bits(term) &^ m)
}

func passMask32[E float](x E) uint32 {
	var m uint32
	if x > 0 {
		m = ^uint32(0)
	}
	return m
}

func passMask64[E float](x E) uint64 {
	var m uint64
	if x > 0 {
		m = ^uint64(0)
	}
	return m
}

// product is the slope gradient's term dy*x in float64. For float32 data it
// is exact; the explicit conversion keeps the compiler from fusing it with
// the addition that follows, so every platform rounds alike.
func product[E float](dy, x E) float64 {
	return float64(float64(dy) * float64(x))
}

func forwardGeneric[E float](dst, x []E, alpha E) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = forwardOne(v, alpha)
	}
}

func forwardPlanesGeneric[E float](dst, x, alpha []E, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		forwardGeneric(dst[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func forwardPatternGeneric[E float](dst, x, pattern []E) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		out := dst[i : i+len(row)]
		for j, v := range row {
			out[j] = forwardOne(v, pattern[j])
		}
	}
}

func backwardGeneric[E float](dx, dy, x []E, alpha E) float64 {
	dx, dy = dx[:len(x)], dy[:len(x)]
	sum := 0.0
	for i, v := range x {
		d := dy[i] // read before writing dx[i]: dx may be dy
		sum += slopeTerm(v, product(d, v))
		dx[i] = pick(v, d, alpha*d)
	}
	return sum
}

func backwardDxGeneric[E float](dx, dy, x []E, alpha E) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		dx[i] = pick(v, dy[i], alpha*dy[i])
	}
}

func backwardDalphaGeneric[E float](dy, x []E) float64 {
	dy = dy[:len(x)]
	sum := 0.0
	for i, v := range x {
		sum += slopeTerm(v, product(dy[i], v))
	}
	return sum
}

func backwardPlanesGeneric[E float](dx, dy, x, alpha []E, acc []float64, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		acc[c] += backwardGeneric(dx[p:p+inner], dy[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func backwardPlanesDxGeneric[E float](dx, dy, x, alpha []E, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		backwardDxGeneric(dx[p:p+inner], dy[p:p+inner], x[p:p+inner], alpha[c])
		if c++; c == len(alpha) {
			c = 0
		}
	}
}

func backwardPlanesDalphaGeneric[E float](dy, x []E, acc []float64, inner int) {
	for p, c := 0, 0; p < len(x); p += inner {
		acc[c] += backwardDalphaGeneric(dy[p:p+inner], x[p:p+inner])
		if c++; c == len(acc) {
			c = 0
		}
	}
}

func backwardPatternGeneric[E float](dx, dy, x, pattern []E, acc []float64) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		for j, v := range row {
			d := dy[i+j] // read before writing dx: dx may be dy
			acc[j] += slopeTerm(v, product(d, v))
			dx[i+j] = pick(v, d, pattern[j]*d)
		}
	}
}

func backwardPatternDxGeneric[E float](dx, dy, x, pattern []E) {
	for i := 0; i < len(x); i += len(pattern) {
		row := x[i:min(i+len(pattern), len(x))]
		for j, v := range row {
			dx[i+j] = pick(v, dy[i+j], pattern[j]*dy[i+j])
		}
	}
}

func backwardPatternDalphaGeneric[E float](dy, x []E, acc []float64) {
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

func forwardRingGeneric[E float](dst, x, alpha []E, inner int) {
	forwardPlanesGeneric(dst, x, alpha, inner)
}

func backwardRingDxGeneric[E float](dx, dy, x, alpha []E, inner int) {
	backwardPlanesDxGeneric(dx, dy, x, alpha, inner)
}

func backwardRingGeneric[E float](dx, dy, x, alpha, dalpha []E, inner int) {
	period := len(alpha) * inner
	for c, a := range alpha {
		sum := 0.0
		for p := c * inner; p < len(x); p += period {
			sum += backwardGeneric(dx[p:p+inner], dy[p:p+inner], x[p:p+inner], a)
		}
		dalpha[c] = E(float64(dalpha[c]) + sum)
	}
}

func backwardRingDalphaGeneric[E float](dy, x, dalpha []E, inner int) {
	period := len(dalpha) * inner
	for c := range dalpha {
		sum := 0.0
		for p := c * inner; p < len(x); p += period {
			sum += backwardDalphaGeneric(dy[p:p+inner], x[p:p+inner])
		}
		dalpha[c] = E(float64(dalpha[c]) + sum)
	}
}

// ---- helpers_test.go ----

// Values that must be common in test data.
func specials[T float]() []T {
	if isFloat32[T]() {
		return []T{0, T(math.Copysign(0, -1)), T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1)),
			T(math.SmallestNonzeroFloat32), -T(math.SmallestNonzeroFloat32),
			T(math.Float32frombits(0x007fffff)), -T(math.Float32frombits(0x007fffff)),
			T(math.MaxFloat32), -T(math.MaxFloat32), 1e-30, -1e-30, 1, -1}
	}
	tiny, largest, small := math.SmallestNonzeroFloat64, math.MaxFloat64, 1e-300
	return []T{0, T(math.Copysign(0, -1)), T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1)),
		T(tiny), -T(tiny),
		T(math.Float64frombits(0x000fffffffffffff)), -T(math.Float64frombits(0x000fffffffffffff)),
		T(largest), -T(largest), T(small), -T(small), 1, -1}
}

// slopes are the slopes every kernel is tested with.
func slopes[T float]() []T {
	tiny := math.SmallestNonzeroFloat64
	sub := T(tiny)
	if isFloat32[T]() {
		sub = T(math.SmallestNonzeroFloat32)
	}
	return []T{0, 0.25, 1, -0.5, 2, T(math.NaN()), T(math.Inf(1)), sub}
}

// fillSpecial fills s with a mix of special values and random ones.
func fillSpecial[T float](rng *rand.Rand, s []T) {
	sp := specials[T]()
	for i := range s {
		if rng.IntN(3) == 0 {
			s[i] = sp[rng.IntN(len(sp))]
		} else {
			s[i] = T(rng.NormFloat64())
		}
	}
}

// fillFinite fills s with finite values of widely varying magnitude, zeros
// and subnormals included, whose products and sums stay finite.
func fillFinite[T float](rng *rand.Rand, s []T) {
	tiny, huge := math.SmallestNonzeroFloat64, 1e150
	sub, big := T(tiny)*7, T(huge)
	if isFloat32[T]() {
		sub, big = T(math.SmallestNonzeroFloat32)*7, 1e18
	}
	for i := range s {
		switch rng.IntN(10) {
		case 0:
			s[i] = 0
		case 1:
			s[i] = T(math.Copysign(0, -1))
		case 2:
			s[i] = sub * T(rng.IntN(100)-50)
		case 3:
			s[i] = big * T(rng.NormFloat64())
		default:
			s[i] = T(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(40)-20)))
		}
	}
}

// sumCheck holds the exact slope gradient of some data and the bound the
// library's float64 summation is held to.
type sumCheck struct {
	nan, posInf, negInf bool
	huge                bool       // float64 products near overflow: see check
	exact               *big.Float // when finite
	nearest, residual   float64    // exact = nearest + residual, to within a rounding of residual
	terms               int
	abs                 float64 // sum of |dy*x| (rounded up a little; only for the bound)
}

// exactSum computes sum over !(x > 0) of dy*x exactly, plus start.
func exactSum[T float](dy, x []T, start float64) sumCheck {
	s := sumCheck{exact: new(big.Float).SetPrec(4096), terms: 1, abs: math.Abs(start)}
	s.exact.SetFloat64(start)
	for i, v := range x {
		if v > 0 {
			continue
		}
		a, b := float64(dy[i]), float64(v)
		switch {
		case math.IsNaN(a) || math.IsNaN(b) || (math.IsInf(a, 0) && b == 0) || (math.IsInf(b, 0) && a == 0):
			s.nan = true
		case math.IsInf(a, 0) || math.IsInf(b, 0):
			if (a > 0) == (b > 0) {
				s.posInf = true
			} else {
				s.negInf = true
			}
		default:
			if p := math.Abs(a * b); p > 0x1p1000 {
				s.huge = true
			}
			p := new(big.Float).SetPrec(4096).Mul(big.NewFloat(a), big.NewFloat(b))
			s.exact.Add(s.exact, p)
			s.abs += math.Abs(a * b)
			s.terms++
		}
	}
	if s.posInf && s.negInf {
		s.nan = true
	}
	s.nearest, _ = s.exact.Float64()
	s.residual, _ = new(big.Float).Sub(s.exact, new(big.Float).SetFloat64(s.nearest)).Float64()
	return s
}

// check reports whether got is the slope gradient within the bound of the
// backward issue: for float32, one float32 ulp of the exact sum plus
// n*2^-53*sum|dy*x|; for float64, 2*n*2^-53*sum|dy*x| plus n*2^-1074 for
// products that underflow.
func (s sumCheck) check(got float64, float32Result bool) error {
	switch {
	case s.huge && !float32Result:
		// Sums of float64 products near overflow depend on the order of
		// summation and on whether the product is rounded before the add
		// (FMA): any result is one of the valid ones.
		return nil
	case s.nan:
		if !math.IsNaN(got) {
			return fmt.Errorf("got %v, want NaN", got)
		}
		return nil
	case s.posInf || s.negInf:
		want := math.Inf(1)
		if s.negInf {
			want = math.Inf(-1)
		}
		if got != want {
			return fmt.Errorf("got %v, want %v", got, want)
		}
		return nil
	}
	exact := s.nearest
	n := float64(s.terms)
	var bound float64
	if float32Result {
		if r := float32(exact); math.IsInf(float64(r), 0) {
			if got != float64(r) {
				return fmt.Errorf("got %v, want %v (the exact sum %v overflows float32)", got, r, exact)
			}
			return nil
		}
		bound = ulp32(exact) + n*0x1p-53*s.abs
	} else {
		// Plus n smallest subnormals: a product that underflows is off by
		// an absolute, not a relative, 2^-1075 (found by fuzzing), which
		// no relative term covers; 2^-1075 itself is not a float64.
		bound = 2*n*0x1p-53*s.abs + n*0x1p-1074
	}
	if math.IsNaN(got) || math.IsInf(got, 0) {
		return fmt.Errorf("got %v, want %v", got, exact)
	}
	// got - nearest is exact when they are close (Sterbenz), and the
	// residual is far below any bound.
	d := (got - s.nearest) - s.residual
	if math.Abs(d) > bound {
		return fmt.Errorf("got %v, exact %v: error %g exceeds bound %g (%d terms, sum|dy*x| = %g)", got, exact, math.Abs(d), bound, s.terms, s.abs)
	}
	return nil
}

// ulp32 is the spacing of float32 values at |v|.
func ulp32(v float64) float64 {
	f := float32(math.Abs(v))
	if f == math.MaxFloat32 {
		return float64(f - math.Nextafter32(f, 0))
	}
	return float64(math.Nextafter32(f, math.MaxFloat32) - f)
}
