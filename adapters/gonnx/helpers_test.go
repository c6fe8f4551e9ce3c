package gonnxprelu_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/advancedclimatesystems/gonnx/ops"
	"github.com/advancedclimatesystems/gonnx/ops/opset13"
	gonnxprelu "github.com/prelu-go/prelu/adapters/gonnx"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// number is every element type gonnx's PRelu takes.
type number interface {
	~float32 | ~float64 | ~int32 | ~int64 | ~uint32 | ~uint64
}

// dense makes a tensor of the given shape holding data.
func dense[T number](shape []int, data []T) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

func count(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// normal returns n standard normal values with no exact zeros, as numpy's
// randn would give.
func normal[T float32 | float64](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		for s[i] == 0 {
			s[i] = T(r.NormFloat64())
		}
	}
	return s
}

// gonnxOp is gonnx's own PRelu operator, as a model would get it.
func gonnxOp(t testing.TB) ops.Operator {
	op, err := opset13.GetOperator("PRelu")
	require.NoError(t, err)
	require.NoError(t, op.Init(nil))
	return op
}

// adapterOp is this package's operator, as a wrapped model would get it.
func adapterOp(t testing.TB) ops.Operator {
	op, err := gonnxprelu.WrapGetter(opset13.GetOperator)("PRelu")
	require.NoError(t, err)
	require.IsType(t, &gonnxprelu.PRelu{}, op)
	require.NoError(t, op.Init(nil))
	return op
}

// apply validates the inputs and applies op, as gonnx's Model.Run does.
func apply(t testing.TB, op ops.Operator, x, slope tensor.Tensor) tensor.Tensor {
	t.Helper()
	in, err := op.ValidateInputs([]tensor.Tensor{x, slope})
	require.NoError(t, err)
	out, err := op.Apply(in)
	require.NoError(t, err)
	require.Len(t, out, 1)
	return out[0]
}

// requireEqual checks two tensors for the same shape and type and values
// equal by ==.
func requireEqual[T number](t *testing.T, want, got tensor.Tensor) {
	t.Helper()
	require.Equal(t, want.Dtype(), got.Dtype())
	require.Equal(t, want.Shape(), got.Shape())
	w, g := want.(*tensor.Dense), got.(*tensor.Dense)
	wv, gv := backing[T](w), backing[T](g)
	require.Len(t, gv, len(wv))
	for i := range wv {
		if wv[i] != gv[i] {
			t.Fatalf("element %d: got %v, want %v", i, gv[i], wv[i])
		}
	}
}

// backing is a dense tensor's elements (Data() is a scalar for shape ()).
func backing[T number](d *tensor.Dense) []T {
	if d.Shape().IsScalar() {
		return []T{d.ScalarValue().(T)}
	}
	return d.Data().([]T)
}

// bitsOf shows a float's bits, to tell -0 from +0 and NaNs apart.
func bitsOf(v float32) uint32 { return math.Float32bits(v) }
