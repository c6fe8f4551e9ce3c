package prelu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// dxOracle is the input gradient by definition.
func dxOracle[T Float](dy, x, alpha T) T {
	if x > 0 {
		return dy
	}
	return alpha * dy
}

func TestBackwardMatchesReference(t *testing.T) {
	t.Run("f32", testBackwardMatchesReference[float32])
	t.Run("f64", testBackwardMatchesReference[float64])
}

// backwardCase is test data with its exact slope gradient.
type backwardCase[T Float] struct {
	dy, x []T
	sum   sumCheck
}

func testBackwardMatchesReference[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var cases []backwardCase[T]
	for _, n := range lengths() {
		for off := range offsets {
			if n > 300 && off > 1 {
				continue // long slices: two alignments are enough
			}
			dy, x := window[T](n, off), window[T](n, (off+3)%offsets)
			fill := fillFinite[T]
			if off%4 == 3 {
				fill = fillSpecial[T] // NaN, Inf and friends in the sum too
			}
			fill(rng, dy)
			fill(rng, x)
			cases = append(cases, backwardCase[T]{dy, x, exactSum(dy, x, 0)})
		}
	}
	forEachISA(t, func(t *testing.T, isa isaID) {
		for k, c := range cases {
			dy, x, n, off := c.dy, c.x, len(c.x), k%offsets
			want := make([]T, n)
			dx := window[T](n, (off+7)%offsets)
			for _, alpha := range slopes[T]() {
				what := fmt.Sprintf("%T n=%d off=%d alpha=%v", alpha, n, off, alpha)
				for i := range x {
					want[i] = dxOracle(dy[i], x[i], alpha)
				}
				got := backward(isa, dx, dy, x, alpha)
				requireSameSlice(t, want, dx, what)
				require.NoError(t, c.sum.check(float64(got), isFloat32[T]()), what)

				// In place, over dy and over x.
				for _, over := range []string{"dy", "x"} {
					dy2, x2 := append([]T(nil), dy...), append([]T(nil), x...)
					out := map[string][]T{"dy": dy2, "x": x2}[over]
					got := backward(isa, out, dy2, x2, alpha)
					requireSameSlice(t, want, out, what+" in place over "+over)
					require.NoError(t, c.sum.check(float64(got), isFloat32[T]()), what+" in place over "+over)
				}
			}
			// dx == nil: the slope gradient alone.
			got := backward(isa, nil, dy, x, 0.25)
			require.NoError(t, c.sum.check(float64(got), isFloat32[T]()), "dx == nil n=%d off=%d", n, off)
		}
	})
}

func TestBackwardChannelsMatchesReference(t *testing.T) {
	t.Run("f32", testBackwardChannelsMatchesReference[float32])
	t.Run("f64", testBackwardChannelsMatchesReference[float64])
}

// channelsCase is a channel layout's test data with its exact gradients.
type channelsCase[T Float] struct {
	channels, inner, outer int
	dy, x, alpha, start    []T
	sums                   []sumCheck // per channel, from start
}

func testBackwardChannelsMatchesReference[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	sl := slopes[T]()
	var cases []channelsCase[T]
	// 600 and 1100 channels exceed the on-stack sums: blocks of channels.
	for _, channels := range append(channelCounts, 600, 1100) {
		for _, inner := range inners {
			if channels*inner > 400000 {
				continue
			}
			for _, outer := range outers(channels, inner) {
				n := outer * channels * inner
				c := channelsCase[T]{channels: channels, inner: inner, outer: outer,
					dy: window[T](n, rng.IntN(offsets)), x: window[T](n, rng.IntN(offsets)),
					alpha: make([]T, channels), start: make([]T, channels), sums: make([]sumCheck, channels)}
				fill := fillFinite[T]
				if rng.IntN(4) == 0 {
					fill = fillSpecial[T]
				}
				fill(rng, c.dy)
				fill(rng, c.x)
				for ch := range c.alpha {
					c.alpha[ch] = sl[rng.IntN(len(sl))]
					c.start[ch] = T(rng.NormFloat64())
				}
				chDy, chX := make([][]T, channels), make([][]T, channels)
				for i := range c.x {
					ch := (i / inner) % channels
					chDy[ch], chX[ch] = append(chDy[ch], c.dy[i]), append(chX[ch], c.x[i])
				}
				for ch := range c.sums {
					c.sums[ch] = exactSum(chDy[ch], chX[ch], float64(c.start[ch]))
				}
				cases = append(cases, c)
			}
		}
	}
	eachPlanning(t, func(t *testing.T) { backwardChannelsCases(t, cases) })
}

