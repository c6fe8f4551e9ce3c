package prelu

// InitialSlope is the slope [NewLayer] starts from: 0.25, as in He et al.
// (2015) and PyTorch's nn.PReLU.
const InitialSlope = 0.25

// Layer is a PReLU activation layer with learnable slopes: the state a
// training loop needs around [Forward], [ForwardChannels], [Backward] and
// [BackwardChannels].
//
// With one slope (len(Alpha) == 1) every element shares it and Inner plays
// no part. With C > 1 slopes the data has the layout of [ForwardChannels]:
// [outer][C][Inner], element i using Alpha[(i/Inner) % C]. For a fully
// connected layer with one slope per unit, a [batch][units] matrix is
// channel-last: C = units, Inner = 1. For NCHW images, Inner = H*W.
//
// Backward adds the slopes' gradient to Grad, so that mini-batches can be
// accumulated; [Layer.ZeroGrad] clears it. A Frozen layer's slopes are
// constants (ReLU is slope 0, Leaky ReLU slope 0.01): its Backward runs the
// kernel that computes only the input gradient, and Grad is not touched.
//
// The fields may be changed between steps (an optimiser updates Alpha after
// Backward and before the next Forward); Alpha and Grad must keep their
// length. A Layer is not safe for concurrent use.
//
// Frozen may be set and cleared between steps, to freeze the slopes part of
// the way through training and to thaw them again: while it is set,
// Backward, [Layer.AddDecay] and [Layer.Clamp] leave Alpha and Grad exactly
// as they are (a training loop should also skip its optimiser's step on the
// slopes, whose momentum would otherwise still move them).
//
// Several layers may share one set of slopes ("tied" slopes, say the same
// activation after several hidden layers of equal width): give them the
// very same Alpha and Grad slices. Each Backward then adds its layer's
// gradient into the shared Grad, which after all of them is the gradient of
// the loss with respect to the tied slopes; zero it, decay it and step on it
// once per step, not once per layer. Each layer keeps its own saved input.
type Layer[T Float] struct {
	Alpha  []T  // the slopes: one shared, or one per channel
	Grad   []T  // the slopes' gradient, accumulated by Backward
	Inner  int  // elements per channel and outer index; unused with one slope
	Frozen bool // constant slopes: Backward computes dx only

	x       []T  // the input of the last Forward, not a copy
	saved   bool // x is there for Backward
	inPlace bool // the last Forward overwrote x with its output
}

// NewLayer returns a layer with channels slopes (1 for one shared slope),
// each InitialSlope, a zero gradient, and the given inner size (the product
// of the dimensions after the channel one; 1 for channel-last data). It
// panics if channels or inner is less than 1.
func NewLayer[T Float](channels, inner int) *Layer[T] {
	if channels < 1 {
		fail("NewLayer: channels = %d, want at least 1", channels)
	}
	if inner < 1 {
		fail("NewLayer: inner = %d, want at least 1", inner)
	}
	l := &Layer[T]{Alpha: make([]T, channels), Grad: make([]T, channels), Inner: inner}
	for i := range l.Alpha {
		l.Alpha[i] = InitialSlope
	}
	return l
}

// Forward computes dst = PReLU(x) with the layer's slopes and remembers x
// for [Layer.Backward]. It keeps a reference to x, not a copy: x must not be
// changed until Backward has run.
//
// dst must have the length of x and must not overlap it, with one
// exception: dst may be x itself (in place) when the layer is Frozen and no
// slope is negative, because then the output still has the input's sign and
// the input gradient can be computed from it. A trainable layer, or a slope
// below zero, needs the input itself, and an in-place Forward panics.
func (l *Layer[T]) Forward(dst, x []T) {
	l.check()
	same := len(x) > 0 && len(dst) == len(x) && &dst[0] == &x[0]
	if same && !l.signKept() {
		fail("Layer.Forward in place (dst == x) needs Frozen slopes that are not negative: Backward needs the input")
	}
	if len(l.Alpha) == 1 {
		Forward(dst, x, l.Alpha[0])
	} else {
		ForwardChannels(dst, x, l.Alpha, l.Inner)
	}
	l.x, l.saved, l.inPlace = x, true, same
}

