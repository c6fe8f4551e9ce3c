package prelu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/prelu-go/prelu"
	"github.com/stretchr/testify/require"
)

// The layouts of ONNX (numpy) unidirectional broadcasting, each checked
// against a naive broadcast written independently of the library.

// bcCase is one pair of shapes and the layout SlopeLayout should report.
type bcCase struct {
	name          string
	x, slope      []int
	channels, inn int // wanted when ok
	ok            bool
}

var bcMapped = []bcCase{
	// A single slope, however it is shaped.
	{"scalar slope", []int{2, 3, 4}, []int{}, 1, 1, true},
	{"[1] slope", []int{2, 3, 4}, []int{1}, 1, 1, true},
	{"all-ones slope of X's rank", []int{2, 3, 4}, []int{1, 1, 1}, 1, 1, true},
	// Channel-first and channel-last.
	{"NCHW [C,1,1]", []int{2, 3, 4, 5}, []int{3, 1, 1}, 3, 20, true},
	{"NCHW [1,C,1,1]", []int{2, 3, 4, 5}, []int{1, 3, 1, 1}, 3, 20, true},
	{"NCHW [C,1,1] batch 1", []int{1, 64, 7, 7}, []int{64, 1, 1}, 64, 49, true},
	{"NHWC [C]", []int{2, 4, 5, 3}, []int{3}, 3, 1, true},
	{"NC [C]", []int{8, 16}, []int{16}, 16, 1, true},
	{"NCL [C,1]", []int{2, 6, 9}, []int{6, 1}, 6, 9, true},
	// The full shape, planes and other single blocks.
	{"full shape", []int{2, 3, 4}, []int{2, 3, 4}, 24, 1, true},
	{"full shape with leading 1", []int{1, 3, 4}, []int{1, 3, 4}, 12, 1, true},
	{"[H,W] planes", []int{2, 3, 4, 5}, []int{4, 5}, 20, 1, true},
	{"[C,H,W] per image", []int{2, 3, 4, 5}, []int{3, 4, 5}, 60, 1, true},
	{"[C,H,1] middle block", []int{2, 3, 4, 5}, []int{3, 4, 1}, 12, 5, true},
	{"[N,1,1,1] per sample", []int{2, 3, 4, 5}, []int{2, 1, 1, 1}, 2, 60, true},
	{"[N,C,1,1]", []int{2, 3, 4, 5}, []int{2, 3, 1, 1}, 6, 20, true},
	// Dimensions where X is 1 join either side of the block.
	{"X 1 inside the block", []int{2, 3, 1, 5}, []int{3, 1, 5}, 15, 1, true},
	{"X 1 inside the block, batch 1", []int{1, 3, 1, 5}, []int{3, 1, 5}, 15, 1, true},
	{"X 1 before the block", []int{2, 1, 3}, []int{1, 1, 3}, 3, 1, true},
	{"X 1 after the block", []int{3, 4, 1}, []int{3, 1, 1}, 3, 4, true},
	{"X [1,C,1,1]", []int{1, 8, 1, 1}, []int{8, 1, 1}, 8, 1, true},
	{"X all ones", []int{1, 1, 1}, []int{1, 1}, 1, 1, true},
	{"slope of X's 1s only", []int{4, 1, 1}, []int{1, 1}, 1, 1, true},
	// Rank 0 and 1.
	{"rank 0 X and slope", []int{}, []int{}, 1, 1, true},
	{"rank 1 X, scalar slope", []int{5}, []int{}, 1, 1, true},
	{"rank 1 X, [1] slope", []int{5}, []int{1}, 1, 1, true},
	{"rank 1 X, full slope", []int{5}, []int{5}, 5, 1, true},
	{"rank 1 X of 1", []int{1}, []int{1}, 1, 1, true},
	{"rank 1 X of 1, scalar slope", []int{1}, []int{}, 1, 1, true},
	// Larger shapes, which run the kernels rather than the small-block loop.
	{"NCHW large", []int{2, 16, 9, 11}, []int{16, 1, 1}, 16, 99, true},
	{"NHWC large", []int{3, 7, 5, 24}, []int{24}, 24, 1, true},
}

