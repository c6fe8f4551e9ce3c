package prelu

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLayerClamp(t *testing.T) {
	t.Run("f32", testLayerClamp[float32])
	t.Run("f64", testLayerClamp[float64])
}

func testLayerClamp[T Float](t *testing.T) {
	nan, inf := T(math.NaN()), T(math.Inf(1))
	negZero := T(math.Copysign(0, -1))
	tiny := T(math.SmallestNonzeroFloat64)
	if isFloat32[T]() {
		tiny = T(math.SmallestNonzeroFloat32)
	}
	in := []T{-0.8, -tiny, negZero, 0, tiny, 0.25, 1, 1.5, nan, inf, -inf}
	cases := []struct {
		lo, hi T
		want   []T
	}{
		{0, 1, []T{0, 0, negZero, 0, tiny, 0.25, 1, 1, nan, 1, 0}},
		{0, inf, []T{0, 0, negZero, 0, tiny, 0.25, 1, 1.5, nan, inf, 0}},
		{-inf, inf, in},
		{0.25, 0.25, []T{0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, nan, 0.25, 0.25}},
		{-0.5, 0.1, []T{-0.5, -tiny, negZero, 0, tiny, 0.1, 0.1, 0.1, nan, 0.1, -0.5}},
	}
	for _, c := range cases {
		l := NewLayer[T](len(in), 1)
		copy(l.Alpha, in)
		l.Grad[3] = 7
		l.Clamp(c.lo, c.hi)
		sameLayer(t, "Alpha after Clamp", c.want, l.Alpha)
		if l.Alpha[8] == l.Alpha[8] {
			t.Fatalf("Clamp(%v, %v) turned a NaN slope into %v", c.lo, c.hi, l.Alpha[8])
		}
		want := make([]T, len(in))
		want[3] = 7
		sameLayer(t, "Grad after Clamp", want, l.Grad)

		// A shared slope, and a frozen layer.
		s := NewLayer[T](1, 1)
		s.Alpha[0] = -0.8
		s.Clamp(c.lo, c.hi)
		sameLayer(t, "shared slope", c.want[:1], s.Alpha)
		s.Alpha[0], s.Frozen = -0.8, true
		s.Clamp(c.lo, c.hi)
		sameLayer(t, "frozen slope", []T{-0.8}, s.Alpha)
	}

	l := NewLayer[T](2, 1)
	l.Alpha[0], l.Alpha[1] = -1, 2
	for _, b := range [][2]T{{1, 0}, {nan, 1}, {0, nan}, {nan, nan}, {inf, -inf}} {
		mustPanicLayer(t, "Layer.Clamp: bounds", func() { l.Clamp(b[0], b[1]) })
		sameLayer(t, "Alpha after a refused Clamp", []T{-1, 2}, l.Alpha)
	}
	l.Frozen = true // the bounds are checked all the same
	mustPanicLayer(t, "Layer.Clamp: bounds", func() { l.Clamp(1, 0) })
}

func TestLayerAddDecay(t *testing.T) {
	t.Run("f32", testLayerAddDecay[float32])
	t.Run("f64", testLayerAddDecay[float64])
	type F64 float64
	t.Run("F64", testLayerAddDecay[F64])
}

func testLayerAddDecay[T Float](t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		withISA(t, isa)
		for _, c := range layerCases {
			t.Run(c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, uint64(c.channels*7+c.inner)))
				n := c.channels * c.inner * c.outer
				x, dy := layerData[T](rng, n), layerData[T](rng, n)
				l := NewLayer[T](c.channels, c.inner)
				copy(l.Alpha, layerSlopes[T](rng, c.channels))
				y := make([]T, n)
				l.Forward(y, x)
				l.Backward(nil, dy)
				data := append([]T(nil), l.Grad...)

				// Grad[c] += lambda*Alpha[c], the product rounded first.
				const lambda = 0.01
				l.AddDecay(lambda)
				for i, a := range l.Alpha {
					p := T(T(lambda) * a) // the conversion rounds: no fused multiply-add (arm64 would fuse)
					want := data[i] + p
					if !sameBits(want, l.Grad[i]) {
						t.Fatalf("Grad[%d] = %v after AddDecay(%v) with slope %v and gradient %v, want %v", i, l.Grad[i], lambda, a, data[i], want)
					}
				}
				// It is the gradient of lambda/2 * sum(alpha^2): a central
				// difference of the penalty agrees.
				for i, a := range l.Alpha {
					const h = 1e-3
					penalty := func(a float64) float64 { return lambda / 2 * a * a }
					num := (penalty(float64(a)+h) - penalty(float64(a)-h)) / (2 * h)
					if d := math.Abs(float64(l.Grad[i]-data[i]) - num); d > 1e-6 {
						t.Fatalf("decay gradient of slope %v: %v, central difference %v", a, l.Grad[i]-data[i], num)
					}
				}
				// Zero lambda adds nothing; a frozen layer is unchanged.
				before := append([]T(nil), l.Grad...)
				l.AddDecay(0)
				sameLayer(t, "Grad after AddDecay(0)", before, l.Grad)
				l.Frozen = true
				l.AddDecay(lambda)
				sameLayer(t, "frozen Grad after AddDecay", before, l.Grad)
				l.Grad = nil // a frozen layer needs no Grad
				l.AddDecay(lambda)
			})
		}
	})

	// A NaN slope makes its gradient NaN, and only its own.
	l := NewLayer[T](3, 1)
	l.Alpha[1] = T(math.NaN())
	l.AddDecay(0.5)
	if l.Grad[0] != 0.125 || l.Grad[1] == l.Grad[1] || l.Grad[2] != 0.125 {
		t.Fatalf("Grad = %v after AddDecay(0.5) with slopes %v", l.Grad, l.Alpha)
	}
	for _, bad := range []T{-1, T(math.NaN()), T(math.Inf(-1))} {
		mustPanicLayer(t, "Layer.AddDecay: lambda", func() { l.AddDecay(bad) })
	}
	mustPanicLayer(t, "len(Grad)", func() {
		l := NewLayer[T](2, 1)
		l.Grad = l.Grad[:1]
		l.AddDecay(1)
	})
}

