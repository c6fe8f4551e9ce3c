package prelu

import "sync"

// The Expanded plan: large layouts of small planes over many rows, whose
// period (channels*inner) is too long for a Ring kernel's ring. The Ring
// kernel runs them in segments of planes, each over every row: one pass
// over x per segment, each reading a short piece of every row, which the
// caches and prefetchers serve poorly once x is out of the caches
// (AVX2, float32, 64 planes of 7: 1M elements backward 1.8 ms and 16M 58
// ms, against 0.4 and 11 ms at release f5583de). Instead the slopes are
// expanded once into a buffer of whole periods, and the pattern kernels
// run over x as channel-last rows of that buffer: one pass, in order. The
// slope gradients are summed per element of the buffer, then folded into
// their channels in float64 and added to dalpha, rounding once.
//
// The buffers come from a pool: a call allocates nothing once the pool has
// one, and the expansion costs O(pattern), at most n: O(n + C) in all.

// expandElems is the length in elements that the pattern holds at most in
// whole periods (one period when a period is longer): 16 KiB of float32.
const expandElems = 4096

// expandMinBytes is the size of x from which the Expanded plan takes the
// layouts it fits (expandFits); a variable so that the tests can lower it.
// Measured on AVX2, float32, the fused backward against the Ring kernel's
// segments, us: 64 planes of 7 at 16K elements 11.6 vs 9.3, 32K 17.2 vs
// 18.5, 48K 25.5 vs 29.5, 64K 26 vs 44, 256K 95 vs 154, 1M 467 vs 1381;
// 128 planes of 9 at 32K 17.0 vs 20.5, 48K 22.5 vs 31.9, 1M 427 vs 1389;
// 32 of 16 at 48K 23.6 vs 24.9. Short periods gain later: 64 planes of 3
// at 48K 24.9 vs 22.3, 256K 105 vs 131; 16 of 9 at 48K 25.6 vs 23.9, 64K
// 31 vs 40. Forward of 64 planes of 7 at 4M elements 1.68 vs 1.81 ms.
// float64 crosses at the same size in bytes: 64 planes of 7 at 24K
// elements (192 KiB) 23.6 vs 21.8, 48K 37 vs 51; 128 of 9 at 24K 21.1 vs
// 23.0; 64 of 3 at 24K 26.6 vs 23.6, 48K 37 vs 59.
var expandMinBytes = 192 << 10

// expandFits reports whether the Expanded plan takes a layout that the
// Ring kernel would take in segments (its period over the limit): planes,
// over several rows, and x is large.
func expandFits(n, period, inner, size int) bool {
	return inner > 1 && n > period && n*size >= expandMinBytes
}

// expansion is the pooled buffers of one call: the pattern in either type,
// its float64 sums (with accPad of room) and the channels' sums.
type expansion struct {
	f32  []float32
	f64  []float64
	acc  []float64
	sums []float64
}

var expansions = sync.Pool{New: func() any { return new(expansion) }}

// patternLength is the length of the expanded pattern for n elements of
// the period: as many whole periods as fit in expandElems, at least one,
// at most n.
func patternLength(n, period int) int {
	return period * max(1, min(n/period, expandElems/period))
}

// expandSlopes fills p, whole periods long, with the slopes of the layout:
// p[i] = alpha[(i/inner) % len(alpha)].
func expandSlopes[E Float](p, alpha []E, inner int) {
	period := len(alpha) * inner
	for c, a := range alpha {
		plane := p[c*inner : (c+1)*inner]
		for i := range plane {
			plane[i] = a
		}
	}
	for i := period; i < len(p); i += period {
		copy(p[i:i+period], p[:period])
	}
}

// patternOf returns e's pattern buffer as []E, length elements long.
func patternOf[E Float](e *expansion, length int) []E {
	if isFloat32[E]() {
		e.f32 = grow(e.f32, length)
		return as[E](e.f32)
	}
	e.f64 = grow(e.f64, length)
	return as[E](e.f64)
}

// forwardExpanded runs the forward pass of the Expanded plan.
func forwardExpanded[E Float](isa isaID, dst, x, alpha []E, inner int) {
	e := expansions.Get().(*expansion)
	p := patternOf[E](e, patternLength(len(x), len(alpha)*inner))
	expandSlopes(p, alpha, inner)
	forwardPatternKernel(isa, dst, x, p)
	expansions.Put(e)
}

// backwardExpanded runs the backward pass of the Expanded plan: dx, the
// slope gradients, or both.
func backwardExpanded[E Float](isa isaID, dx, dalpha, dy, x, alpha []E, inner int) {
	e := expansions.Get().(*expansion)
	length := patternLength(len(x), len(alpha)*inner)
	var p []E
	if dx != nil {
		p = patternOf[E](e, length)
		expandSlopes(p, alpha, inner)
	}
	switch {
	case dalpha == nil:
		backwardPatternDxKernel(isa, dx, dy, x, p)
	default:
		e.acc = grow(e.acc, length+accPad)
		clear(e.acc)
		acc := e.acc[:length]
		if dx == nil {
			backwardPatternDalphaKernel(isa, dy, x, acc)
		} else {
			backwardPatternKernel(isa, dx, dy, x, p, acc)
		}
		e.sums = grow(e.sums, len(alpha))
		foldSums(e.sums, acc, inner)
		addSums(isa, dalpha, e.sums)
	}
	expansions.Put(e)
}

// foldSums sets sums[c] to the sum of acc's elements of channel c, with
// acc whole periods of len(sums) planes of inner elements, in order.
func foldSums(sums, acc []float64, inner int) {
	clear(sums)
	period := len(sums) * inner
	for i := 0; i < len(acc); i += period {
		for c := range sums {
			s := sums[c]
			for _, v := range acc[i+c*inner : i+(c+1)*inner] {
				s += v
			}
			sums[c] = s
		}
	}
}
