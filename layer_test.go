package prelu

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// layerCase is a layout a Layer is tested with.
type layerCase struct {
	name                   string
	channels, inner, outer int
}

var layerCases = []layerCase{
	{"shared", 1, 1, 301},
	{"shared-inner", 1, 9, 37}, // Inner plays no part with one slope
	{"units", 7, 1, 45},        // channel-last, as in an MLP
	{"units256", 256, 1, 6},    // the pattern kernel with the slopes as they are
	{"units-long", 700, 1, 3},  // channel-last rows longer than the stack pattern
	{"nchw-small", 3, 5, 11},   // planes shorter than a vector
	{"nchw", 4, 37, 5},         // planes of several vectors
}

// withISA makes the exported functions, and so Layer, use isa for the rest
// of the test.
func withISA(t *testing.T, isa isaID) {
	old := active.Load()
	active.Store(uint32(isa))
	t.Cleanup(func() { active.Store(old) })
}

func layerData[T Float](rng *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		switch rng.IntN(12) {
		case 0:
			s[i] = 0
		case 1:
			s[i] = T(math.Copysign(0, -1))
		default:
			s[i] = T(rng.NormFloat64())
		}
	}
	return s
}

func layerSlopes[T Float](rng *rand.Rand, channels int) []T {
	a := make([]T, channels)
	for i := range a {
		a[i] = T(rng.Float64()*0.6 - 0.1) // some negative
	}
	if channels > 2 {
		a[0], a[1] = 0, 1
	}
	return a
}

// sameLayer fails unless got and want are bit-identical (any NaN matching
// any NaN).
func sameLayer[T Float](t *testing.T, what string, want, got []T) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if w != w && g != g {
			continue
		}
		if w != g || math.Signbit(float64(w)) != math.Signbit(float64(g)) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, g, w)
		}
	}
}

// plainForward and plainBackward are what a Layer must do, written with the
// exported functions.
func plainForward[T Float](dst, x, alpha []T, inner int) {
	if len(alpha) == 1 {
		Forward(dst, x, alpha[0])
	} else {
		ForwardChannels(dst, x, alpha, inner)
	}
}

func plainBackward[T Float](dx, dalpha, dy, x, alpha []T, inner int) {
	if len(alpha) == 1 {
		dalpha[0] += Backward(dx, dy, x, alpha[0])
	} else {
		BackwardChannels(dx, dalpha, dy, x, alpha, inner)
	}
}

func TestLayerMatchesFunctions(t *testing.T) {
	t.Run("f32", testLayerMatchesFunctions[float32])
	t.Run("f64", testLayerMatchesFunctions[float64])
	type F32 float32
	t.Run("F32", testLayerMatchesFunctions[F32])
}

func testLayerMatchesFunctions[T Float](t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		withISA(t, isa)
		for _, c := range layerCases {
			t.Run(c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(c.channels), uint64(c.inner*1000+c.outer)))
				n := c.channels * c.inner * c.outer
				x, dy := layerData[T](rng, n), layerData[T](rng, n)
				l := NewLayer[T](c.channels, c.inner)
				copy(l.Alpha, layerSlopes[T](rng, c.channels))

				y, want := make([]T, n), make([]T, n)
				l.Forward(y, x)
				plainForward(want, x, l.Alpha, c.inner)
				sameLayer(t, "Forward", want, y)
				for i := range x { // and against the definition
					if o := oracleOf(x[i], l.Alpha[(i/c.inner)%c.channels]); !sameBits(o, y[i]) {
						t.Fatalf("y[%d] = %v, want %v", i, y[i], o)
					}
				}

				dx, wantDx := make([]T, n), make([]T, n)
				wantGrad := make([]T, c.channels)
				l.Backward(dx, dy)
				plainBackward(wantDx, wantGrad, dy, x, l.Alpha, c.inner)
				sameLayer(t, "Backward dx", wantDx, dx)
				sameLayer(t, "Grad", wantGrad, l.Grad)

				// Gradient only.
				l.ZeroGrad()
				l.Backward(nil, dy)
				sameLayer(t, "Grad (dx nil)", wantGrad, l.Grad)

				// dx in place over dy.
				l.ZeroGrad()
				dyc := append([]T(nil), dy...)
				l.Backward(dyc, dyc)
				sameLayer(t, "Backward dx = dy", wantDx, dyc)
				sameLayer(t, "Grad (dx = dy)", wantGrad, l.Grad)

				// Frozen: the same dx, Grad untouched.
				l.Frozen = true
				sentinel := make([]T, c.channels)
				for i := range sentinel {
					sentinel[i] = T(i) + 0.5
				}
				copy(l.Grad, sentinel)
				clear(dx)
				l.Backward(dx, dy)
				sameLayer(t, "frozen dx", wantDx, dx)
				sameLayer(t, "frozen Grad", sentinel, l.Grad)
			})
		}
	})
}