// TestLayerTied: layers sharing one Alpha and one Grad accumulate, each in
// its Backward, the sum of their gradients.
func TestLayerTied(t *testing.T) {
	t.Run("f32", testLayerTied[float32])
	t.Run("f64", testLayerTied[float64])
}

func testLayerTied[T Float](t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		withISA(t, isa)
		for _, c := range layerCases {
			t.Run(c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(13, uint64(c.channels*5+c.inner)))
				n := c.channels * c.inner * c.outer
				const layers = 3
				alpha := layerSlopes[T](rng, c.channels)
				grad := make([]T, c.channels)
				var tied [layers]*Layer[T]
				var x, dy, y, dx [layers][]T
				for k := range tied {
					tied[k] = &Layer[T]{Alpha: alpha, Grad: grad, Inner: c.inner}
					x[k], dy[k] = layerData[T](rng, n), layerData[T](rng, n)
					y[k], dx[k] = make([]T, n), make([]T, n)
				}
				// Forward through all, then Backward in reverse, as a
				// network does.
				for k := range tied {
					tied[k].Forward(y[k], x[k])
				}
				for k := layers - 1; k >= 0; k-- {
					tied[k].Backward(dx[k], dy[k])
				}

				// The same with untied layers, each its own copy of the
				// slopes: the outputs are the same, and the gradients summed
				// by hand are the tied gradient.
				sum := make([]float64, c.channels)
				running := make([]T, c.channels) // the plain functions, accumulating in the same order
				for k := layers - 1; k >= 0; k-- {
					u := NewLayer[T](c.channels, c.inner)
					copy(u.Alpha, alpha)
					yu, dxu := make([]T, n), make([]T, n)
					u.Forward(yu, x[k])
					u.Backward(dxu, dy[k])
					sameLayer(t, "tied y", yu, y[k])
					sameLayer(t, "tied dx", dxu, dx[k])
					for i, g := range u.Grad {
						sum[i] += float64(g)
					}
					plainBackward(nil, running, dy[k], x[k], alpha, c.inner)
				}
				sameLayer(t, "tied Grad against the plain functions", running, grad)
				for i := range sum {
					tol := 1e-12 * float64(n) * layers
					if isFloat32[T]() {
						tol = 1e-5 * float64(n) * layers
					}
					if d := math.Abs(sum[i] - float64(grad[i])); !(d <= tol) {
						t.Fatalf("tied Grad[%d] = %v, untied gradients sum to %v", i, grad[i], sum[i])
					}
				}
				// An update through one layer is seen by all.
				tied[0].Alpha[0] = 0.5
				tied[2].Forward(y[2], x[2])
				want := make([]T, n)
				plainForward(want, x[2], alpha, c.inner)
				sameLayer(t, "Forward after a tied update", want, y[2])
				if tied[2].Alpha[0] != 0.5 {
					t.Fatalf("tied slope %v, want 0.5", tied[2].Alpha[0])
				}
			})
		}
	})
}

// TestLayerFreezeMidTraining: a layer frozen after some steps keeps Alpha
// and Grad exactly as they were through Forward, Backward, AddDecay and
// Clamp, its dx uses the frozen slopes, and once thawed it trains on.
func TestLayerFreezeMidTraining(t *testing.T) {
	t.Run("f32", testLayerFreezeMidTraining[float32])
	t.Run("f64", testLayerFreezeMidTraining[float64])
}

