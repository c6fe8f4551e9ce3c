package gonnxprelu_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/ops"
	"github.com/prelu-go/prelu"
	gonnxprelu "github.com/prelu-go/prelu/adapters/gonnx"
	"gorgonia.org/tensor"
)

// benchShapes are PRelu layers of real networks: an early NCHW layer, a
// late one, and a fully connected one.
var benchShapes = []struct{ x, slope []int }{
	{[]int{1, 64, 112, 112}, []int{64, 1, 1}},
	{[]int{1, 256, 14, 14}, []int{256, 1, 1}},
	{[]int{8, 1024}, []int{1024}},
}

// BenchmarkPRelu compares gonnx's own PRelu with the adapter's, each run as
// gonnx's Model.Run runs an operator: ValidateInputs, then Apply, which
// allocates the output. The bytes per second are X's.
func BenchmarkPRelu(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range benchShapes {
		x := dense(s.x, normal[float32](r, count(s.x)))
		slope := dense(s.slope, normal[float32](r, count(s.slope)))
		name := fmt.Sprintf("%s/slope=%s", shapeName(s.x), shapeName(s.slope))
		for _, impl := range []struct {
			name string
			op   func(testing.TB) ops.Operator
		}{{"gonnx", gonnxOp}, {"adapter", adapterOp}} {
			b.Run(name+"/"+impl.name, func(b *testing.B) {
				op := impl.op(b)
				in := []tensor.Tensor{x, slope}
				b.SetBytes(int64(4 * count(s.x)))
				b.ReportAllocs()
				for b.Loop() {
					valid, err := op.ValidateInputs(in)
					if err != nil {
						b.Fatal(err)
					}
					out, err := op.Apply(valid)
					if err != nil {
						b.Fatal(err)
					}
					sink = out
				}
			})
		}
	}
}

// BenchmarkModel runs a one-node model, y = PRelu(x, slope) with the slope
// among the model's weights, through gonnx's Model.Run, unwrapped and
// wrapped.
func BenchmarkModel(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range benchShapes {
		x := dense(s.x, normal[float32](r, count(s.x)))
		slope := initializer("slope", s.slope, normal[float32](r, count(s.slope)))
		name := fmt.Sprintf("%s/slope=%s", shapeName(s.x), shapeName(s.slope))
		for _, impl := range []struct {
			name string
			wrap func(*gonnx.Model) *gonnx.Model
		}{{"gonnx", func(m *gonnx.Model) *gonnx.Model { return m }}, {"adapter", gonnxprelu.Wrap}} {
			b.Run(name+"/"+impl.name, func(b *testing.B) {
				m := impl.wrap(preluModel(b, onnxFloat, s.x, s.slope, slope))
				in := gonnx.Tensors{"x": x}
				b.SetBytes(int64(4 * count(s.x)))
				b.ReportAllocs()
				for b.Loop() {
					out, err := m.Run(in)
					if err != nil {
						b.Fatal(err)
					}
					sinkOne = out["y"]
				}
			})
		}
	}
}

// BenchmarkParts splits the adapter's time into its two parts: the output
// tensor that gonnx expects each operator to allocate (tensor.NewDense, and
// the Go runtime's cost of allocating and collecting it), and the kernels
// writing into it.
func BenchmarkParts(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range benchShapes {
		x := normal[float32](r, count(s.x))
		slope := normal[float32](r, count(s.slope))
		dst := make([]float32, len(x))
		name := fmt.Sprintf("%s/slope=%s", shapeName(s.x), shapeName(s.slope))
		b.Run(name+"/output", func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			b.ReportAllocs()
			for b.Loop() {
				sinkOne = tensor.NewDense(tensor.Float32, tensor.Shape(s.x))
			}
		})
		b.Run(name+"/kernel", func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			b.ReportAllocs()
			for b.Loop() {
				if err := prelu.ForwardBroadcast(dst, x, s.x, slope, s.slope); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func shapeName(shape []int) string {
	s := ""
	for i, d := range shape {
		if i > 0 {
			s += "x"
		}
		s += fmt.Sprint(d)
	}
	return s
}
