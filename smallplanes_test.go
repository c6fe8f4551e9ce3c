package prelu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSmallPlanesKernels runs the SmallPlanes kernels directly, not only
// where the planner sends them: every plane size they take (1 to
// smallPlanesMax), channel counts that leave every count of planes past
// the last whole block and pair of blocks for both vector widths, the
// sums' groups of eight and four and single channels, and 0 to 4 rows,
// each at several alignments, out of place and in place over dy and over
// x, against the definition: the outputs bit for bit, the slope gradients
// against the exact sums within the bound, and the dalpha-only kernel's
// equal to the fused kernel's bit for bit (the same products in the same
// order). The emulator runs the same kernels of both ISAs against the
// reference; this runs those the CPU has natively.
func TestSmallPlanesKernels(t *testing.T) {
	t.Run("f32", testSmallPlanesKernels[float32])
	t.Run("f64", testSmallPlanesKernels[float64])
}

func testSmallPlanesKernels[T Float](t *testing.T) {
	ran := false
	forEachISA(t, func(t *testing.T, isa isaID) {
		if !smallPlanesKernels[isa] {
			t.Skipf("%v has no SmallPlanes kernels", isa)
		}
		ran = true
		rng := rand.New(rand.NewPCG(21, 22))
		var counts []int
		for c := 1; c <= 35; c++ {
			counts = append(counts, c)
		}
		counts = append(counts, 63, 100)
		for inner := 1; inner <= smallPlanesMax; inner++ {
			for _, channels := range counts {
				for outer := range 5 {
					smallPlanesCase[T](t, isa, rng, channels, inner, outer)
				}
			}
		}
	})
	if !ran {
		t.Skip("no ISA of this CPU and build has SmallPlanes kernels")
	}
}

func smallPlanesCase[T Float](t *testing.T, isa isaID, rng *rand.Rand, channels, inner, outer int) {
	n := outer * channels * inner
	what := fmt.Sprintf("%v %T C=%d inner=%d outer=%d", isa, T(0), channels, inner, outer)
	draw := func(k int) []T { // normal values and zeros of either sign, at any alignment
		s := window[T](k, rng.IntN(offsets))
		copy(s, layerData[T](rng, k))
		return s
	}
	x, dy, alpha, start := draw(n), draw(n), draw(channels), draw(channels)
	wantFwd, wantDx := make([]T, n), make([]T, n)
	for i := range x {
		wantFwd[i] = oracle(x[i], alpha[(i/inner)%channels])
		wantDx[i] = dxOracle(dy[i], x[i], alpha[(i/inner)%channels])
	}
	checkSums := func(dalpha []T, variant string) {
		t.Helper()
		for c := range dalpha {
			var chDy, chX []T
			for o := range outer {
				p := (o*channels + c) * inner
				chDy, chX = append(chDy, dy[p:p+inner]...), append(chX, x[p:p+inner]...)
			}
			if err := exactSum(chDy, chX, float64(start[c])).check(float64(dalpha[c]), isFloat32[T]()); err != nil {
				t.Fatalf("%s %s: dalpha[%d]: %v", what, variant, c, err)
			}
		}
	}

	clone := func(s []T) []T {
		c := window[T](len(s), rng.IntN(offsets))
		copy(c, s)
		return c
	}

	out := window[T](n, rng.IntN(offsets))
	forwardSmallPlanesKernel(isa, out, x, alpha, inner)
	requireSameSlice(t, wantFwd, out, what+" forward")
	inPlace := clone(x)
	forwardSmallPlanesKernel(isa, inPlace, inPlace, alpha, inner)
	requireSameSlice(t, wantFwd, inPlace, what+" forward in place")

	dx, dalpha := window[T](n, rng.IntN(offsets)), append([]T(nil), start...)
	backwardSmallPlanesKernel(isa, dx, dy, x, alpha, dalpha, inner)
	requireSameSlice(t, wantDx, dx, what+" backward dx")
	checkSums(dalpha, "backward")

	onlySums := append([]T(nil), start...)
	backwardSmallPlanesDalphaKernel(isa, dy, x, onlySums, inner)
	requireSameSlice(t, dalpha, onlySums, what+" dalpha only against the fused call")

	dxOnly := window[T](n, rng.IntN(offsets))
	backwardSmallPlanesDxKernel(isa, dxOnly, dy, x, alpha, inner)
	requireSameSlice(t, wantDx, dxOnly, what+" dx only")

	// In place: the sums are taken before dx overwrites dy or x.
	overDy, sumsOverDy := clone(dy), append([]T(nil), start...)
	backwardSmallPlanesKernel(isa, overDy, overDy, x, alpha, sumsOverDy, inner)
	requireSameSlice(t, wantDx, overDy, what+" backward in place over dy")
	requireSameSlice(t, dalpha, sumsOverDy, what+" backward in place over dy: dalpha")
	overX, sumsOverX := clone(x), append([]T(nil), start...)
	backwardSmallPlanesKernel(isa, overX, dy, overX, alpha, sumsOverX, inner)
	requireSameSlice(t, wantDx, overX, what+" backward in place over x")
	requireSameSlice(t, dalpha, sumsOverX, what+" backward in place over x: dalpha")
}
