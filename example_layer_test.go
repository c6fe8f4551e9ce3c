package prelu_test

import (
	"fmt"
	"math"

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

func ExampleLayer_Clamp() {
	l := prelu.NewLayer[float32](4, 1)
	copy(l.Alpha, []float32{-0.8, 0.1, 0.3, 1.5}) // after an optimiser's step
	l.Clamp(0, 1)                                 // back between ReLU (0) and linear (1)
	fmt.Println(l.Alpha)
	// Output:
	// [0 0.1 0.3 1]
}

func ExampleLayer_AddDecay() {
	l := prelu.NewLayer[float64](2, 1)
	l.Alpha[1] = -0.5
	x := []float64{-1, 2, -2, -4} // a batch of two rows of two units
	l.Forward(make([]float64, len(x)), x)
	l.Backward(nil, []float64{1, 1, 1, 1})
	fmt.Println(l.Grad) // the data's gradient: -1-2 and -4

	l.AddDecay(0.1) // + 0.1*alpha: L2 on the slopes only
	fmt.Println(l.Grad)
	// Output:
	// [-3 -4]
	// [-2.975 -4.05]
}

// Two layers of the same width share one set of slopes: the same Alpha and
// Grad slices. Each Backward adds its share to the one Grad.
func ExampleLayer_tied() {
	first := prelu.NewLayer[float32](2, 1)
	second := &prelu.Layer[float32]{Alpha: first.Alpha, Grad: first.Grad, Inner: 1}

	z1, z2 := []float32{-1, 3}, []float32{-2, -4}
	h1, h2 := make([]float32, 2), make([]float32, 2)
	first.Forward(h1, z1)
	second.Forward(h2, z2)
	ones := []float32{1, 1}
	second.Backward(make([]float32, 2), ones)
	first.Backward(make([]float32, 2), ones)
	fmt.Println(first.Grad) // (-1) + (-2) for the first slope, 0 + (-4) for the second
	// Output:
	// [-3 -4]
}

// Freezing the slopes half-way through training, as a training loop would.
func ExampleLayer_freeze() {
	l := prelu.NewLayer[float32](1, 1)
	x, dy := []float32{-2, 1}, []float32{1, 1}
	h, dx := make([]float32, 2), make([]float32, 2)
	for epoch := 1; epoch <= 4; epoch++ {
		l.Frozen = epoch > 2 // constant slopes from epoch 3 on
		l.ZeroGrad()
		l.Forward(h, x)
		l.Backward(dx, dy)
		if !l.Frozen { // skip the step (and its momentum) on frozen slopes
			l.Alpha[0] -= 0.05 * l.Grad[0]
		}
		fmt.Println(epoch, l.Alpha, dx)
	}
	// Output:
	// 1 [0.35] [0.25 1]
	// 2 [0.45] [0.35 1]
	// 3 [0.45] [0.45 1]
	// 4 [0.45] [0.45 1]
}

func ExampleGain() {
	// He initialisation: weights N(0, (Gain(a)/sqrt(fan_in))^2) for the
	// slope a the activation after them starts with.
	fanIn := 784.0
	for _, a := range []float64{0, 0.01, prelu.InitialSlope, 1} {
		fmt.Printf("slope %.2f: gain %.4f, std %.5f\n", a, prelu.Gain(a), prelu.Gain(a)/math.Sqrt(fanIn))
	}
	// Output:
	// slope 0.00: gain 1.4142, std 0.05051
	// slope 0.01: gain 1.4141, std 0.05051
	// slope 0.25: gain 1.3720, std 0.04900
	// slope 1.00: gain 1.0000, std 0.03571
}
