package prelu

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// forEachISA runs body once per implementation this CPU supports (generic
// included), as subtests named by ISA, and logs the compiled ISAs it had to
// skip because the CPU lacks a feature.
func forEachISA(t *testing.T, body func(t *testing.T, isa isaID)) {
	t.Helper()
	for _, id := range compiled {
		if !cpuid.CPU.Supports(requires[id]...) {
			t.Logf("skipping %v: this CPU lacks one of %v", id, requires[id])
		}
	}
	for _, isa := range supported {
		exercised.Store(isa.String(), true)
		t.Run(isa.String(), func(t *testing.T) { body(t, isa) })
	}
}

// exercised records every ISA a test ran, for TestMain's report.
var exercised sync.Map

// TestMain writes the ISAs the tests exercised to $PRELU_ISA_REPORT, so that
// CI can fail a run that silently tested only the generic code.
func TestMain(m *testing.M) {
	code := m.Run()
	if path := os.Getenv("PRELU_ISA_REPORT"); path != "" {
		var names []string
		exercised.Range(func(k, _ any) bool { names = append(names, k.(string)); return true })
		sort.Strings(names)
		if err := os.WriteFile(path, []byte(strings.Join(names, " ")+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// sameBits reports whether two results are identical, counting any two NaNs
// as equal (a NaN result only has to be a NaN).
func sameBits[T Float](a, b T) bool {
	if a != a && b != b {
		return true
	}
	if isFloat32[T]() {
		return math.Float32bits(float32(a)) == math.Float32bits(float32(b))
	}
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b))
}

// oracle is the definition, written independently of the library's code.
func oracle[T Float](x, alpha T) T {
	if x > 0 {
		return x
	}
	return alpha * x
}

// requireSameSlice fails on the first element that is not bit-identical.
func requireSameSlice[T Float](t *testing.T, want, got []T, what string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !sameBits(want[i], got[i]) {
			t.Fatalf("%s: element %d of %d is %v (%#x), want %v (%#x)", what, i, len(want), got[i], bitsOf(got[i]), want[i], bitsOf(want[i]))
		}
	}
}

func bitsOf[T Float](v T) uint64 {
	if isFloat32[T]() {
		return uint64(math.Float32bits(float32(v)))
	}
	return math.Float64bits(float64(v))
}

// Values that must be common in test data.
func specials[T Float]() []T {
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
func slopes[T Float]() []T {
	tiny := math.SmallestNonzeroFloat64
	sub := T(tiny)
	if isFloat32[T]() {
		sub = T(math.SmallestNonzeroFloat32)
	}
	return []T{0, 0.25, 1, -0.5, 2, T(math.NaN()), T(math.Inf(1)), sub}
}

// fillSpecial fills s with a mix of special values and random ones.
func fillSpecial[T Float](rng *rand.Rand, s []T) {
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
func fillFinite[T Float](rng *rand.Rand, s []T) {
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
func exactSum[T Float](dy, x []T, start float64) sumCheck {
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
	if float32Result && math.IsInf(got, 0) {
		// A float64 sum within n*2^-53*sum|dy*x| of the exact one rounds to
		// an Inf in float32 when it reaches float32's overflow threshold on
		// that side. Where products cancel, that side need not be the exact
		// sum's (found by fuzzing: exact -1.3e39, the pure-Go code +Inf).
		const overflow = 0x1p128 - 0x1p103 // MaxFloat32 and half its ulp
		e := n * 0x1p-53 * s.abs
		if (got > 0 && exact+e >= overflow) || (got < 0 && exact-e <= -overflow) {
			return nil
		}
		return fmt.Errorf("got %v, exact %v: no float64 sum within %g (%d terms, sum|dy*x| = %g) rounds to it", got, exact, e, s.terms, s.abs)
	}
	var bound float64
	if float32Result {
		bound = ulp32(exact) + n*0x1p-53*s.abs
		if r := float32(exact); math.IsInf(float64(r), 0) {
			// A float64 sum within the bound may still be finite in
			// float32 where products cancel (found by fuzzing: +-1.2e77
			// beside -2.6e39, exact -2.6e39, every ISA and the pure-Go
			// code 0): then it is held to the bound as any finite result
			// is, from the largest float32's ulp. Where the bound is
			// smaller than the overflow, only the Inf passes.
			bound = ulp32(math.MaxFloat32) + n*0x1p-53*s.abs
		}
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

// window returns n elements of a fresh buffer starting off elements in, so
// that kernels see every alignment.
func window[T Float](n, off int) []T {
	return make([]T, n+off+1)[off : off+n : off+n]
}

// expandFrom makes the Expanded plan take the layouts it fits from bytes
// of x, for one test.
func expandFrom(t testing.TB, bytes int) {
	saved := expandMinBytes
	expandMinBytes = bytes
	t.Cleanup(func() { expandMinBytes = saved })
}

// eachPlanning runs body twice: with the planner as it is, and with the
// Expanded plan taking every layout it fits (small ones included), so that
// the reference tests run it too.
func eachPlanning(t *testing.T, body func(t *testing.T)) {
	t.Run("plans", body)
	t.Run("expanded", func(t *testing.T) {
		expandFrom(t, 0)
		body(t)
	})
}
