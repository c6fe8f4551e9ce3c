// Package gonnxprelu runs the PRelu operator of gonnx models
// (github.com/advancedclimatesystems/gonnx) on the SIMD kernels of
// github.com/prelu-go/prelu, and leaves every other operator to gonnx.
//
// gonnx's own PRelu materialises the broadcast slope with tensor.Repeat on
// every call (a slope of shape [C,1,1] becomes a tensor as large as X) and
// then runs a scalar loop. This package's operator maps the broadcast onto
// the kernels with [prelu.ForwardBroadcast] instead, and allocates nothing
// beyond the output tensor that gonnx expects.
//
//	model, err := gonnx.NewModelFromFile("model.onnx")
//	...
//	gonnxprelu.Wrap(model)
//	outputs, err := model.Run(inputs)
//
// # Semantics
//
// ONNX defines PRelu as y = slope*x where x < 0, else x. This package
// computes y = x where x > 0, else slope*x, one IEEE multiply: the library's
// definition, which is PyTorch's. The two agree on every x except ±0, where
// ONNX returns x itself and this package returns slope*x:
//
//   - the sign of a zero result can differ: +0 with a negative slope gives
//     -0 (ONNX: +0), and -0 with a negative slope gives +0 (ONNX: -0); the
//     values still compare equal;
//   - 0 times an infinite or NaN slope is NaN (ONNX: the zero).
//
// NaN inputs give NaN either way. Everywhere else the result is the same
// float, bit for bit.
//
// float32 and float64 tensors run on the library; the integer types that
// gonnx's PRelu accepts (int32, int64, uint32, uint64), tensors that are not
// plain row-major *tensor.Dense (views, transposes, masked or column-major
// tensors), and any other input the library cannot take go to gonnx's own
// operator, unchanged.
package gonnxprelu

import (
	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/advancedclimatesystems/gonnx/ops"
	"github.com/prelu-go/prelu"
	"gorgonia.org/tensor"
)

// OpType is the ONNX operator type that this package replaces.
const OpType = "PRelu"

// Wrap makes m run PRelu on the library, with every other operator still
// gonnx's own: it replaces m.GetOperator by [WrapGetter] of it. It returns
// m. Wrapping a model twice changes nothing.
func Wrap(m *gonnx.Model) *gonnx.Model {
	m.GetOperator = WrapGetter(m.GetOperator)
	return m
}

// WrapGetter returns an operator getter that answers PRelu with a [PRelu]
// operator, falling back to get's own PRelu where the library cannot run,
// and every other operator type with get itself. If get has no PRelu, or its
// PRelu is already this package's, WrapGetter returns get unchanged.
//
// The getter returns the same stateless operator every time, so it does not
// allocate, and models using it can run concurrently as gonnx's own can.
func WrapGetter(get gonnx.OpGetter) gonnx.OpGetter {
	own, err := get(OpType)
	if err != nil {
		return get
	}
	if _, ok := own.(*PRelu); ok {
		return get
	}
	op := &PRelu{fallback: get}
	return func(opType string) (ops.Operator, error) {
		if opType == OpType {
			return op, nil
		}
		return get(opType)
	}
}

// PRelu is gonnx's PRelu operator on the library's kernels. It implements
// ops.Operator, holds no state between calls, and is safe for concurrent
// use. Create it with [WrapGetter] (or [Wrap]).
type PRelu struct {
	fallback gonnx.OpGetter // gives the operator for what the library cannot run
}

// node is what the fallback operator is initialised with. PRelu has no
// attributes in any opset, so every node is the same to it.
var node = &onnx.NodeProto{OpType: OpType}

// String names the operator in errors, as gonnx's PRelu does.
func (op *PRelu) String() string { return "prelu operator" }

// Init does nothing: PRelu has no attributes.
func (op *PRelu) Init(*onnx.NodeProto) error { return nil }

// GetMinInputs returns 2: X and the slope.
func (op *PRelu) GetMinInputs() int { return 2 }

// GetMaxInputs returns 2: X and the slope.
func (op *PRelu) GetMaxInputs() int { return 2 }

