// Package selfcheck compares every implementation of the prelu package that
// this CPU can run with the pure-Go one on random data: forward outputs and
// input gradients bit for bit, slope gradients to within rounding (they are
// summed in float64 in different orders).
package selfcheck

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/prelu-go/prelu"
)

// Run checks isa against generic on n elements per check of float32 and
// float64 data and returns the problems found. It switches the package's
// implementation with prelu.SetISA and leaves isa selected.
func Run(isa string, n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0))
	var problems []string
	for _, p := range []string{check[float32](rng, isa, n), check[float64](rng, isa, n)} {
		if p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

// outputs are everything one implementation computes on the data.
type outputs[T prelu.Float] struct {
	fwd, nchw, nhwc, dx, dxCh []T
	dalpha                    T
	dalphaCh                  []T
}

func run[T prelu.Float](isa string, x, dy, alpha []T, inner int) outputs[T] {
	if err := prelu.SetISA(isa); err != nil {
		panic(err)
	}
	n := len(x)
	o := outputs[T]{fwd: make([]T, n), nchw: make([]T, n), nhwc: make([]T, n), dx: make([]T, n), dxCh: make([]T, n), dalphaCh: make([]T, len(alpha))}
	prelu.Forward(o.fwd, x, alpha[0])
	prelu.ForwardChannels(o.nchw, x, alpha, inner)
	prelu.ForwardChannels(o.nhwc, x, alpha, 1)
	o.dalpha = prelu.Backward(o.dx, dy, x, alpha[0])
	prelu.BackwardChannels(o.dxCh, o.dalphaCh, dy, x, alpha, inner)
	return o
}

// check compares isa with generic and returns a description of the first
// difference, or "".
func check[T prelu.Float](rng *rand.Rand, isa string, n int) string {
	const channels = 8
	n = n / (channels * 7) * channels * 7
	x, dy, alpha := make([]T, n), make([]T, n), make([]T, channels)
	for i := range x {
		x[i], dy[i] = T(rng.NormFloat64()), T(rng.NormFloat64())
		if i%97 == 0 {
			x[i] = T(math.Copysign(0, -1)) // a signed zero now and then
		}
	}
	for c := range alpha {
		alpha[c] = T(rng.Float64() - 0.5)
	}
	want, got := run("generic", x, dy, alpha, 7), run(isa, x, dy, alpha, 7)
	for _, s := range []struct {
		name      string
		want, got []T
	}{{"Forward", want.fwd, got.fwd}, {"ForwardChannels NCHW", want.nchw, got.nchw},
		{"ForwardChannels NHWC", want.nhwc, got.nhwc}, {"Backward dx", want.dx, got.dx},
		{"BackwardChannels dx", want.dxCh, got.dxCh}} {
		for i := range s.want {
			if math.Float64bits(float64(s.want[i])) != math.Float64bits(float64(s.got[i])) {
				return fmt.Sprintf("%T %s: element %d is %v, want %v", x[0], s.name, i, s.got[i], s.want[i])
			}
		}
	}
	// Sums in different orders may round to neighbouring float32 values.
	tol := 1e-12
	if _, ok := any(x[0]).(float32); ok {
		tol = 0x1p-22
	}
	close := func(a, b T) bool { return math.Abs(float64(a-b)) <= tol*math.Max(1, math.Abs(float64(b))) }
	if !close(got.dalpha, want.dalpha) {
		return fmt.Sprintf("%T Backward dalpha is %v, want %v", x[0], got.dalpha, want.dalpha)
	}
	for c := range alpha {
		if !close(got.dalphaCh[c], want.dalphaCh[c]) {
			return fmt.Sprintf("%T BackwardChannels dalpha[%d] is %v, want %v", x[0], c, got.dalphaCh[c], want.dalphaCh[c])
		}
	}
	return ""
}