// backwardChannelsCases runs every case on every ISA against the
// reference: dx bit for bit, the sums within the bound, in every variant.
func backwardChannelsCases[T Float](t *testing.T, cases []channelsCase[T]) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, c := range cases {
			dy, x, alpha, start, inner, n := c.dy, c.x, c.alpha, c.start, c.inner, len(c.x)
			want := make([]T, n)
			for i := range x {
				want[i] = dxOracle(dy[i], x[i], alpha[(i/inner)%c.channels])
			}
			what := fmt.Sprintf("%T C=%d inner=%d outer=%d", alpha[0], c.channels, inner, c.outer)
			checkSums := func(dalpha []T, variant string) {
				for ch := range dalpha {
					require.NoError(t, c.sums[ch].check(float64(dalpha[ch]), isFloat32[T]()), "%s %s: dalpha[%d]", what, variant, ch)
				}
			}

			dx, dalpha := window[T](n, n%offsets), append([]T(nil), start...)
			backwardChannels(isa, dx, dalpha, dy, x, alpha, inner)
			requireSameSlice(t, want, dx, what)
			checkSums(dalpha, "full")

			dx2 := window[T](n, 1)
			backwardChannels(isa, dx2, nil, dy, x, alpha, inner)
			requireSameSlice(t, want, dx2, what+" dalpha == nil")

			dalpha2 := append([]T(nil), start...)
			backwardChannels(isa, nil, dalpha2, dy, x, alpha, inner)
			checkSums(dalpha2, "dx == nil")
			if s := streamBytes(); s == 0 || n*sizeOf[T]() < s {
				// The same sums with or without dx (a streaming kernel
				// aligns dx first, which moves the lanes they run in).
				requireSameSlice(t, dalpha, dalpha2, what+" sums, dx == nil against the full call")
			}

			dy3 := append([]T(nil), dy...)
			dalpha3 := append([]T(nil), start...)
			backwardChannels(isa, dy3, dalpha3, dy3, x, alpha, inner)
			requireSameSlice(t, want, dy3, what+" in place over dy")
			checkSums(dalpha3, "in place over dy")

			x3 := append([]T(nil), x...)
			dalpha4 := append([]T(nil), start...)
			backwardChannels(isa, x3, dalpha4, dy, x3, alpha, inner)
			requireSameSlice(t, want, x3, what+" in place over x")
			checkSums(dalpha4, "in place over x")

			dy4, x4 := append([]T(nil), dy...), append([]T(nil), x...)
			backwardChannels(isa, dy4, nil, dy4, x, alpha, inner)
			requireSameSlice(t, want, dy4, what+" dalpha == nil, in place over dy")
			backwardChannels(isa, x4, nil, dy, x4, alpha, inner)
			requireSameSlice(t, want, x4, what+" dalpha == nil, in place over x")
		}
	})
}

// TestNilVariantsMatchFullCall: dx from the dx-only kernel is bit-identical
// to the full call's, and the gradient-only kernel's sums meet the bound.
func TestNilVariantsMatchFullCall(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, n := range []int{1, 17, 100, 1000, 4099} {
			dy, x := make([]float32, n), make([]float32, n)
			fillFinite(rng, dy)
			fillFinite(rng, x)
			full := make([]float32, n)
			s := backward(isa, full, dy, x, 0.25)
			sNil := backward(isa, nil, dy, x, 0.25)
			sum := exactSum(dy, x, 0)
			require.NoError(t, sum.check(float64(s), true))
			require.NoError(t, sum.check(float64(sNil), true))

			alpha := []float32{0.1, -0.2, 0.3, 0.4}
			if n%4 != 0 {
				alpha = alpha[:1]
			}
			dxFull, dxOnly := make([]float32, n), make([]float32, n)
			dalphaFull, dalphaOnly := make([]float32, len(alpha)), make([]float32, len(alpha))
			backwardChannels(isa, dxFull, dalphaFull, dy, x, alpha, 1)
			backwardChannels(isa, dxOnly, nil, dy, x, alpha, 1)
			backwardChannels(isa, nil, dalphaOnly, dy, x, alpha, 1)
			requireSameSlice(t, dxFull, dxOnly, "dx only")
			for c := range alpha {
				chDy, chX := []float32{}, []float32{}
				for i := c; i < n; i += len(alpha) {
					chDy, chX = append(chDy, dy[i]), append(chX, x[i])
				}
				sum := exactSum(chDy, chX, 0)
				require.NoError(t, sum.check(float64(dalphaFull[c]), true))
				require.NoError(t, sum.check(float64(dalphaOnly[c]), true))
			}
		}
	})
}