// GetInputTypeConstraints returns the element types gonnx's PRelu accepts,
// for X and for the slope.
func (op *PRelu) GetInputTypeConstraints() [][]tensor.Dtype {
	types := func() []tensor.Dtype {
		return []tensor.Dtype{tensor.Uint32, tensor.Uint64, tensor.Int32, tensor.Int64, tensor.Float32, tensor.Float64}
	}
	return [][]tensor.Dtype{types(), types()}
}

// ValidateInputs checks what gonnx's PRelu checks (two inputs of an
// accepted type, the same for both) with the same errors, without
// allocating.
func (op *PRelu) ValidateInputs(inputs []tensor.Tensor) ([]tensor.Tensor, error) {
	if len(inputs) != 2 {
		return inputs, ops.ErrInvalidInputCount(len(inputs), op)
	}
	for i, in := range inputs {
		if in == nil {
			return inputs, ops.ErrInvalidInput("X and slope are required", op)
		}
		switch in.Dtype() {
		case tensor.Uint32, tensor.Uint64, tensor.Int32, tensor.Int64, tensor.Float32, tensor.Float64:
		default:
			return inputs, ops.ErrInvalidInputType(i, in.Dtype().Name(), op)
		}
	}
	if inputs[0].Dtype() != inputs[1].Dtype() {
		return nil, ops.ErrInvalidTensor("DType of 'slope' does not match DType of 'x'", op)
	}
	return inputs, nil
}

// Apply computes PRelu of inputs[0] (X) with the slope inputs[1] broadcast
// onto it, and returns a new tensor of X's shape and type.
func (op *PRelu) Apply(inputs []tensor.Tensor) ([]tensor.Tensor, error) {
	if len(inputs) == 2 && inputs[0] != nil && inputs[1] != nil && inputs[0].Dtype() == inputs[1].Dtype() {
		switch inputs[0].Dtype() {
		case tensor.Float32:
			if y, ok, err := apply(inputs[0], inputs[1], (*tensor.Dense).Float32s); ok {
				return y, err
			}
		case tensor.Float64:
			if y, ok, err := apply(inputs[0], inputs[1], (*tensor.Dense).Float64s); ok {
				return y, err
			}
		}
	}
	return op.gonnx(inputs)
}

// apply runs the library on x and slope if both are plain dense tensors,
// and reports whether it did.
func apply[T prelu.Float](x, slope tensor.Tensor, data func(*tensor.Dense) []T) (_ []tensor.Tensor, ok bool, err error) {
	xd, ok := plain(x)
	if !ok {
		return nil, false, nil
	}
	sd, ok := plain(slope)
	if !ok {
		return nil, false, nil
	}
	xs, ss := xd.Shape(), sd.Shape()
	xv, sv := data(xd), data(sd)
	if len(xv) != xs.TotalSize() || len(sv) != ss.TotalSize() {
		return nil, false, nil
	}
	if _, _, _, err := prelu.SlopeLayout(xs, ss); err != nil {
		return nil, true, ops.ErrUnidirBroadcast(xs, ss)
	}
	y := tensor.NewDense(xd.Dtype(), xs)
	if err := prelu.ForwardBroadcast(data(y), xv, xs, sv, ss); err != nil {
		return nil, true, err
	}
	return []tensor.Tensor{y}, true, nil
}

// plain returns t as a *tensor.Dense whose backing slice holds its elements
// in row-major order, if it is one.
func plain(t tensor.Tensor) (*tensor.Dense, bool) {
	d, ok := t.(*tensor.Dense)
	if !ok || d.IsMaterializable() || d.IsMasked() || d.DataOrder().IsColMajor() || !d.IsNativelyAccessible() {
		return nil, false
	}
	return d, true
}

// gonnx runs gonnx's own PRelu.
func (op *PRelu) gonnx(inputs []tensor.Tensor) ([]tensor.Tensor, error) {
	own, err := op.fallback(OpType)
	if err != nil {
		return nil, err
	}
	if err := own.Init(node); err != nil {
		return nil, err
	}
	return own.Apply(inputs)
}
