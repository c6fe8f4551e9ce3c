package prelu_test

import (
	"fmt"

	"github.com/prelu-go/prelu"
)

func ExampleForward() {
	x := []float32{-2, -0.5, 0, 1.5, 3}
	y := make([]float32, len(x))
	prelu.Forward(y, x, 0.25)
	fmt.Println(y)

	prelu.Forward(x, x, 0.1) // in place
	fmt.Println(x)
	// Output:
	// [-0.5 -0.125 0 1.5 3]
	// [-0.2 -0.05 0 1.5 3]
}

func ExampleForwardChannels_nchw() {
	// One image, 2 channels of 2x2 pixels: channel c's plane of inner = H*W
	// elements uses alpha[c].
	x := []float32{
		-1, 2, -3, 4, // channel 0
		-1, 2, -3, 4, // channel 1
	}
	alpha := []float32{0.5, 0.1}
	y := make([]float32, len(x))
	prelu.ForwardChannels(y, x, alpha, 2*2)
	fmt.Println(y)
	// Output: [-0.5 2 -1.5 4 -0.1 2 -0.3 4]
}

func ExampleForwardChannels_nhwc() {
	// Channel-last: 2 pixels of 3 channels; inner = 1.
	x := []float64{-1, -1, -1, -2, 2, -2}
	alpha := []float64{0.5, 0.25, 0}
	y := make([]float64, len(x))
	prelu.ForwardChannels(y, x, alpha, 1)
	fmt.Println(y)
	// Output: [-0.5 -0.25 -0 -1 2 -0]
}

func ExampleBackward() {
	// One training step for a shared slope, minimising sum(y) (so dy = 1).
	x := []float32{-2, -1, 1, 2}
	alpha := float32(0.25)
	y := make([]float32, len(x))
	prelu.Forward(y, x, alpha)

	dy := []float32{1, 1, 1, 1}
	dx := make([]float32, len(x))
	dalpha := prelu.Backward(dx, dy, x, alpha) // sum of dy*x where x <= 0
	alpha -= 0.1 * dalpha                      // SGD on the slope

	fmt.Println(y, dx, dalpha, alpha)
	// Output: [-0.5 -0.25 1 2] [0.25 0.25 1 1] -3 0.55
}

func ExampleBackwardChannels() {
	// NCHW with 2 channels of 2 elements; the gradients accumulate into
	// dalpha, which the caller zeroes before each step.
	x := []float32{-1, 2, -3, -4}
	alpha := []float32{0.1, 0.2}
	dy := []float32{1, 1, 1, 1}
	dx := make([]float32, len(x))
	dalpha := make([]float32, len(alpha))
	prelu.BackwardChannels(dx, dalpha, dy, x, alpha, 2)
	fmt.Println(dx, dalpha)

	// Frozen slopes: dalpha == nil computes only dx.
	prelu.BackwardChannels(dx, nil, dy, x, alpha, 2)
	fmt.Println(dx)
	// Output:
	// [0.1 1 0.2 0.2] [-1 -7]
	// [0.1 1 0.2 0.2]
}

func ExampleISA() {
	// Which kernels run here, and which this CPU could run.
	fmt.Println(prelu.ISA(), prelu.ISAs())
}

func ExampleSetWorkers() {
	// A server that already runs one request per core gains nothing from
	// splitting a call over goroutines: keep each call on its own.
	previous := prelu.SetWorkers(1)
	defer prelu.SetWorkers(previous)

	x := make([]float32, 8<<20) // 32 MiB: above the threshold, on one goroutine
	x[0] = -4
	prelu.Forward(x, x, 0.25)
	fmt.Println(prelu.Workers(), x[0])
	// Output: 1 -1
}