var bcUnmapped = []bcCase{
	{"[C,1,W]", []int{2, 3, 4, 5}, []int{3, 1, 5}, 0, 0, false},
	{"[C,1,W] rank 3", []int{3, 4, 5}, []int{3, 1, 5}, 0, 0, false},
	{"[N,1,W]", []int{2, 3, 4}, []int{2, 1, 4}, 0, 0, false},
	{"[N,1,H,1]", []int{2, 3, 4, 5}, []int{2, 1, 4, 1}, 0, 0, false},
	{"[N,1,1,W]", []int{2, 3, 4, 5}, []int{2, 1, 1, 5}, 0, 0, false},
	{"[N,C,1,W]", []int{2, 3, 4, 5}, []int{2, 3, 1, 5}, 0, 0, false},
	{"three blocks", []int{2, 3, 2, 3, 2}, []int{2, 1, 2, 1, 2}, 0, 0, false},
	// Large enough that the general path calls the kernels per block.
	{"[C,1,W] large", []int{2, 3, 64, 70}, []int{3, 1, 70}, 0, 0, false},
	{"[C,1,1,W] large", []int{3, 2, 5, 80}, []int{3, 1, 1, 80}, 0, 0, false},
	{"[C,1,H,1] large", []int{4, 5, 6, 70}, []int{4, 1, 6, 1}, 0, 0, false},
}

// bcEmpty are valid shapes where X has no elements.
var bcEmpty = []bcCase{
	{"X [0,3], slope [3]", []int{0, 3}, []int{3}, 3, 1, true},
	{"X [0,3], slope [0,3]", []int{0, 3}, []int{0, 3}, 0, 1, true},
	{"X [2,0], slope [1]", []int{2, 0}, []int{1}, 1, 1, true},
	{"X [0], slope [0]", []int{0}, []int{0}, 0, 1, true},
	{"X [3,0,4], slope [3,1,4]", []int{3, 0, 4}, []int{3, 1, 4}, 12, 1, true},
}

// bcInvalid are shapes that do not broadcast.
var bcInvalid = []struct {
	name     string
	x, slope []int
	msg      string
}{
	{"slope rank above X's", []int{3}, []int{1, 3}, "more dimensions"},
	{"slope rank above scalar X", []int{}, []int{1}, "more dimensions"},
	{"slope dim differs", []int{2, 3}, []int{2}, "does not broadcast"},
	{"slope dim larger", []int{2, 3}, []int{4, 3}, "does not broadcast"},
	{"slope [C] on NCHW", []int{1, 3, 4, 5}, []int{3}, "does not broadcast"},
	{"slope dim where X is 1", []int{2, 1, 3}, []int{2, 3}, "does not broadcast"},
	{"slope dim where X is 0", []int{0, 3}, []int{2, 3}, "does not broadcast"},
	{"slope 0 where X is not", []int{2, 3}, []int{0, 3}, "does not broadcast"},
	{"negative X dim", []int{-1, 3}, []int{3}, "negative dimension"},
	{"negative slope dim", []int{2, 3}, []int{-3}, "negative dimension"},
	{"negative both", []int{-3}, []int{-3}, "negative dimension"},
	{"X too large", []int{math.MaxInt/2 + 1, 2}, []int{1}, "more elements than an int"},
	{"X too large with slope", []int{3, math.MaxInt / 2}, []int{3, math.MaxInt / 2}, "more elements than an int"},
}

