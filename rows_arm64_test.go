//go:build arm64 && !purego && linux

package prelu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestNEONRows runs the four NEON Rows kernels directly on channel-last
// rows, every channel count from the least they take (32 bytes) past a few
// blocks of four vectors, so that every remainder C%w runs as the last
// overlapping vector after blocks, single vectors or both, over one to
// five rows, against their pure-Go twins: dx bit for bit, and dalpha bit
// for bit too, since the kernels add the same products (exact in float64
// for float32 data, rounded for float64 data) in the same order, each
// channel's over the rows from +0. The fused kernel's dalpha must equal
// the dalpha-only kernel's, out of place and in place over dy and over x,
// where the last vector must keep the dx that the vector before stored.
// Every slice ends at an inaccessible page, so that a kernel that reads or
// writes past one faults.
func TestNEONRows(t *testing.T) {
	t.Run("f32", testNEONRows[float32])
	t.Run("f64", testNEONRows[float64])
}

// neonRows are one element type's NEON Rows kernels.
type neonRows[T Float] struct {
	backward func(dx, dy, x, alpha, dalpha []T)
	dalpha   func(dy, x, dalpha []T)
}

func neonRowsKernels[T Float]() neonRows[T] {
	if isFloat32[T]() {
		return any(neonRows[float32]{backwardRowsNEONF32, backwardRowsDalphaNEONF32}).(neonRows[T])
	}
	return any(neonRows[float64]{backwardRowsNEONF64, backwardRowsDalphaNEONF64}).(neonRows[T])
}

func testNEONRows[T Float](t *testing.T) {
	if !rowsKernels[isaNEON] {
		t.Fatalf("rowsKernels[isaNEON] is false")
	}
	k := neonRowsKernels[T]()
	size := sizeOf[T]()
	w := 16 / size
	rng := rand.New(rand.NewPCG(15, 16))
	var counts []int
	for c := 32 / size; c <= 6*w+w/2; c++ {
		counts = append(counts, c)
	}
	counts = append(counts, 16*w-1, 16*w+1, 64*w+w-1)
	for _, channels := range counts {
		for rows := 1; rows <= 5; rows++ {
			n := rows * channels
			what := fmt.Sprintf("%T C=%d rows=%d", T(0), channels, rows)
			x, dy, alpha, dalpha, start := ringData[T](t, rng, n, channels)
			want, wantDalpha := make([]T, n), append([]T(nil), start...)
			backwardRowsGeneric(want, dy, x, alpha, wantDalpha)
			same := func(got, want []T, variant string) {
				t.Helper()
				for i := range want {
					if !sameBits(want[i], got[i]) {
						t.Fatalf("%s %s: [%d] = %v, want %v", what, variant, i, got[i], want[i])
					}
				}
			}

			dx := atGuard[T](t, n)
			k.backward(dx, dy, x, alpha, dalpha)
			same(dx, want, "dx")
			same(dalpha, wantDalpha, "dalpha")
			for c := range dalpha {
				var chDy, chX []T
				for i := c; i < n; i += channels {
					chDy, chX = append(chDy, dy[i]), append(chX, x[i])
				}
				s := exactSum(chDy, chX, float64(start[c]))
				if err := s.check(float64(dalpha[c]), isFloat32[T]()); err != nil {
					t.Fatalf("%s: dalpha[%d] = %v: %v", what, c, dalpha[c], err)
				}
			}

			only := atGuard[T](t, channels)
			copy(only, start)
			k.dalpha(dy, x, only)
			same(only, dalpha, "dalpha-only against fused")

			overDy, overDyDalpha := atGuard[T](t, n), atGuard[T](t, channels)
			copy(overDy, dy)
			copy(overDyDalpha, start)
			k.backward(overDy, overDy, x, alpha, overDyDalpha)
			same(overDy, want, "dx in place over dy")
			same(overDyDalpha, dalpha, "dalpha, in place over dy")

			overX, overXDalpha := atGuard[T](t, n), atGuard[T](t, channels)
			copy(overX, x)
			copy(overXDalpha, start)
			k.backward(overX, dy, overX, alpha, overXDalpha)
			same(overX, want, "dx in place over x")
			same(overXDalpha, dalpha, "dalpha, in place over x")
		}
	}

	// Fewer channels than a vector are never passed: the kernels return
	// without touching anything rather than read before the slices.
	for channels := 1; channels < w; channels++ {
		n := 3 * channels
		x, dy, alpha, dalpha, start := ringData[T](t, rng, n, channels)
		dx := atGuard[T](t, n)
		k.backward(dx, dy, x, alpha, dalpha)
		k.dalpha(dy, x, dalpha)
		for i := range dx {
			if dx[i] != 0 {
				t.Fatalf("C=%d: dx[%d] written", channels, i)
			}
		}
		for c := range dalpha {
			if !sameBits(dalpha[c], start[c]) {
				t.Fatalf("C=%d: dalpha touched", channels)
			}
		}
	}
}