// TestFiniteDifferences checks the gradients against central differences
// of the loss L = sum(w * ForwardChannels(x, alpha)), for both layouts.
func TestFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const h = 1e-6
	for _, layout := range []struct {
		name            string
		channels, inner int
	}{{"NCHW", 3, 5}, {"NHWC", 4, 1}} {
		forEachISA(t, func(t *testing.T, isa isaID) {
			n := 2 * layout.channels * layout.inner
			x, w := make([]float64, n), make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
				for math.Abs(x[i]) < 10*h { // keep away from the kink at 0
					x[i] = rng.NormFloat64()
				}
				w[i] = rng.NormFloat64()
			}
			alpha := make([]float64, layout.channels)
			for c := range alpha {
				alpha[c] = 0.1 + 0.2*rng.Float64()
			}
			loss := func(x, alpha []float64) float64 {
				y := make([]float64, len(x))
				forwardChannels(isa, y, x, alpha, layout.inner)
				s := 0.0
				for i := range y {
					s += w[i] * y[i]
				}
				return s
			}
			dx, dalpha := make([]float64, n), make([]float64, layout.channels)
			backwardChannels(isa, dx, dalpha, w, x, alpha, layout.inner)
			for i := range x {
				xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
				xp[i] += h
				xm[i] -= h
				numeric := (loss(xp, alpha) - loss(xm, alpha)) / (2 * h)
				require.InDeltaf(t, numeric, dx[i], 1e-6*(1+math.Abs(numeric)), "%s dx[%d]", layout.name, i)
			}
			for c := range alpha {
				ap, am := append([]float64(nil), alpha...), append([]float64(nil), alpha...)
				ap[c] += h
				am[c] -= h
				numeric := (loss(x, ap) - loss(x, am)) / (2 * h)
				require.InDeltaf(t, numeric, dalpha[c], 1e-6*(1+math.Abs(numeric)), "%s dalpha[%d]", layout.name, c)
			}
		})
	}
}

// TestDalphaOnlySumsAsFused: the slope gradients come out the same, bit for
// bit, with dx and without, whatever the alignment of dx against x and dy
// (the AVX-512 kernels align long spans, on x where they sum), in place
// too: shared slopes, planes long enough to be aligned, and channel-last
// rows. float64 shows a change of order in the sums, which float32's final
// rounding mostly hides.
func TestDalphaOnlySumsAsFused(t *testing.T) {
	t.Run("f32", dalphaOnlySumsAsFused[float32])
	t.Run("f64", dalphaOnlySumsAsFused[float64])
}

func dalphaOnlySumsAsFused[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, l := range []struct{ channels, inner, rows int }{
			{1, 1000, 1}, {1, 4099, 1}, {4, 150, 2}, {3, 300, 1}, {200, 1, 5},
			// Planes AVX-512 runs as one stream aligned to x (33, 49
			// and 81 float32: a vector split between two planes at
			// most planes' ends; the 33s are the ones whose float64
			// sums tell an alignment on dx apart).
			{16, 49, 3}, {24, 81, 2}, {12, 33, 3},
		} {
			n := l.channels * l.inner * l.rows
			// Values of one magnitude: every term counts in the sums.
			x, dy := window[T](n, 1), window[T](n, 5)
			for i := range x {
				x[i], dy[i] = T(rng.NormFloat64()), T(rng.NormFloat64())
			}
			alpha := make([]T, l.channels)
			fillFinite(rng, alpha)
			only := make([]T, l.channels)
			backwardChannels(isa, nil, only, dy, x, alpha, l.inner)
			for _, dxAt := range []int{0, 1, 3, 8, -1} {
				dyCopy := append([]T(nil), dy...)
				dx := dyCopy // in place, over dy
				if dxAt >= 0 {
					dx = window[T](n, dxAt)
				}
				fused := make([]T, l.channels)
				backwardChannels(isa, dx, fused, dyCopy, x, alpha, l.inner)
				for c := range only {
					require.Truef(t, sameBits(fused[c], only[c]), "%+v, dx at %d: channel %d: fused %v, dalpha only %v",
						l, dxAt, c, fused[c], only[c])
				}
			}
		}
	})
}