// bcCount is the number of elements of a shape.
func bcCount(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// bcSlopeIndex is the index of the slope element that X's element i uses
// under unidirectional broadcasting, computed the long way: X's multi-index,
// then the slope's (0 where its size is 1), then the slope's row-major
// offset.
func bcSlopeIndex(i int, xShape, slopeShape []int) int {
	idx := make([]int, len(xShape))
	for d := len(xShape) - 1; d >= 0; d-- {
		idx[d] = i % xShape[d]
		i /= xShape[d]
	}
	lead, off := len(xShape)-len(slopeShape), 0
	for d, s := range slopeShape {
		j := 0
		if s != 1 {
			j = idx[lead+d]
		}
		off = off*s + j
	}
	return off
}

// bcNaive is PRelu with a broadcast slope, element by element.
func bcNaive[T prelu.Float](x []T, xShape []int, slope []T, slopeShape []int) []T {
	y := make([]T, len(x))
	for i, v := range x {
		if v > 0 {
			y[i] = v
		} else {
			y[i] = slope[bcSlopeIndex(i, xShape, slopeShape)] * v
		}
	}
	return y
}

// bcMaps reports whether ForwardChannels(channels = len(slope), inner) uses
// the broadcast slope: the independent definition of SlopeLayout's ok.
func bcMaps(xShape, slopeShape []int, inner int) bool {
	n, c := bcCount(xShape), bcCount(slopeShape)
	if inner < 1 || c < 1 || n%(c*inner) != 0 {
		return false
	}
	for i := range n {
		if bcSlopeIndex(i, xShape, slopeShape) != i/inner%c {
			return false
		}
	}
	return true
}

// bcSame compares bits, counting any two NaNs as equal.
func bcSame[T prelu.Float](a, b T) bool {
	if a != a && b != b {
		return true
	}
	if x, ok := any(a).(float32); ok {
		return math.Float32bits(x) == math.Float32bits(any(b).(float32))
	}
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b))
}

