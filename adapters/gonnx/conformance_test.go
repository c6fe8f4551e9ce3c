package gonnxprelu_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/onnx"
	gonnxprelu "github.com/prelu-go/prelu/adapters/gonnx"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// ONNX's PRelu node tests, run through gonnx models with the adapter. The
// ONNX test data cannot be downloaded here, so the models and inputs are
// built as onnx/backend/test/case/node/prelu.py builds them:
//
//	test_prelu_example:   x = randn(3, 4, 5), slope = randn(3, 4, 5)
//	test_prelu_broadcast: x = randn(3, 4, 5), slope = randn(5)
//	y = clip(x, 0, inf) + clip(x, -inf, 0) * slope
//
// with x and slope both graph inputs, in opset 13 (the one gonnx has). One
// more case is PRelu as it sits in a real network: NCHW activations with
// the slope, of shape [C,1,1], a trained initializer.

// Element types of onnx.TensorProto.
var (
	onnxFloat  = onnx.TensorProto_DataType_value["FLOAT"]
	onnxDouble = onnx.TensorProto_DataType_value["DOUBLE"]
	onnxInt32  = onnx.TensorProto_DataType_value["INT32"]
)

// valueInfo declares a graph input or output.
func valueInfo(name string, elem int32, shape []int) *onnx.ValueInfoProto {
	dims := make([]*onnx.TensorShapeProto_Dimension, len(shape))
	for i, d := range shape {
		dims[i] = &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}}
	}
	return &onnx.ValueInfoProto{
		Name: name,
		Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{TensorType: &onnx.TypeProto_Tensor{
			ElemType: elem,
			Shape:    &onnx.TensorShapeProto{Dim: dims},
		}}},
	}
}

// initializer is a float32 constant of the graph.
func initializer(name string, shape []int, data []float32) *onnx.TensorProto {
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	return &onnx.TensorProto{Name: name, Dims: dims, DataType: onnxFloat, FloatData: data}
}

// preluModel builds the model y = PRelu(x, slope) in opset 13. With a
// non-nil slope initializer, the slope is a constant of the model rather
// than an input; extra nodes run after the PRelu, on y.
func preluModel(t testing.TB, elem int32, xShape, slopeShape []int, slope *onnx.TensorProto, extra ...*onnx.NodeProto) *gonnx.Model {
	t.Helper()
	out := "y"
	if len(extra) > 0 {
		out = extra[len(extra)-1].Output[0]
	}
	graph := &onnx.GraphProto{
		Name:   "prelu",
		Node:   append([]*onnx.NodeProto{{Name: "prelu", OpType: "PRelu", Input: []string{"x", "slope"}, Output: []string{"y"}}}, extra...),
		Input:  []*onnx.ValueInfoProto{valueInfo("x", elem, xShape)},
		Output: []*onnx.ValueInfoProto{valueInfo(out, elem, xShape)},
	}
	if slope != nil {
		graph.Initializer = []*onnx.TensorProto{slope}
	} else {
		graph.Input = append(graph.Input, valueInfo("slope", elem, slopeShape))
	}
	mp := &onnx.ModelProto{
		IrVersion:   8,
		OpsetImport: []*onnx.OperatorSetIdProto{{Version: 13}},
		Graph:       graph,
	}
	m, err := gonnx.NewModel(mp)
	require.NoError(t, err)
	return m
}

// expected is ONNX's reference output, clip(x, 0, inf) + clip(x, -inf, 0) *
// slope, with the slope broadcast the numpy way.
func expected[T float32 | float64](x []T, xShape []int, slope []T, slopeShape []int) []T {
	y := make([]T, len(x))
	for i, v := range x {
		s := slope[slopeIndex(i, xShape, slopeShape)]
		y[i] = max(v, 0) + min(v, 0)*s
	}
	return y
}

// slopeIndex is the slope element that X's element i uses, by numpy's
// broadcasting rules.
func slopeIndex(i int, xShape, slopeShape []int) int {
	idx := make([]int, len(xShape))
	for d := len(xShape) - 1; d >= 0; d-- {
		idx[d] = i % xShape[d]
		i /= xShape[d]
	}
	lead, off := len(xShape)-len(slopeShape), 0
	for d, n := range slopeShape {
		j := 0
		if n != 1 {
			j = idx[lead+d]
		}
		off = off*n + j
	}
	return off
}

