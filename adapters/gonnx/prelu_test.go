package gonnxprelu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/ops"
	"github.com/advancedclimatesystems/gonnx/ops/opset13"
	gonnxprelu "github.com/prelu-go/prelu/adapters/gonnx"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// shapePairs are X's and the slope's shapes: every kind of broadcast,
// including one the library maps with its general path ([C,1,W]).
var shapePairs = []struct{ x, slope []int }{
	{[]int{3, 4, 5}, []int{3, 4, 5}},    // test_prelu_example
	{[]int{3, 4, 5}, []int{5}},          // test_prelu_broadcast
	{[]int{3, 4, 5}, []int{1}},          // one slope
	{[]int{2, 8, 5, 5}, []int{8, 1, 1}}, // NCHW
	{[]int{2, 8, 5, 5}, []int{1, 8, 1, 1}},
	{[]int{1, 64, 56, 56}, []int{64, 1, 1}},
	{[]int{2, 5, 5, 8}, []int{8}},         // NHWC
	{[]int{8, 1024}, []int{1024}},         // NC
	{[]int{2, 8, 5, 5}, []int{5, 5}},      // planes
	{[]int{2, 8, 5, 5}, []int{8, 1, 5}},   // no [outer][C][inner] layout
	{[]int{2, 8, 9, 70}, []int{8, 1, 70}}, // the same, large
	{[]int{2, 3, 1, 5}, []int{3, 1, 5}},   // X with a 1
	{[]int{7}, []int{7}},
	{[]int{7}, []int{1}},
	{[]int{4, 1}, []int{1, 1}},
}

// TestEqualsGonnx checks that the adapter's results equal gonnx's own, by
// ==, on random normal tensors (which have no exact zeros).
func TestEqualsGonnx(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	own, adapter := gonnxOp(t), adapterOp(t)
	for _, p := range shapePairs {
		t.Run(fmt.Sprint(p.x, p.slope), func(t *testing.T) {
			t.Run("float32", func(t *testing.T) {
				x := dense(p.x, normal[float32](r, count(p.x)))
				slope := dense(p.slope, normal[float32](r, count(p.slope)))
				requireEqual[float32](t, apply(t, own, x, slope), apply(t, adapter, x, slope))
			})
			t.Run("float64", func(t *testing.T) {
				x := dense(p.x, normal[float64](r, count(p.x)))
				slope := dense(p.slope, normal[float64](r, count(p.slope)))
				requireEqual[float64](t, apply(t, own, x, slope), apply(t, adapter, x, slope))
			})
		})
	}
}

// TestZeros shows the one difference from ONNX: at x = ±0 the adapter
// returns slope*x (the library's definition), gonnx x itself.
func TestZeros(t *testing.T) {
	pz, nz := float32(0), float32(math.Copysign(0, -1))
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	cases := []struct {
		x, slope   float32
		own, adapt float32
	}{
		{pz, 0.5, pz, pz},   // same
		{nz, 0.5, nz, nz},   // same
		{pz, -0.5, pz, nz},  // sign of the zero differs
		{nz, -0.5, nz, pz},  // sign of the zero differs
		{pz, inf, pz, nan},  // 0*Inf
		{nz, -inf, nz, nan}, // 0*Inf
		{pz, nan, pz, nan},  // 0*NaN
		{-2, inf, -inf, -inf},
		{nan, 0.5, nan, nan}, // NaN either way
	}
	n := len(cases)
	xs, slopes := make([]float32, n), make([]float32, n)
	for i, c := range cases {
		xs[i], slopes[i] = c.x, c.slope
	}
	x, slope := dense([]int{n}, xs), dense([]int{n}, slopes)
	own := apply(t, gonnxOp(t), x, slope).Data().([]float32)
	got := apply(t, adapterOp(t), x, slope).Data().([]float32)
	for i, c := range cases {
		t.Logf("x = %-4v slope = %-4v: ONNX (gonnx) %-4v adapter %v", c.x, c.slope, own[i], got[i])
		require.True(t, sameFloat(c.own, own[i]), "gonnx at %d: %v (%#x), want %v", i, own[i], bitsOf(own[i]), c.own)
		require.True(t, sameFloat(c.adapt, got[i]), "adapter at %d: %v (%#x), want %v", i, got[i], bitsOf(got[i]), c.adapt)
	}
}