func bcRequireSame[T prelu.Float](t *testing.T, want, got []T, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if !bcSame(want[i], got[i]) {
			t.Fatalf("%s: element %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// bcValues fills a slice with values that exercise every branch: negatives,
// positives, both zeros, NaN and infinities among ordinary numbers.
func bcValues[T prelu.Float](r *rand.Rand, n int) []T {
	special := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-40, -1e-310}
	s := make([]T, n)
	for i := range s {
		if r.IntN(8) == 0 {
			s[i] = T(special[r.IntN(len(special))])
		} else {
			s[i] = T(r.NormFloat64() * 4)
		}
	}
	return s
}

// forEachBcISA runs body under every implementation this CPU has.
func forEachBcISA(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	was := prelu.ISA()
	t.Cleanup(func() { require.NoError(t, prelu.SetISA(was)) })
	for _, isa := range prelu.ISAs() {
		require.NoError(t, prelu.SetISA(isa))
		t.Run(isa, body)
	}
}

// bcCheck checks SlopeLayout against the definition and ForwardBroadcast
// (and, where the layout maps, ForwardChannels) against the naive
// broadcast, out of place and in place.
func bcCheck[T prelu.Float](t *testing.T, r *rand.Rand, c bcCase) {
	t.Helper()
	channels, inner, ok, err := prelu.SlopeLayout(c.x, c.slope)
	require.NoError(t, err)
	require.Equal(t, c.ok, ok, "ok")
	n, slopeN := bcCount(c.x), bcCount(c.slope)
	if ok {
		require.Equal(t, c.channels, channels, "channels")
		require.Equal(t, c.inn, inner, "inner")
		require.Equal(t, slopeN, channels, "channels is the slope's element count")
		if n > 0 {
			require.True(t, bcMaps(c.x, c.slope, inner), "the reported layout is not the broadcast")
		}
	} else {
		require.Zero(t, channels)
		require.Zero(t, inner)
		for in := 1; in <= n; in++ {
			require.False(t, bcMaps(c.x, c.slope, in), "ok = false, but inner = %d maps", in)
		}
	}

	x, slope := bcValues[T](r, n), bcValues[T](r, slopeN)
	want := bcNaive(x, c.x, slope, c.slope)
	dst := make([]T, n)
	require.NoError(t, prelu.ForwardBroadcast(dst, x, c.x, slope, c.slope))
	bcRequireSame(t, want, dst, "ForwardBroadcast")

	if ok && n > 0 {
		clear(dst)
		prelu.ForwardChannels(dst, x, slope, inner)
		bcRequireSame(t, want, dst, "ForwardChannels with SlopeLayout's layout")
	}

	inPlace := append([]T(nil), x...)
	require.NoError(t, prelu.ForwardBroadcast(inPlace, inPlace, c.x, slope, c.slope))
	bcRequireSame(t, want, inPlace, "ForwardBroadcast in place")
}

func TestSlopeLayoutCases(t *testing.T) {
	forEachBcISA(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, list := range [][]bcCase{bcMapped, bcUnmapped, bcEmpty} {
			for _, c := range list {
				t.Run(c.name, func(t *testing.T) {
					bcCheck[float32](t, r, c)
					bcCheck[float64](t, r, c)
					type F32 float32
					bcCheck[F32](t, r, c)
				})
			}
		}
	})
}

func TestSlopeLayoutInvalid(t *testing.T) {
	for _, c := range bcInvalid {
		t.Run(c.name, func(t *testing.T) {
			channels, inner, ok, err := prelu.SlopeLayout(c.x, c.slope)
			require.Error(t, err)
			require.Regexp(t, "^prelu: ", err.Error())
			require.Contains(t, err.Error(), c.msg)
			require.False(t, ok)
			require.Zero(t, channels)
			require.Zero(t, inner)

			// ForwardBroadcast returns the same error and writes nothing.
			dst := []float32{7, 7}
			err2 := prelu.ForwardBroadcast(dst, []float32{1, 2}, c.x, []float32{3}, c.slope)
			require.EqualError(t, err2, err.Error())
			require.Equal(t, []float32{7, 7}, dst)
		})
	}
}

func TestForwardBroadcastLengths(t *testing.T) {
	x, slope, dst := make([]float32, 6), make([]float32, 3), make([]float32, 6)
	shape, slopeShape := []int{2, 3}, []int{3}
	require.NoError(t, prelu.ForwardBroadcast(dst, x, shape, slope, slopeShape))
	for _, tc := range []struct {
		name          string
		dst, x, slope []float32
		msg           string
	}{
		{"short x", dst, x[:5], slope, "prelu: len(x) = 5, but xShape [2 3] has 6 elements"},
		{"long slope", dst, x, make([]float32, 4), "prelu: len(slope) = 4, but slopeShape [3] has 3 elements"},
		{"short dst", dst[:5], x, slope, "prelu: len(dst) = 5, but xShape [2 3] has 6 elements"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.EqualError(t, prelu.ForwardBroadcast(tc.dst, tc.x, shape, tc.slope, slopeShape), tc.msg)
		})
	}
}

func TestForwardBroadcastOverlap(t *testing.T) {
	buf := make([]float32, 12)
	// dst overlapping x partially, or the slope, panics before writing, on
	// both paths.
	require.PanicsWithValue(t, "prelu: dst and x overlap partially: an output may only be the very same slice as an input", func() {
		_ = prelu.ForwardBroadcast(buf[1:7], buf[0:6], []int{2, 3}, []float32{1, 2, 3}, []int{3})
	})
	require.PanicsWithValue(t, "prelu: dst overlaps slope", func() {
		_ = prelu.ForwardBroadcast(buf[0:6], make([]float32, 6), []int{2, 3}, buf[5:8], []int{3})
	})
	require.PanicsWithValue(t, "prelu: dst overlaps slope", func() {
		_ = prelu.ForwardBroadcast(buf[0:8], make([]float32, 8), []int{2, 2, 2}, buf[4:8], []int{2, 1, 2})
	})
}

