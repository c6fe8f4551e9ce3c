package prelu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// lengths covers every remainder of every vector width several times over,
// plus a few lengths past the unrolled loops.
func lengths() []int {
	var ns []int
	for n := 0; n <= 300; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4099, 65553)
}

// offsets are the element offsets of slice starts: every alignment within a
// 64-byte vector of float32.
const offsets = 16

func TestForwardSemantics(t *testing.T) {
	t.Run("f32", testForwardSemantics[float32])
	t.Run("f64", testForwardSemantics[float64])
}

func testForwardSemantics[T Float](t *testing.T) {
	negZero := T(math.Copysign(0, -1))
	nan, inf := T(math.NaN()), T(math.Inf(1))
	sub := specials[T]()[5]
	cases := []struct {
		name           string
		x, alpha, want T
	}{
		{"positive passes", 3, -0.5, 3},
		{"negative scales", -4, 0.25, -1},
		{"+0 takes the slope: +0 * -0.5 = -0", 0, -0.5, negZero},
		{"-0 takes the slope: -0 * -0.5 = +0", negZero, -0.5, 0},
		{"-0 with slope 0 is -0", negZero, 0, negZero},
		{"+0 with slope 0 is +0", 0, 0, 0},
		{"NaN stays NaN", nan, 0.25, nan},
		{"NaN with slope 0 is NaN", nan, 0, nan},
		{"+Inf passes", inf, -0.5, inf},
		{"-Inf scales", -inf, 0.25, -inf},
		{"-Inf with slope 0 is NaN", -inf, 0, nan},
		{"-Inf with negative slope is +Inf", -inf, -2, inf},
		{"NaN slope on a negative", -1, nan, nan},
		{"NaN slope leaves positives", 1, nan, 1},
		{"Inf slope on +0 is NaN", 0, inf, nan},
		{"Inf slope on a negative", -1, inf, -inf},
		{"subnormal input passes", sub, -0.5, sub},
		{"negative subnormal scaled, not flushed", -sub * 4, 0.5, -sub * 2},
		{"subnormal slope kept", -1, sub, -sub},
	}
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, c := range cases {
			// 67 elements: the case passes through unrolled, single and
			// masked-remainder code.
			x := make([]T, 67)
			for i := range x {
				x[i] = c.x
			}
			dst := make([]T, len(x))
			forward(isa, dst, x, c.alpha)
			for i, got := range dst {
				require.Truef(t, sameBits(got, c.want), "%T %s: element %d = %v, want %v", c.x, c.name, i, got, c.want)
			}
			alphas := []T{c.alpha, c.alpha, c.alpha}
			forwardChannels(isa, dst[:66], x[:66], alphas, 2)
			for i, got := range dst[:66] {
				require.Truef(t, sameBits(got, c.want), "%T %s (channels): element %d = %v, want %v", c.x, c.name, i, got, c.want)
			}
		}
	})
}

func TestForwardMatchesReference(t *testing.T) {
	t.Run("f32", testForwardMatchesReference[float32])
	t.Run("f64", testForwardMatchesReference[float64])
}

func testForwardMatchesReference[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, n := range lengths() {
			for off := range offsets {
				if n > 300 && off > 1 {
					continue // long slices: two alignments are enough
				}
				x, dst := window[T](n, off), window[T](n, (off+5)%offsets)
				fillSpecial(rng, x)
				want := make([]T, n)
				for _, alpha := range slopes[T]() {
					for i, v := range x {
						want[i] = oracle(v, alpha)
					}
					forward(isa, dst, x, alpha)
					requireSameSlice(t, want, dst, fmt.Sprintf("%T n=%d off=%d alpha=%v", alpha, n, off, alpha))
					inPlace := window[T](n, off)
					copy(inPlace, x)
					forward(isa, inPlace, inPlace, alpha)
					requireSameSlice(t, want, inPlace, fmt.Sprintf("%T in place n=%d off=%d alpha=%v", alpha, n, off, alpha))
				}
			}
		}
	})
}

var (
	channelCounts = []int{1, 2, 3, 5, 15, 16, 17, 24, 40, 64, 100}
	inners        = []int{1, 2, 7, 9, 16, 49, 3136} // 9 and 16: 3x3 and the longest SmallPlanes plane
)

// outers keeps the biggest layouts to a few repetitions; channel-last rows
// also come 12 at a time, the most that the pattern kernel takes in short
// rows (patternRows), and 37, past the Rows kernels' chunks of 16 rows.
func outers(channels, inner int) []int {
	if channels*inner > 20000 {
		return []int{1, 2}
	}
	if inner == 1 {
		return []int{1, 2, 5, 12, 37}
	}
	return []int{1, 2, 5}
}

func TestForwardChannelsMatchesReference(t *testing.T) {
	t.Run("f32", testForwardChannelsMatchesReference[float32])
	t.Run("f64", testForwardChannelsMatchesReference[float64])
}

func testForwardChannelsMatchesReference[T Float](t *testing.T) {
	eachPlanning(t, func(t *testing.T) { forwardChannelsCases[T](t) })
}