// oracleOf is PReLU by definition.
func oracleOf[T Float](x, alpha T) T {
	if x > 0 {
		return x
	}
	return alpha * x
}

func TestLayerAccumulates(t *testing.T) {
	t.Run("f32", testLayerAccumulates[float32])
	t.Run("f64", testLayerAccumulates[float64])
}

// testLayerAccumulates runs mini-batches through Forward and Backward
// without zeroing: Grad must be the running sum of each batch's gradient
// (bit for bit, as the plain functions give it) and match the gradient of
// the whole batch; ZeroGrad starts over.
func testLayerAccumulates[T Float](t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		withISA(t, isa)
		for _, c := range layerCases {
			t.Run(c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, uint64(c.channels*31+c.inner)))
				const batches = 4
				per := c.channels * c.inner * c.outer
				n := batches * per
				x, dy := layerData[T](rng, n), layerData[T](rng, n)
				l := NewLayer[T](c.channels, c.inner)
				copy(l.Alpha, layerSlopes[T](rng, c.channels))

				running := make([]T, c.channels)
				y, dx, scratch := make([]T, per), make([]T, per), make([]T, per)
				for b := range batches {
					xb, dyb := x[b*per:(b+1)*per], dy[b*per:(b+1)*per]
					l.Forward(y, xb)
					l.Backward(dx, dyb)
					plainBackward(scratch, running, dyb, xb, l.Alpha, c.inner)
					sameLayer(t, "Grad after a batch", running, l.Grad)
				}

				whole := make([]T, c.channels)
				plainBackward(make([]T, n), whole, dy, x, l.Alpha, c.inner)
				for i := range whole {
					tol := 1e-12 * float64(n)
					if isFloat32[T]() {
						tol = 1e-5 * float64(n)
					}
					if d := math.Abs(float64(whole[i] - l.Grad[i])); d > tol {
						t.Fatalf("Grad[%d] = %v accumulated over %d batches, %v in one: differ by %g", i, l.Grad[i], batches, whole[i], d)
					}
				}

				l.ZeroGrad()
				sameLayer(t, "after ZeroGrad", make([]T, c.channels), l.Grad)
				l.Forward(y, x[:per])
				l.Backward(nil, dy[:per])
				fresh := make([]T, c.channels)
				plainBackward(nil, fresh, dy[:per], x[:per], l.Alpha, c.inner)
				sameLayer(t, "Grad after ZeroGrad and a batch", fresh, l.Grad)
			})
		}
	})
}

func TestLayerFrozen(t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		withISA(t, isa)
		for _, c := range layerCases {
			t.Run(c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, uint64(c.channels)))
				n := c.channels * c.inner * c.outer
				x, dy := layerData[float32](rng, n), layerData[float32](rng, n)
				x[0] = float32(math.NaN()) // would make a computed gradient NaN

				l := NewLayer[float32](c.channels, c.inner)
				copy(l.Alpha, layerSlopes[float32](rng, c.channels))
				l.Frozen = true
				l.Grad[0] = 42
				grad := append([]float32(nil), l.Grad...)

				y, dx := make([]float32, n), make([]float32, n)
				for range 3 {
					l.Forward(y, x)
					l.Backward(dx, dy)
					l.Backward(nil, dy) // nothing to compute
				}
				sameLayer(t, "Grad of a frozen layer", grad, l.Grad)
				for i := range dx {
					a := l.Alpha[(i/c.inner)%c.channels]
					want := dy[i]
					if !(x[i] > 0) {
						want = a * dy[i]
					}
					if !sameBits(want, dx[i]) {
						t.Fatalf("dx[%d] = %v, want %v", i, dx[i], want)
					}
				}

				// A frozen layer needs no gradient at all.
				l.Grad = nil
				l.Forward(y, x)
				l.Backward(dx, dy)
			})
		}
	})
}

func TestLayerDefaults(t *testing.T) {
	l := NewLayer[float32](3, 4)
	if len(l.Alpha) != 3 || len(l.Grad) != 3 || l.Inner != 4 || l.Frozen {
		t.Fatalf("NewLayer(3, 4) = %+v", l)
	}
	for _, a := range l.Alpha {
		if a != 0.25 {
			t.Fatalf("initial slope %v, want 0.25", a)
		}
	}
	for _, g := range l.Grad {
		if g != 0 {
			t.Fatalf("initial gradient %v, want 0", g)
		}
	}
}