// requireValues checks the output's values with ==: stricter than ONNX's
// own test tolerance (rtol 1e-3, atol 1e-7).
func requireValues[T float32 | float64](t *testing.T, want []T, got tensor.Tensor, shape []int) {
	t.Helper()
	require.Equal(t, tensor.Shape(shape), got.Shape())
	g := got.Data().([]T)
	require.Len(t, g, len(want))
	for i := range want {
		if g[i] != want[i] {
			t.Fatalf("element %d: got %v, want %v", i, g[i], want[i])
		}
	}
}

func TestONNXNodeCases(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 13))
	for _, c := range []struct {
		name            string
		xShape, sShape  []int
		slopeIsConstant bool
	}{
		{"test_prelu_example", []int{3, 4, 5}, []int{3, 4, 5}, false},
		{"test_prelu_broadcast", []int{3, 4, 5}, []int{5}, false},
		{"nchw_slope_c11", []int{1, 64, 56, 56}, []int{64, 1, 1}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, slope := normal[float32](r, count(c.xShape)), normal[float32](r, count(c.sShape))
			if c.slopeIsConstant {
				for i := range slope {
					slope[i] = float32(0.25 + 0.1*r.NormFloat64()) // as trained slopes are
				}
			}
			var init *onnx.TensorProto
			inputs := gonnx.Tensors{"x": dense(c.xShape, x)}
			if c.slopeIsConstant {
				init = initializer("slope", c.sShape, slope)
			} else {
				inputs["slope"] = dense(c.sShape, slope)
			}
			want := expected(x, c.xShape, slope, c.sShape)

			wrapped := gonnxprelu.Wrap(preluModel(t, onnxFloat, c.xShape, c.sShape, init))
			out, err := wrapped.Run(inputs)
			require.NoError(t, err)
			requireValues(t, want, out["y"], c.xShape)

			// gonnx on its own gives the same.
			own, err := preluModel(t, onnxFloat, c.xShape, c.sShape, init).Run(inputs)
			require.NoError(t, err)
			requireValues(t, want, own["y"], c.xShape)
		})
	}
}

// TestModelOtherTypes runs float64 (on the library) and int32 (gonnx's
// operator) through wrapped models.
func TestModelOtherTypes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 13))
	xShape, sShape := []int{3, 4, 5}, []int{5}

	x, slope := normal[float64](r, 60), normal[float64](r, 5)
	m := gonnxprelu.Wrap(preluModel(t, onnxDouble, xShape, sShape, nil))
	out, err := m.Run(gonnx.Tensors{"x": dense(xShape, x), "slope": dense(sShape, slope)})
	require.NoError(t, err)
	requireValues(t, expected(x, xShape, slope, sShape), out["y"], xShape)

	xi, si := make([]int32, 60), []int32{1, 2, 3, -1, 0}
	for i := range xi {
		xi[i] = int32(i%11 - 5)
	}
	m = gonnxprelu.Wrap(preluModel(t, onnxInt32, xShape, sShape, nil))
	out, err = m.Run(gonnx.Tensors{"x": dense(xShape, xi), "slope": dense(sShape, si)})
	require.NoError(t, err)
	got := out["y"].Data().([]int32)
	for i, v := range xi {
		want := v
		if v < 0 {
			want = v * si[i%5]
		}
		require.Equal(t, want, got[i], "element %d", i)
	}
}

// TestModelOtherOperators checks that a wrapped model still runs its other
// operators on gonnx: z = Relu(PRelu(x, slope)) with positive slopes is
// Relu(x).
func TestModelOtherOperators(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 13))
	xShape, sShape := []int{2, 8, 4, 4}, []int{8, 1, 1}
	x, slope := normal[float32](r, count(xShape)), normal[float32](r, 8)
	for i := range slope {
		slope[i] = float32(math.Abs(float64(slope[i])))
	}
	relu := &onnx.NodeProto{Name: "relu", OpType: "Relu", Input: []string{"y"}, Output: []string{"z"}}
	m := gonnxprelu.Wrap(preluModel(t, onnxFloat, xShape, sShape, initializer("slope", sShape, slope), relu))
	out, err := m.Run(gonnx.Tensors{"x": dense(xShape, x)})
	require.NoError(t, err)
	want := make([]float32, len(x))
	for i, v := range x {
		want[i] = max(v, 0)
	}
	requireValues(t, want, out["z"], xShape)
}