// Backward computes the input gradient dx from the output gradient dy and
// the input of the last [Layer.Forward], and, unless the layer is Frozen,
// adds the slopes' gradient to Grad. The slopes must be the ones Forward
// used.
//
// dx may be nil (only the slopes' gradient; a Frozen layer then does
// nothing). dx may be dy itself, or the input x of the last Forward itself,
// which is then consumed: another Backward needs another Forward first. No
// other overlap is allowed.
//
// With one slope, the gradient of each call is summed in float64, rounded to
// T and added to Grad[0]; with one per channel, each channel's sum is added
// to Grad[c] in float64 and rounded once, as in [BackwardChannels].
func (l *Layer[T]) Backward(dx, dy []T) {
	l.check()
	if !l.saved {
		fail("Layer.Backward without a Forward (or after a Backward that overwrote its input)")
	}
	if l.inPlace && !l.signKept() {
		fail("Layer.Backward after an in-place Forward needs Frozen slopes that are not negative")
	}
	x := l.x
	switch {
	case l.Frozen && dx == nil:
		checkLen("dy", dy, "x", len(x))
	case l.Frozen && len(l.Alpha) == 1:
		backwardDx(activeISA(), dx, dy, x, l.Alpha[0])
	case l.Frozen:
		BackwardChannels(dx, nil, dy, x, l.Alpha, l.Inner)
	case len(l.Alpha) == 1:
		l.Grad[0] += Backward(dx, dy, x, l.Alpha[0])
	default:
		BackwardChannels(dx, l.Grad, dy, x, l.Alpha, l.Inner)
	}
	if len(dx) > 0 && len(x) > 0 && &dx[0] == &x[0] {
		l.x, l.saved = nil, false
	}
}

// ZeroGrad sets the slopes' gradient to zero.
func (l *Layer[T]) ZeroGrad() { clear(l.Grad) }

// Clamp sets every slope below lo to lo and every slope above hi to hi: the
// projection step after an optimiser's update that keeps the slopes in
// [lo, hi]. Clamp(0, 1) is the constraint "between ReLU and linear"; a bound
// may be infinite (Clamp(0, inf) keeps the slopes non-negative). A NaN slope
// stays NaN: the training has diverged, and a clamped value would hide it.
// A Frozen layer is left as it is.
//
// Clamp panics if lo > hi or a bound is NaN.
func (l *Layer[T]) Clamp(lo, hi T) {
	if lo != lo || hi != hi || lo > hi {
		fail("Layer.Clamp: bounds [%v, %v], want lo <= hi and neither NaN", lo, hi)
	}
	if l.Frozen {
		return
	}
	for c, a := range l.Alpha {
		if a < lo {
			l.Alpha[c] = lo
		} else if a > hi {
			l.Alpha[c] = hi
		}
	}
}

// AddDecay adds the gradient of the L2 penalty lambda/2 * sum(Alpha[c]^2)
// to Grad: Grad[c] += lambda*Alpha[c], the product rounded to T before the
// sum (no fused multiply-add). Called after Backward and before the
// optimiser's step, it applies weight decay to the slopes alone, whatever
// the optimiser does with the weights. A Frozen layer is left as it is.
//
// AddDecay panics if lambda is negative or NaN, or if len(Grad) is not
// len(Alpha).
func (l *Layer[T]) AddDecay(lambda T) {
	if !(lambda >= 0) {
		fail("Layer.AddDecay: lambda = %v, want >= 0", lambda)
	}
	if l.Frozen {
		return
	}
	l.check()
	for c, a := range l.Alpha {
		l.Grad[c] += T(lambda * a)
	}
}

// check panics if the fields are inconsistent.
func (l *Layer[T]) check() {
	if len(l.Alpha) == 0 {
		fail("Layer has no slopes (use NewLayer)")
	}
	if !l.Frozen && len(l.Grad) != len(l.Alpha) {
		fail("Layer: len(Grad) = %d, want len(Alpha) = %d", len(l.Grad), len(l.Alpha))
	}
	if len(l.Alpha) > 1 && l.Inner < 1 {
		fail("Layer: Inner = %d, want at least 1", l.Inner)
	}
}

// signKept reports whether the output of Forward is > 0 exactly where its
// input is, so that an in-place Forward leaves what the input gradient
// needs: frozen slopes, none negative (alpha*x <= 0 or NaN for x <= 0).
func (l *Layer[T]) signKept() bool {
	if !l.Frozen {
		return false
	}
	for _, a := range l.Alpha {
		if a < 0 {
			return false
		}
	}
	return true
}

// backwardDx is Backward for frozen shared slopes: dx only, with the kernel
// that skips the slope gradient.
func backwardDx[T Float](isa isaID, dx, dy, x []T, alpha T) {
	if len(dy) != len(x) || len(dx) != len(x) || partlyOverlaps(dx, dy) || partlyOverlaps(dx, x) {
		backwardMisuse(dx, dy, x) // Backward's checks, in the same order
	}
	if len(x) == 0 {
		return
	}
	raceRead(dy)
	raceRead(x)
	raceWrite(dx)
	if large[T](len(x)) {
		if _, ok := runLarge(isa, opDx, dx, dy, x, nil, nil, alpha, 1); ok {
			return
		}
	}
	backwardDxKernel(isa, dx, dy, x, alpha)
}