// forwardChannelsCases runs every channel layout on every ISA against the
// reference, out of place and in place.
func forwardChannelsCases[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sl := slopes[T]()
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, channels := range append(channelCounts, 600) {
			for _, inner := range inners {
				if channels*inner > 400000 {
					continue
				}
				for _, outer := range outers(channels, inner) {
					n := outer * channels * inner
					off := rng.IntN(offsets)
					x, dst, alpha := window[T](n, off), window[T](n, rng.IntN(offsets)), make([]T, channels)
					fillSpecial(rng, x)
					for c := range alpha {
						alpha[c] = sl[rng.IntN(len(sl))]
					}
					want := make([]T, n)
					for i, v := range x {
						want[i] = oracle(v, alpha[(i/inner)%channels])
					}
					what := fmt.Sprintf("%T C=%d inner=%d outer=%d off=%d", alpha[0], channels, inner, outer, off)
					forwardChannels(isa, dst, x, alpha, inner)
					requireSameSlice(t, want, dst, what)
					forwardChannels(isa, x, x, alpha, inner)
					requireSameSlice(t, want, x, what+" in place")
				}
			}
		}
	})
}

func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates; allocations are counted in the normal build")
	}
	x, dst := make([]float32, 1000), make([]float32, 1000)
	alpha, dalpha := make([]float32, 5), make([]float32, 5)
	// Layouts that reach every plan: 500 channels of one element (pattern
	// forward; Ring rows with slope gradients), 250 planes of 2 over two
	// rows (Ring segments forward; Ring plane rows with slope gradients),
	// 125 channels of one element over 8 rows (buffered sums).
	wide, wideD := make([]float32, 500), make([]float32, 500)
	many, manyD := make([]float32, 250), make([]float32, 250)
	mid, midD := make([]float32, 125), make([]float32, 125)
	long, planes, planesD := make([]float32, 3000), make([]float32, 300), make([]float32, 300)
	calls := map[string]func(){
		"Forward":                        func() { Forward(dst, x, 0.25) },
		"ForwardChannels/ring":           func() { ForwardChannels(dst, x, alpha, 1) },
		"ForwardChannels/planes":         func() { ForwardChannels(dst, x, alpha, 100) },
		"ForwardChannels/pattern":        func() { ForwardChannels(dst[:500], x[:500], wide, 1) },
		"ForwardChannels/ring segments":  func() { ForwardChannels(dst, x, many, 2) },
		"Backward":                       func() { Backward(dst, x, x, 0.25) },
		"BackwardChannels/ring":          func() { BackwardChannels(dst, dalpha, x, x, alpha, 1) },
		"BackwardChannels/planes":        func() { BackwardChannels(dst, dalpha, x, x, alpha, 100) },
		"BackwardChannels/ring rows":     func() { BackwardChannels(dst, wideD, x, x, wide, 1) },
		"BackwardChannels/plane rows":    func() { BackwardChannels(dst, manyD, x, x, many, 2) },
		"BackwardChannels/buffered sums": func() { BackwardChannels(dst, midD, x, x, mid, 1) },
		"BackwardChannels/dx only":       func() { BackwardChannels(dst, nil, x, x, alpha, 2) },
		"BackwardChannels/dalpha only":   func() { BackwardChannels(nil, dalpha, x, x, alpha, 2) },
		"ForwardChannels/stack buffers":  func() { var b [64]float32; ForwardChannels(b[:60], b[:60], alpha, 3) },
		"Backward/stack buffers":         func() { var b [64]float32; Backward(b[:], b[:], b[:], 0.5) },
		"BackwardChannels/stack buffers": func() { var b, d [40]float64; BackwardChannels(b[:], d[:5], b[:], b[:], d[5:10], 2) },
	}
	for name, call := range calls {
		require.Zerof(t, testing.AllocsPerRun(20, call), "%s allocates", name)
	}
	// The Expanded plan, lowered to these sizes, takes its buffers from a
	// pool: 300 planes of 2 over 5 rows. Its forward pass, which the
	// planner gives it only where the SmallPlanes kernels do not stream
	// (AVX2), is called directly.
	expandFrom(t, 0)
	if ringLimit(activeISA(), 4, true) > 0 {
		require.Equal(t, planExpanded, planChannels[float32](activeISA(), len(long), len(planes), 2, true), "the expanded calls' plan")
	}
	expanded := map[string]func(){
		"forwardExpanded":                       func() { forwardExpanded(activeISA(), long, long, planes, 2) },
		"BackwardChannels/expanded":             func() { BackwardChannels(long, planesD, long, long, planes, 2) },
		"BackwardChannels/expanded dalpha only": func() { BackwardChannels(nil, planesD, long, long, planes, 2) },
	}
	for name, call := range expanded {
		require.Zerof(t, testing.AllocsPerRun(20, call), "%s allocates", name)
	}
}

// F32 and F64 are defined types: the API takes them as it takes float32
// and float64.
type (
	F32 float32
	F64 float64
)

func TestNamedTypes(t *testing.T) {
	x32 := []F32{-2, 0, 3}
	y32 := make([]F32, 3)
	Forward(y32, x32, 0.5)
	require.Equal(t, []F32{-1, 0, 3}, y32)
	ForwardChannels(y32, x32, []F32{0.25, 1, 2}, 1)
	require.Equal(t, []F32{-0.5, 0, 3}, y32)

	x64, dy := []F64{-2, 4}, []F64{1, 1}
	dx, dalpha := make([]F64, 2), make([]F64, 1)
	require.Equal(t, F64(-2), Backward(dx, dy, x64, 0.5))
	require.Equal(t, []F64{0.5, 1}, dx)
	BackwardChannels(dx, dalpha, dy, x64, []F64{0.5}, 2)
	require.Equal(t, []F64{-2}, dalpha)
}