func testLayerFreezeMidTraining[T Float](t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		withISA(t, isa)
		for _, c := range layerCases {
			t.Run(c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(17, uint64(c.channels*3+c.inner)))
				n := c.channels * c.inner * c.outer
				l := NewLayer[T](c.channels, c.inner)
				y, dx := make([]T, n), make([]T, n)
				step := func(x, dy []T) {
					l.ZeroGrad()
					l.Forward(y, x)
					l.Backward(dx, dy)
					l.AddDecay(0.01)
					for i := range l.Alpha {
						l.Alpha[i] -= 0.1 * l.Grad[i]
					}
					l.Clamp(-0.5, 0.5)
				}
				for range 3 { // trainable: the slopes move
					step(layerData[T](rng, n), layerData[T](rng, n))
				}
				if moved := l.Alpha[0] != InitialSlope; !moved {
					t.Fatalf("the slopes did not move in training: %v", l.Alpha)
				}

				l.Frozen = true
				alpha, grad := append([]T(nil), l.Alpha...), append([]T(nil), l.Grad...)
				for range 3 {
					// ZeroGrad is the training loop's: a frozen Backward leaves
					// Grad as it is, and so does everything else.
					x, dy := layerData[T](rng, n), layerData[T](rng, n)
					l.Forward(y, x)
					l.Backward(dx, dy)
					l.Backward(nil, dy)
					l.AddDecay(0.01)
					l.Clamp(0, 0) // would move every slope
					sameLayer(t, "frozen Alpha", alpha, l.Alpha)
					sameLayer(t, "frozen Grad", grad, l.Grad)
					wantY, wantDx := make([]T, n), make([]T, n)
					plainForward(wantY, x, alpha, c.inner)
					BackwardChannels(wantDx, nil, dy, x, alpha, c.inner)
					sameLayer(t, "frozen y", wantY, y)
					sameLayer(t, "frozen dx", wantDx, dx)
				}

				l.Frozen = false // thawed: Backward accumulates again
				x, dy := layerData[T](rng, n), layerData[T](rng, n)
				l.Forward(y, x)
				l.Backward(dx, dy)
				want := append([]T(nil), grad...)
				plainBackward(nil, want, dy, x, alpha, c.inner)
				sameLayer(t, "Grad after thawing", want, l.Grad)
			})
		}
	})
}

func TestGain(t *testing.T) {
	cases := []struct{ slope, want float64 }{
		{0, math.Sqrt2},
		{1, 1},
		{-1, 1},
		{0.25, 1.3719886811400708}, // sqrt(2/1.0625)
		{-0.25, 1.3719886811400708},
		{0.01, 1.4141428569978354}, // PyTorch's calculate_gain("leaky_relu", 0.01)
		{3, math.Sqrt(0.2)},
		{1e200, math.Sqrt2 * 1e-200},
		{math.Inf(1), 0},
		{math.Inf(-1), 0},
	}
	for _, c := range cases {
		got := Gain(c.slope)
		if d := math.Abs(got - c.want); d > 4e-16*c.want {
			t.Errorf("Gain(%v) = %v, want %v", c.slope, got, c.want)
		}
		// The formula of the doc comment, where it does not overflow.
		if math.Abs(c.slope) < 1e100 {
			if f := math.Sqrt(2 / (1 + c.slope*c.slope)); math.Abs(got-f) > 2e-16*f {
				t.Errorf("Gain(%v) = %v, sqrt(2/(1+a^2)) = %v", c.slope, got, f)
			}
		}
	}
	if g := Gain(math.NaN()); g == g {
		t.Errorf("Gain(NaN) = %v", g)
	}
	if Gain(0) != math.Sqrt2 || Gain(1) != 1 {
		t.Errorf("Gain(0) = %v, Gain(1) = %v: want sqrt(2) and 1 exactly", Gain(0), Gain(1))
	}
	// The point of the gain: weights N(0, Gain(a)^2/fan_in) keep the second
	// moment of the activations through a PReLU layer of slope a.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, a := range []float64{0, 0.25, -0.8} {
		const fanIn, units, rows = 400, 400, 50
		x := make([]float64, fanIn)
		var in float64
		for i := range x {
			x[i] = rng.NormFloat64()
			in += x[i] * x[i]
		}
		in /= fanIn
		z, h := make([]float64, rows*units), make([]float64, rows*units)
		std := Gain(a) / math.Sqrt(fanIn)
		for i := range z {
			for j := range x {
				z[i] += rng.NormFloat64() * std * x[j]
			}
		}
		Forward(h, z, a)
		var out float64
		for _, v := range h {
			out += v * v
		}
		out /= float64(len(h))
		if r := out / in; math.Abs(r-1) > 0.05 {
			t.Errorf("slope %v: second moment %v after the layer, %v before (ratio %.3f)", a, out, in, r)
		}
	}
}
