package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/prelu-go/prelu"
)

// activation says how a model's hidden layers are activated: ReLU and
// Leaky ReLU are PReLU layers with a frozen slope.
//
// A trainable activation may carry options after its name, each after a
// "+" (see parseModel): what the training loop does with the slopes, and
// how the weights before it are initialised.
type activation struct {
	name    string
	perUnit bool    // one slope per unit, else one shared per layer
	slope   float32 // initial (or fixed) slope
	frozen  bool

	clamp    bool    // +clamp: Layer.Clamp(0, 1) after every step
	decay    float32 // +l2=λ: Layer.AddDecay(λ) before every step
	freezeAt int     // +freeze (half the epochs, or steps for XOR) or +freeze=n: frozen after n epochs; 0 for never
	freeze   bool    // +freeze without a number: after half of the training
	gain     bool    // +gain: He initialisation with prelu.Gain(slope) instead of Gain(0)
}

// parseModel reads a model name: a base activation (relu, leaky,
// prelu-shared, prelu-unit) and options, each after a "+": clamp, l2=λ,
// freeze, freeze=n, gain. The slope options need a trainable base.
func parseModel(name string) (activation, error) {
	parts := strings.Split(strings.TrimSpace(name), "+")
	var act activation
	found := false
	for _, a := range activations {
		if a.name == parts[0] {
			act, found = a, true
		}
	}
	if !found {
		return act, fmt.Errorf("unknown model %q (have relu, leaky, prelu-shared, prelu-unit, with options +clamp +l2=λ +freeze[=n] +gain)", parts[0])
	}
	act.name = strings.TrimSpace(name)
	for _, o := range parts[1:] {
		key, val, hasVal := strings.Cut(o, "=")
		switch {
		case key == "gain" && !hasVal:
			act.gain = true
			continue
		case act.frozen:
			return act, fmt.Errorf("model %q: +%s needs trainable slopes", name, o)
		case key == "clamp" && !hasVal:
			act.clamp = true
		case key == "l2" && hasVal:
			v, err := strconv.ParseFloat(val, 32)
			if err != nil || !(v > 0) {
				return act, fmt.Errorf("model %q: bad l2 strength %q", name, val)
			}
			act.decay = float32(v)
		case key == "freeze" && !hasVal:
			act.freeze = true
		case key == "freeze" && hasVal:
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return act, fmt.Errorf("model %q: bad freeze point %q", name, val)
			}
			act.freezeAt = n
		default:
			return act, fmt.Errorf("model %q: unknown option %q (have clamp, l2=λ, freeze, freeze=n, gain)", name, o)
		}
	}
	return act, nil
}

// freezePoint is when the slopes freeze in a training of total epochs (or
// steps): 0 for never.
func (a activation) freezePoint(total int) int {
	if a.freeze {
		return max(1, total/2)
	}
	return a.freezeAt
}

var activations = []activation{
	{name: "relu", slope: 0, frozen: true},
	{name: "leaky", slope: 0.01, frozen: true},
	{name: "prelu-shared", slope: prelu.InitialSlope},
	{name: "prelu-unit", perUnit: true, slope: prelu.InitialSlope},
}

// dense is a fully connected layer: z = x·W + b, W stored [in][out].
type dense struct {
	in, out int
	w, b    param
}

// param is a parameter tensor with its gradient and optimiser state.
type param struct {
	v, g, m, s []float32 // value, gradient, first and second moments
}

func newParam(n int) param {
	return param{v: make([]float32, n), g: make([]float32, n), m: make([]float32, n), s: make([]float32, n)}
}