// sameFloat compares bits, any NaN equal to any other.
func sameFloat(a, b float32) bool {
	return a != a && b != b || bitsOf(a) == bitsOf(b)
}

// countingGetter is gonnx's getter, counting the PRelu operators it hands
// out: after wrapping, each is a fallback.
type countingGetter struct{ prelus int }

func (c *countingGetter) get(opType string) (ops.Operator, error) {
	if opType == gonnxprelu.OpType {
		c.prelus++
	}
	return opset13.GetOperator(opType)
}

// TestFallback checks that integer types, and tensors that are not plain
// dense ones, run gonnx's own operator, with its results; and that float
// tensors do not.
func TestFallback(t *testing.T) {
	var c countingGetter
	get := gonnxprelu.WrapGetter(c.get)
	adapter, err := get("PRelu")
	require.NoError(t, err)
	c.prelus = 0 // WrapGetter asked for one, to check there is one
	own := gonnxOp(t)

	xs, ss := []int{2, 3, 4}, []int{3, 1}
	ints := func(n int, off int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i%7 - off
		}
		return s
	}
	t.Run("int32", func(t *testing.T) {
		x, slope := dense(xs, conv[int32](ints(24, 3))), dense(ss, conv[int32](ints(3, 1)))
		requireEqual[int32](t, apply(t, own, x, slope), apply(t, adapter, x, slope))
	})
	t.Run("int64", func(t *testing.T) {
		x, slope := dense(xs, conv[int64](ints(24, 3))), dense(ss, conv[int64](ints(3, 1)))
		requireEqual[int64](t, apply(t, own, x, slope), apply(t, adapter, x, slope))
	})
	t.Run("uint32", func(t *testing.T) {
		x, slope := dense(xs, conv[uint32](ints(24, 0))), dense(ss, conv[uint32](ints(3, 0)))
		requireEqual[uint32](t, apply(t, own, x, slope), apply(t, adapter, x, slope))
	})
	t.Run("uint64", func(t *testing.T) {
		x, slope := dense(xs, conv[uint64](ints(24, 0))), dense(ss, conv[uint64](ints(3, 0)))
		requireEqual[uint64](t, apply(t, own, x, slope), apply(t, adapter, x, slope))
	})
	require.Equal(t, 4, c.prelus, "integer tensors run gonnx's operator")

	r := rand.New(rand.NewPCG(7, 8))
	t.Run("view", func(t *testing.T) {
		full := dense([]int{4, 3, 4}, normal[float32](r, 48))
		view, err := full.Slice(tensor.S(0, 2))
		require.NoError(t, err)
		require.True(t, view.(*tensor.Dense).IsView())
		slope := dense(ss, normal[float32](r, 3))
		requireEqual[float32](t, apply(t, own, view, slope), apply(t, adapter, view, slope))
	})
	require.Equal(t, 5, c.prelus, "a view runs gonnx's operator")

	x, slope := dense(xs, normal[float32](r, 24)), dense(ss, normal[float32](r, 3))
	requireEqual[float32](t, apply(t, own, x, slope), apply(t, adapter, x, slope))
	require.Equal(t, 5, c.prelus, "float32 runs the library")
}

func conv[T number](s []int) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = T(v)
	}
	return out
}

// TestErrors checks that invalid inputs give gonnx's own errors.
func TestErrors(t *testing.T) {
	own, adapter := gonnxOp(t), adapterOp(t)
	f32 := func(shape ...int) tensor.Tensor { return dense(shape, make([]float32, count(shape))) }

	for _, tc := range []struct {
		name   string
		inputs []tensor.Tensor
	}{
		{"one input", []tensor.Tensor{f32(2, 3)}},
		{"three inputs", []tensor.Tensor{f32(2, 3), f32(3), f32(3)}},
		{"mixed types", []tensor.Tensor{f32(2, 3), dense([]int{3}, make([]float64, 3))}},
		{"bool", []tensor.Tensor{tensor.New(tensor.WithShape(2), tensor.WithBacking([]bool{true, false})), tensor.New(tensor.WithShape(2), tensor.WithBacking([]bool{true, false}))}},
	} {
		t.Run("validate "+tc.name, func(t *testing.T) {
			_, want := own.ValidateInputs(tc.inputs)
			_, got := adapter.ValidateInputs(tc.inputs)
			require.Error(t, want)
			require.EqualError(t, got, want.Error())
		})
	}

	for _, tc := range []struct{ x, slope []int }{
		{[]int{2, 3}, []int{2}},
		{[]int{3}, []int{1, 3}},
		{[]int{1, 3, 4, 5}, []int{3}},
	} {
		t.Run(fmt.Sprint("broadcast ", tc.x, tc.slope), func(t *testing.T) {
			in := []tensor.Tensor{f32(tc.x...), f32(tc.slope...)}
			_, want := own.Apply(in)
			_, got := adapter.Apply(in)
			require.Error(t, want)
			require.EqualError(t, got, want.Error())
		})
	}
}

