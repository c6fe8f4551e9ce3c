package gonnxprelu_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/advancedclimatesystems/gonnx/ops/opset13"
	gonnxprelu "github.com/prelu-go/prelu/adapters/gonnx"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"
)

// writeModel writes an ONNX file with one PRelu node on NCHW input x of
// shape [1,2,2,2], with a [2,1,1] slope among the model's weights, and
// returns its path.
func writeModel(dir string) string {
	x := valueInfo("x", onnxFloat, []int{1, 2, 2, 2})
	y := valueInfo("y", onnxFloat, []int{1, 2, 2, 2})
	mp := &onnx.ModelProto{
		IrVersion:   8,
		OpsetImport: []*onnx.OperatorSetIdProto{{Version: 13}},
		Graph: &onnx.GraphProto{
			Name:        "prelu",
			Node:        []*onnx.NodeProto{{OpType: "PRelu", Input: []string{"x", "slope"}, Output: []string{"y"}}},
			Initializer: []*onnx.TensorProto{initializer("slope", []int{2, 1, 1}, []float32{0.25, 0.5})},
			Input:       []*onnx.ValueInfoProto{x},
			Output:      []*onnx.ValueInfoProto{y},
		},
	}
	b, err := proto.Marshal(mp)
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
	return path
}

func Example() {
	dir, err := os.MkdirTemp("", "gonnxprelu")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := writeModel(dir)

	// Load a model, wrap it, run it.
	model, err := gonnx.NewModelFromFile(path)
	if err != nil {
		log.Fatal(err)
	}
	gonnxprelu.Wrap(model) // PRelu now runs on the SIMD kernels

	x := tensor.New(tensor.WithShape(1, 2, 2, 2), tensor.WithBacking([]float32{
		-4, 4, -8, 8, // channel 0: slope 0.25
		-4, 4, -8, 8, // channel 1: slope 0.5
	}))
	out, err := model.Run(gonnx.Tensors{"x": x})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out["y"].Data())
	// Output: [-1 4 -2 8 -2 4 -4 8]
}

func ExampleWrapGetter() {
	// WrapGetter wraps a bare operator getter, here opset 13's.
	get := gonnxprelu.WrapGetter(opset13.GetOperator)
	op, _ := get("PRelu")
	fmt.Println(op)
	x := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{-1, -1, -1, 2, -2, 0.5}))
	slope := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{0.1, 0.2, 0.3}))
	out, _ := op.Apply([]tensor.Tensor{x, slope})
	fmt.Println(out[0].Data())
	// Output:
	// prelu operator
	// [-0.1 -0.2 -0.3 2 -0.4 0.5]
}
