// Package prelu computes the Parametric ReLU activation and its gradients
// with SIMD kernels (AVX2 and AVX-512 on amd64, NEON on arm64) and a pure-Go
// fallback that is also the specification.
//
// Forward:
//
//	y = x        where x > 0
//	y = alpha*x  otherwise (including x = ±0 and NaN)
//
// Backward, given the gradient dy of the output:
//
//	dx     = dy                         where x > 0, else alpha*dy
//	dalpha = sum of dy*x over all elements where !(x > 0)
//
// The test is the ordered comparison x > 0, exactly as PyTorch does: NaN, +0
// and -0 take the slope branch, whose result is one IEEE multiply (no fused
// multiply-add, no flushing of subnormals). Every SIMD kernel returns results
// bit-identical to the pure-Go code, except that a NaN result only has to be
// a NaN. Slope gradients are summed in float64.
//
// The slope alpha is one shared scalar ([Forward], [Backward]) or one per
// channel ([ForwardChannels], [BackwardChannels]), for channel-first (NCHW)
// and channel-last (NHWC, NC) layouts.
//
// All functions take plain slices, allocate nothing per call and are safe
// for concurrent use on disjoint data. An output may be the same slice as an
// input where the function says so; any other overlap, and every length or
// layout mismatch, panics with a message starting "prelu: " in the caller's
// goroutine before anything is written.
//
// # Large calls
//
// A call whose x holds less than 16 MiB (4M float32 or 2M float64 elements)
// runs on the caller's goroutine alone, with no synchronisation. A larger
// one is cut into tasks of at least 2 MiB, and no smaller than the outputs
// that the amd64 kernels write with non-temporal stores (a quarter of the
// L3, capped at 8 MiB), which a smaller task would lose. Up to [Workers]
// goroutines take them: the caller's and helpers that the package starts on first use and
// keeps, parked, for later calls (so the first large call allocates, later
// ones do not). A call hands tasks only to helpers idle at that moment and
// never waits for a busy one, so concurrent callers do not queue behind each
// other.
//
// The tasks are cut by the shape alone (and that streaming size, a
// constant of the machine), never by the number of workers, and the slope
// gradients are summed per task in float64 and combined in task order. So
// a call on the same slices gives every result, slope gradients included,
// bit for bit the same whatever the number of workers: with one, the same
// tasks run one after another. (Where a kernel streams, it first aligns
// its output, so a slope gradient can differ in its last bits between
// outputs at different addresses.)
//
// The cost model: memory-bound work speeds up with goroutines only as far as
// the memory system can feed them. On the 2-core machine this was measured
// on, two goroutines copying halves of a slice reach 1.3-1.5x one copy() from
// 16M elements, and none below 4M, where the data fit in the shared
// last-level cache; the threshold is where two workers started to win there
// for every operation, and they reach that ceiling above it (README,
// "Several cores"). A server socket streams several times what one core
// can, so there the gain continues to several workers (docs/scaling.md). A
// server that already keeps every core busy with its own requests gains
// nothing from splitting a call and pays for the hand-offs: [SetWorkers](1)
// keeps every call on its caller's goroutine.
//
// The number of workers defaults to GOMAXPROCS, capped at init by the
// environment variable PRELU_WORKERS; [SetWorkers] changes it.
//
// The implementation is chosen at init from the CPU's features; [ISA] names
// it. The environment variable PRELU_ISA (generic, avx2, avx512 or neon) caps
// the choice, for debugging and A/B benchmarks; the build tag purego selects
// the pure-Go code everywhere.
package prelu

// Float is the element type: float32, float64, or a type defined on them.
type Float interface{ ~float32 | ~float64 }

// Forward computes dst[i] = x[i] if x[i] > 0, else alpha*x[i].
//
// dst may be x itself (in place); otherwise the slices must not overlap, and
// they must have the same length.
func Forward[T Float](dst, x []T, alpha T) {
	forward(activeISA(), dst, x, alpha)
}

// ForwardChannels computes the forward pass with one slope per channel.
//
// x is laid out as [outer][C][inner] with C = len(alpha): element i uses
// alpha[(i/inner) % C]. inner = H*W gives NCHW; inner = 1 gives
// channel-last (NHWC, or NC for a fully connected layer). len(x) must be a
// multiple of C*inner. dst may be x itself; it must not overlap alpha.
func ForwardChannels[T Float](dst, x, alpha []T, inner int) {
	forwardChannels(activeISA(), dst, x, alpha, inner)
}

// ISA names the implementation in use: "avx512", "avx2", "neon" or
// "generic".
func ISA() string { return activeISA().String() }

// Backward computes the input gradient dx[i] = dy[i] if x[i] > 0, else
// alpha*dy[i], and returns the slope gradient: the sum over the elements
// with !(x[i] > 0) of dy[i]*x[i] (NaN inputs included, which make it NaN).
// The sum is taken in float64 and rounded to T once.
//
// A nil dx computes only the slope gradient, with a kernel that skips the
// input gradient. dx may be dy or x itself; otherwise the slices must not
// overlap, and they must have the same length.
func Backward[T Float](dx, dy, x []T, alpha T) (dalpha T) {
	return backward(activeISA(), dx, dy, x, alpha)
}

// BackwardChannels is the backward pass of [ForwardChannels], with the same
// layout. It sets dx as [Backward] does and adds to dalpha[c] the sum over
// channel c's elements with !(x > 0) of dy*x: it accumulates, so the caller
// zeroes dalpha between steps. Each sum is taken in float64 and added to
// dalpha[c] in float64, rounding once.
//
// A nil dx computes only the slope gradients; a nil dalpha only dx (frozen
// slopes). Each runs a kernel that skips the other's work. dx may be dy or
// x itself; no other overlap is allowed.
func BackwardChannels[T Float](dx, dalpha, dy, x, alpha []T, inner int) {
	backwardChannels(activeISA(), dx, dalpha, dy, x, alpha, inner)
}