// TestForwardBroadcastRandom checks random shapes of rank 0 to 6 with every
// kind of slope: the layout against the definition, the values against the
// naive broadcast.
func TestForwardBroadcastRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sizes := []int{1, 1, 2, 3, 4, 5}
	var mapped, unmapped int
	defer func() { t.Logf("%d shapes that map, %d that do not", mapped, unmapped) }()
	for range 600 {
		x := make([]int, r.IntN(7))
		for i := range x {
			x[i] = sizes[r.IntN(len(sizes))]
		}
		lead := r.IntN(len(x) + 1)
		if r.IntN(2) == 0 {
			lead = 0 // a slope of X's rank, which more often does not map
		}
		slope := append([]int(nil), x[lead:]...)
		for i := range slope {
			if r.IntN(2) == 0 {
				slope[i] = 1
			}
		}
		c := bcCase{name: fmt.Sprint(x, slope), x: x, slope: slope}
		channels, inner, ok, err := prelu.SlopeLayout(x, slope)
		require.NoError(t, err, c.name)
		c.channels, c.inn, c.ok = channels, inner, ok
		if ok {
			mapped++
		} else {
			unmapped++
		}
		t.Run(c.name, func(t *testing.T) {
			bcCheck[float32](t, r, c)
			bcCheck[float64](t, r, c)
		})
	}
}

func TestForwardBroadcastAllocs(t *testing.T) {
	x, dst := make([]float32, 2*3*64*70), make([]float32, 2*3*64*70)
	slope := make([]float32, 3*64*70)
	for _, c := range []struct {
		x, slope []int
	}{
		{[]int{2, 3, 64, 70}, []int{3, 1, 1}},  // maps
		{[]int{2, 3, 64, 70}, []int{3, 1, 70}}, // general path, kernels
		{[]int{2, 3, 64, 70}, []int{2, 3, 1, 1}},
		{[]int{2, 3, 4, 5}, []int{2, 1, 4, 1}}, // general path, Go loop
	} {
		n, sn := bcCount(c.x), bcCount(c.slope)
		allocs := testing.AllocsPerRun(20, func() {
			if err := prelu.ForwardBroadcast(dst[:n], x[:n], c.x, slope[:sn], c.slope); err != nil {
				panic(err)
			}
			if _, _, _, err := prelu.SlopeLayout(c.x, c.slope); err != nil {
				panic(err)
			}
		})
		require.Zero(t, allocs, "%v %v", c.x, c.slope)
	}
}

func ExampleSlopeLayout() {
	// An ONNX PRelu node on NCHW activations with one slope per channel: the
	// slope's shape is [C,1,1].
	channels, inner, ok, err := prelu.SlopeLayout([]int{1, 64, 56, 56}, []int{64, 1, 1})
	fmt.Println(channels, inner, ok, err)

	// A slope shared along H but not W has no [outer][C][inner] layout.
	fmt.Println(prelu.SlopeLayout([]int{1, 64, 56, 56}, []int{64, 1, 56}))

	// A slope that does not broadcast is an error, not a panic.
	_, _, _, err = prelu.SlopeLayout([]int{1, 64, 56, 56}, []int{64})
	fmt.Println(err)
	// Output:
	// 64 3136 true <nil>
	// 0 0 false <nil>
	// prelu: slope shape [64] does not broadcast onto X's shape [1 64 56 56]: dimension 3 of X is 56, the slope's there is 64 (want 1 or 56)
}

func ExampleForwardBroadcast() {
	// X of shape [2,2,3] with a slope of shape [2,1,3]: the slope runs along
	// the first and last dimensions and repeats along the middle one.
	x := []float32{
		-1, -1, -1, 1, -1, -1,
		-2, -2, -2, -2, 2, -2,
	}
	slope := []float32{
		0.1, 0.2, 0.3,
		0.5, 0.25, 0,
	}
	y := make([]float32, len(x))
	if err := prelu.ForwardBroadcast(y, x, []int{2, 2, 3}, slope, []int{2, 1, 3}); err != nil {
		fmt.Println(err)
	}
	fmt.Println(y)
	// Output: [-0.1 -0.2 -0.3 1 -0.2 -0.3 -1 -0.5 -0 -1 2 -0]
}
