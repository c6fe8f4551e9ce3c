package prelu_test

import (
	"fmt"

	"github.com/prelu-go/prelu"
)

func ExampleLayer() {
	// A hidden layer of 3 units with one learnable slope per unit, on a
	// [batch][units] matrix (channel-last: inner = 1).
	l := prelu.NewLayer[float32](3, 1) // every slope starts at 0.25
	// Pre-activations of a batch of two.
	z := []float32{
		-2, 1, -4,
		2, -1, -4,
	}
	h := make([]float32, len(z))
	l.Forward(h, z) // keeps z (not a copy) for Backward
	fmt.Println(h)

	dh := []float32{1, 1, 1, 1, 1, 1} // the gradient of the loss w.r.t. h
	dz := make([]float32, len(z))
	l.Backward(dz, dh) // dz, and the slopes' gradient added to l.Grad
	fmt.Println(dz, l.Grad)

	for c := range l.Alpha { // an SGD step on the slopes
		l.Alpha[c] -= 0.03125 * l.Grad[c]
	}
	l.ZeroGrad()
	fmt.Println(l.Alpha)

	// ReLU: slope 0, frozen; Backward then computes dz only.
	relu := prelu.NewLayer[float32](1, 1)
	relu.Alpha[0], relu.Frozen = 0, true
	relu.Forward(h, z)
	relu.Backward(dz, dh)
	fmt.Println(h, dz, relu.Grad)
	// Output:
	// [-0.5 1 -1 2 -0.25 -1]
	// [0.25 1 0.25 1 0.25 0.25] [-2 -1 -8]
	// [0.3125 0.28125 0.5]
	// [-0 1 -0 2 -0 -0] [0 1 0 1 0 0] [0]
}
