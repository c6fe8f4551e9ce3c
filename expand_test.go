package prelu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestExpandedMatchesReference runs the Expanded plan's functions directly,
// whatever the planner gives the layouts, on every ISA: its output and dx
// bit for bit against the reference, in place too, and its slope gradients
// within the bound, equal with dx and without. The planner's Expanded
// calls also run in the channel reference tests (eachPlanning).
func TestExpandedMatchesReference(t *testing.T) {
	t.Run("f32", testExpandedMatchesReference[float32])
	t.Run("f64", testExpandedMatchesReference[float64])
}

func testExpandedMatchesReference[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	sl := slopes[T]()
	// Periods shorter and longer than expandElems, patterns of one and of
	// several periods, and rows past the last whole pattern.
	layouts := [][3]int{{3, 2, 700}, {64, 7, 20}, {100, 2, 5}, {17, 49, 6}, {600, 9, 2}, {5, 1000, 3}, {1, 9, 40}}
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, l := range layouts {
			channels, inner, outer := l[0], l[1], l[2]
			n := channels * inner * outer
			x, dy, alpha, start := window[T](n, rng.IntN(offsets)), window[T](n, rng.IntN(offsets)), make([]T, channels), make([]T, channels)
			fillSpecial(rng, x)
			fillFinite(rng, dy)
			for c := range alpha {
				alpha[c], start[c] = sl[rng.IntN(len(sl))], T(rng.NormFloat64())
			}
			want, wantDx := make([]T, n), make([]T, n)
			chDy, chX := make([][]T, channels), make([][]T, channels)
			for i := range x {
				c := (i / inner) % channels
				want[i], wantDx[i] = oracle(x[i], alpha[c]), dxOracle(dy[i], x[i], alpha[c])
				chDy[c], chX[c] = append(chDy[c], dy[i]), append(chX[c], x[i])
			}
			what := fmt.Sprintf("%T C=%d inner=%d outer=%d", alpha[0], channels, inner, outer)

			dst := window[T](n, rng.IntN(offsets))
			forwardExpanded(isa, dst, x, alpha, inner)
			requireSameSlice(t, want, dst, what+" forward")
			inPlace := append([]T(nil), x...)
			forwardExpanded(isa, inPlace, inPlace, alpha, inner)
			requireSameSlice(t, want, inPlace, what+" forward in place")

			full := append([]T(nil), start...)
			backwardExpanded(isa, dst, full, dy, x, alpha, inner)
			requireSameSlice(t, wantDx, dst, what+" dx")
			for c := range full {
				sum := exactSum(chDy[c], chX[c], float64(start[c]))
				if err := sum.check(float64(full[c]), isFloat32[T]()); err != nil {
					t.Fatalf("%s: dalpha[%d]: %v", what, c, err)
				}
			}
			only := append([]T(nil), start...)
			backwardExpanded(isa, nil, only, dy, x, alpha, inner)
			requireSameSlice(t, full, only, what+" slope gradients without dx against the full call")

			dx := window[T](n, rng.IntN(offsets))
			backwardExpanded(isa, dx, nil, dy, x, alpha, inner)
			requireSameSlice(t, wantDx, dx, what+" dx only")
			overDy := append([]T(nil), dy...)
			backwardExpanded(isa, overDy, append([]T(nil), start...), overDy, x, alpha, inner)
			requireSameSlice(t, wantDx, overDy, what+" dx in place over dy")
			overX := append([]T(nil), x...)
			backwardExpanded(isa, overX, nil, dy, overX, alpha, inner)
			requireSameSlice(t, wantDx, overX, what+" dx only in place over x")
		}
	})
}