// mlp is a multilayer perceptron with PReLU-family activations after each
// hidden layer and softmax cross-entropy on the output.
type mlp struct {
	act    activation
	layers []*dense                // hidden layers, then the output layer
	acts   []*prelu.Layer[float32] // one per hidden layer
	z, h   [][]float32             // per hidden layer: pre-activation, activation (maxBatch rows)
	dh     [][]float32             // per hidden layer: gradient of h, then of z (in place)
	logits []float32               // maxBatch × classes
	dlog   []float32               // gradient of the loss w.r.t. logits
	slopes []param                 // views of the trainable slopes, for the optimiser
	slopeL []*prelu.Layer[float32] // the layer of each of slopes
	step   int                     // optimiser steps taken (Adam's bias correction)
	opt    optimiser
	sizes  []int // units per layer, input and output included
}

// newMLP builds the model with He-initialised weights drawn from seed:
// every activation gets the very same initial weights (scaled by
// Gain(slope)/Gain(0) with +gain), and the hidden layers' biases bias.
func newMLP(act activation, hidden []int, maxBatch int, seed uint64, opt optimiser, bias float32) *mlp {
	m := &mlp{act: act, opt: opt}
	m.sizes = append(append([]int{pixels}, hidden...), classes)
	for i := 0; i+1 < len(m.sizes); i++ {
		in, out := m.sizes[i], m.sizes[i+1]
		d := &dense{in: in, out: out, w: newParam(in * out), b: newParam(out)}
		rng := rand.New(rand.NewPCG(seed, uint64(1000+i)))
		std := math.Sqrt(2 / float64(in)) // He et al. (2015), for ReLU: Gain(0)/sqrt(in)
		if act.gain && i < len(hidden) {
			std = prelu.Gain(float64(act.slope)) / math.Sqrt(float64(in)) // for the slope this layer's activation starts with
		}
		for j := range d.w.v {
			d.w.v[j] = float32(rng.NormFloat64() * std)
		}
		if i < len(hidden) {
			for j := range d.b.v {
				d.b.v[j] = bias
			}
		}
		m.layers = append(m.layers, d)
	}
	for _, units := range hidden {
		channels := 1
		if act.perUnit {
			channels = units // channel-last: [batch][units], inner = 1
		}
		l := prelu.NewLayer[float32](channels, 1)
		for c := range l.Alpha {
			l.Alpha[c] = act.slope
		}
		l.Frozen = act.frozen
		if !l.Frozen {
			// The optimiser updates Alpha from Grad in place.
			m.slopes = append(m.slopes, param{v: l.Alpha, g: l.Grad, m: make([]float32, channels), s: make([]float32, channels)})
			m.slopeL = append(m.slopeL, l)
		}
		m.acts = append(m.acts, l)
		m.z = append(m.z, make([]float32, maxBatch*units))
		m.h = append(m.h, make([]float32, maxBatch*units))
		m.dh = append(m.dh, make([]float32, maxBatch*units))
	}
	m.logits = make([]float32, maxBatch*classes)
	m.dlog = make([]float32, maxBatch*classes)
	return m
}

func matrix(rows, cols int, data []float32) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

// forward runs a batch of n rows of x through the model, leaving the
// pre-activations in m.z and the logits in m.logits.
func (m *mlp) forward(x []float32, n int) {
	in := matrix(n, pixels, x)
	for i, d := range m.layers {
		var out []float32
		if i < len(m.acts) {
			out = m.z[i]
		} else {
			out = m.logits
		}
		z := matrix(n, d.out, out)
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, in, matrix(d.in, d.out, d.w.v), 0, z)
		for r := range n {
			row := z.Data[r*d.out : (r+1)*d.out]
			for j, b := range d.b.v {
				row[j] += b
			}
		}
		if i < len(m.acts) {
			h := m.h[i][:n*d.out]
			m.acts[i].Forward(h, z.Data)
			in = matrix(n, d.out, h)
		}
	}
}