// TestLayerInPlace: an in-place Forward is allowed exactly where Backward
// can still compute correct gradients from the output.
func TestLayerInPlace(t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		withISA(t, isa)
		for _, c := range layerCases {
			t.Run(c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, uint64(c.channels)))
				n := c.channels * c.inner * c.outer
				x, dy := layerData[float64](rng, n), layerData[float64](rng, n)
				for _, slope := range []float64{0, 0.01, 0.25} { // ReLU, Leaky ReLU, frozen PReLU
					l := NewLayer[float64](c.channels, c.inner)
					for i := range l.Alpha {
						l.Alpha[i] = slope + float64(i%3)*0.1
					}
					l.Frozen = true
					y, want := make([]float64, n), make([]float64, n)
					l.Forward(y, x)
					l.Backward(want, dy)

					buf := append([]float64(nil), x...)
					l.Forward(buf, buf)
					sameLayer(t, "in-place Forward", y, buf)
					dx := make([]float64, n)
					l.Backward(dx, dy)
					sameLayer(t, "dx after an in-place Forward", want, dx)
					l.Backward(buf, dy) // dx over the saved input: consumes it
					sameLayer(t, "dx over the input", want, buf)
					mustPanicLayer(t, "Backward without a Forward", func() { l.Backward(dx, dy) })
				}
			})
		}
	})
}

func TestLayerMisuse(t *testing.T) {
	x := []float32{-1, 2, -3, 4}
	dy := []float32{1, 1, 1, 1}
	mustPanicLayer(t, "channels = 0", func() { NewLayer[float32](0, 1) })
	mustPanicLayer(t, "inner = 0", func() { NewLayer[float32](2, 0) })
	mustPanicLayer(t, "Backward without a Forward", func() { NewLayer[float32](1, 1).Backward(nil, dy) })
	mustPanicLayer(t, "in place (dst == x)", func() {
		l := NewLayer[float32](1, 1) // trainable: Backward needs x
		buf := append([]float32(nil), x...)
		l.Forward(buf, buf)
	})
	mustPanicLayer(t, "in place (dst == x)", func() {
		l := NewLayer[float32](2, 1)
		l.Alpha[1], l.Frozen = -0.5, true // a negative slope flips the sign
		buf := append([]float32(nil), x...)
		l.Forward(buf, buf)
	})
	mustPanicLayer(t, "after an in-place Forward", func() {
		l := NewLayer[float32](1, 1)
		l.Frozen = true
		buf := append([]float32(nil), x...)
		l.Forward(buf, buf)
		l.Frozen = false // the gradient would be taken from the output
		l.Backward(nil, dy)
	})
	mustPanicLayer(t, "len(Grad)", func() {
		l := NewLayer[float32](2, 1)
		l.Grad = nil
		l.Forward(make([]float32, 4), x)
	})
	mustPanicLayer(t, "no slopes", func() { (&Layer[float32]{}).Forward(make([]float32, 4), x) })
	mustPanicLayer(t, "len(dy)", func() {
		l := NewLayer[float32](2, 1)
		l.Forward(make([]float32, 4), x)
		l.Backward(make([]float32, 4), dy[:2])
	})
	mustPanicLayer(t, "len(dy)", func() {
		l := NewLayer[float32](1, 1)
		l.Frozen = true
		l.Forward(make([]float32, 4), x)
		l.Backward(nil, dy[:2])
	})
	mustPanicLayer(t, "not a multiple", func() {
		l := NewLayer[float32](3, 1)
		l.Forward(make([]float32, 4), x)
	})
	mustPanicLayer(t, "overlap", func() {
		l := NewLayer[float32](1, 1)
		buf := make([]float32, 5)
		copy(buf, x)
		l.Forward(buf[1:], buf[:4])
	})
}

func mustPanicLayer(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, _ := r.(string)
		if r == nil || !strings.HasPrefix(msg, "prelu: ") || !strings.Contains(msg, want) {
			t.Fatalf("panic %v, want a \"prelu: \" message containing %q", r, want)
		}
	}()
	f()
}

// TestLayerNoAllocs: a training step through a Layer allocates nothing.
func TestLayerNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, channels := range []int{1, 256} {
		l := NewLayer[float32](channels, 1)
		x := make([]float32, 64*256)
		y, dx := make([]float32, len(x)), make([]float32, len(x))
		for _, frozen := range []bool{false, true} {
			l.Frozen = frozen
			allocs := testing.AllocsPerRun(20, func() {
				l.Forward(y, x)
				l.Backward(dx, y)
				l.ZeroGrad()
			})
			if allocs != 0 {
				t.Errorf("channels %d, frozen %v: %v allocations per step", channels, frozen, allocs)
			}
		}
	}
}