// TestWrap checks that Wrap replaces PRelu only, and only once.
func TestWrap(t *testing.T) {
	m := &gonnx.Model{GetOperator: opset13.GetOperator}
	require.Same(t, m, gonnxprelu.Wrap(m))
	op, err := m.GetOperator("PRelu")
	require.NoError(t, err)
	require.IsType(t, &gonnxprelu.PRelu{}, op)
	again, err := m.GetOperator("PRelu")
	require.NoError(t, err)
	require.Same(t, op, again, "the operator is shared: the getter does not allocate")

	relu, err := m.GetOperator("Relu")
	require.NoError(t, err)
	require.IsType(t, &opset13.Relu{}, relu)
	_, err = m.GetOperator("NoSuchOp")
	require.Error(t, err)

	gonnxprelu.Wrap(m)
	twice, err := m.GetOperator("PRelu")
	require.NoError(t, err)
	require.Same(t, op, twice, "wrapping twice changes nothing")

	// A getter without PRelu is left as it is.
	none := func(string) (ops.Operator, error) { return nil, ops.ErrUnknownOperatorType("PRelu") }
	_, err = gonnxprelu.WrapGetter(none)("PRelu")
	require.Error(t, err)
}

// sink keeps what a benchmark or allocation count makes from being
// optimised away.
var (
	sink    []tensor.Tensor
	sinkOne tensor.Tensor
)

// TestAllocs checks that Apply allocates nothing beyond the output tensor
// gonnx expects (and the one-element slice that returns it).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts vary under the race detector")
	}
	r := rand.New(rand.NewPCG(9, 10))
	adapter, own := adapterOp(t), gonnxOp(t)
	// gorgonia recycles *Dense from a pool that other calls fill, which
	// would make the counts depend on what ran before.
	tensor.DontUsePool()
	defer tensor.UsePool()
	for _, p := range shapePairs {
		x := dense(p.x, normal[float32](r, count(p.x)))
		slope := dense(p.slope, normal[float32](r, count(p.slope)))
		in := []tensor.Tensor{x, slope}
		output := testing.AllocsPerRun(50, func() {
			sink = []tensor.Tensor{tensor.NewDense(tensor.Float32, x.Shape())}
		})
		got := testing.AllocsPerRun(50, func() {
			if _, err := adapter.ValidateInputs(in); err != nil {
				panic(err)
			}
			out, err := adapter.Apply(in)
			if err != nil {
				panic(err)
			}
			sink = out
		})
		gonnxAllocs := testing.AllocsPerRun(50, func() { sinkOne = apply(t, own, x, slope) })
		t.Logf("%v %v: adapter %v allocations, the output alone %v, gonnx %v", p.x, p.slope, got, output, gonnxAllocs)
		require.LessOrEqual(t, got, output, "%v %v", p.x, p.slope)
	}
}

// TestScalar checks rank-0 tensors, which gonnx's own operator rejects (its
// loop type-asserts Data(), a scalar for shape ()) and the adapter computes.
func TestScalar(t *testing.T) {
	x := tensor.New(tensor.WithShape(), tensor.WithBacking([]float32{-2}))
	slope := tensor.New(tensor.WithShape(), tensor.WithBacking([]float32{0.5}))
	in := []tensor.Tensor{x, slope}
	_, err := gonnxOp(t).Apply(in)
	require.Error(t, err)
	y := apply(t, adapterOp(t), x, slope)
	require.Equal(t, tensor.ScalarShape(), y.Shape())
	require.Equal(t, float32(-1), y.Data())
}