// loss computes the mean softmax cross-entropy of the logits of n rows
// against labels y, and the number of correct predictions; with grad it
// also sets m.dlog to the gradient of the mean loss.
func (m *mlp) loss(y []uint8, n int, grad bool) (loss float64, correct int) {
	inv := 1 / float64(n)
	for r := range n {
		row := m.logits[r*classes : (r+1)*classes]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == int(y[r]) {
			correct++
		}
		top := float64(row[best])
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(float64(v) - top)
		}
		loss += math.Log(sum) - (float64(row[y[r]]) - top)
		if grad {
			d := m.dlog[r*classes : (r+1)*classes]
			for j, v := range row {
				p := math.Exp(float64(v)-top) / sum
				if j == int(y[r]) {
					p--
				}
				d[j] = float32(p * inv)
			}
		}
	}
	return loss * inv, correct
}

// backward computes the gradients of every parameter from m.dlog, for the
// batch of n rows of x that the last forward saw; the slopes' gradients
// are accumulated by the PReLU layers, so they are zeroed first.
func (m *mlp) backward(x []float32, n int) {
	for _, l := range m.acts {
		l.ZeroGrad()
	}
	dout := matrix(n, classes, m.dlog)
	for i := len(m.layers) - 1; i >= 0; i-- {
		d := m.layers[i]
		var in blas32.General
		if i == 0 {
			in = matrix(n, pixels, x)
		} else {
			in = matrix(n, d.in, m.h[i-1])
		}
		blas32.Gemm(blas.Trans, blas.NoTrans, 1, in, dout, 0, matrix(d.in, d.out, d.w.g))
		clear(d.b.g)
		for r := range n {
			for j, g := range dout.Data[r*d.out : (r+1)*d.out] {
				d.b.g[j] += g
			}
		}
		if i == 0 {
			break
		}
		dh := matrix(n, d.in, m.dh[i-1])
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, dout, matrix(d.in, d.out, d.w.v), 0, dh)
		m.acts[i-1].Backward(dh.Data, dh.Data) // dh becomes dz, in place
		dout = dh
	}
}

// update takes one optimiser step on every parameter: weights, biases and
// the trainable slopes. No weight decay on the weights; on the slopes the
// model's options: L2 (AddDecay before the step), the projection into
// [0, 1] (Clamp after it), and no step at all once they are frozen (their
// momentum would still move them).
func (m *mlp) update() {
	m.step++
	for _, d := range m.layers {
		m.opt.apply(&d.w, m.step)
		m.opt.apply(&d.b, m.step)
	}
	stepSlopes(m.act, m.slopes, m.slopeL, m.opt, m.step)
}

// stepSlopes is the optimiser's step on the trainable slopes, with the
// options of act.
func stepSlopes(act activation, slopes []param, layers []*prelu.Layer[float32], opt optimiser, step int) {
	for i, l := range layers {
		if l.Frozen {
			continue
		}
		if act.decay > 0 {
			l.AddDecay(act.decay)
		}
		opt.apply(&slopes[i], step)
		if act.clamp {
			l.Clamp(0, 1)
		}
	}
}

// setFrozen freezes (or thaws) the trainable slopes.
func setFrozen(layers []*prelu.Layer[float32], frozen bool) {
	for _, l := range layers {
		l.Frozen = frozen
	}
}

// optimiser is SGD with momentum, or Adam.
type optimiser struct {
	adam         bool
	lr, momentum float64
}

func (o optimiser) apply(p *param, step int) {
	lr := float32(o.lr)
	if !o.adam {
		mu := float32(o.momentum)
		for i, g := range p.g {
			p.m[i] = mu*p.m[i] + g
			p.v[i] -= lr * p.m[i]
		}
		return
	}
	const b1, b2, eps = 0.9, 0.999, 1e-8
	c1 := float32(1 - math.Pow(b1, float64(step)))
	c2 := float32(1 - math.Pow(b2, float64(step)))
	for i, g := range p.g {
		p.m[i] = b1*p.m[i] + (1-b1)*g
		p.s[i] = b2*p.s[i] + (1-b2)*g*g
		mh, sh := p.m[i]/c1, p.s[i]/c2
		p.v[i] -= lr * mh / (float32(math.Sqrt(float64(sh))) + eps)
	}
}
