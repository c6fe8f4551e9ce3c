package prelu

import "unsafe"

// Channel layouts run on two kinds of kernel. Planes of at least a vector
// (NCHW with inner >= lanes) run the planes kernel, one broadcast slope per
// plane. Channel-last data and small planes run the pattern kernel, whose
// slopes are a vector stream of their own: the per-channel slopes repeated,
// when that makes whole vectors, into a small pattern on the stack (C = 3 with
// 16 lanes becomes a 48-slope pattern, so no vector straddles two rows).

// scratch is the number of elements in the on-stack slope pattern and
// float64 sums of the backward pass.
const scratch = 512

// wideScratch is the on-stack slope pattern of the passes without sums
// (forward, and backward with frozen slopes): long enough for small planes
// of many channels, such as 64 planes of 7x7, whose planes are too short
// for the planes kernel's per-plane set-up to pay off.
const wideScratch = 4096

// accPad is the room past len(acc) that the AVX2 kernels may add zeros to.
const accPad = 16

func sizeOf[E elems]() int {
	var zero E
	return int(unsafe.Sizeof(zero))
}

// patternLength says whether a layout of n elements with the given channels
// and inner runs as a pattern, and how long the pattern is: channels itself
// (the slopes as they are, inner = 1) or a multiple of channels*inner of at
// most limit elements, in whole vectors where it can, and long enough (at
// least minPattern) that each row runs the kernels' unrolled loop. Planes
// of four vectors or more run the planes kernel.
func patternLength(channels, inner, lanes, n, limit int) (int, bool) {
	period := channels * inner // no overflow: at most n
	if inner == 1 && (period%lanes == 0 && period >= minPattern || period > limit || n < 2*period) {
		return period, true
	}
	if inner > 1 && (inner >= 4*lanes || period > limit || n < 2*period) {
		return 0, false
	}
	length := lcm(period, lanes)
	if length > limit {
		length = limit / period * period
	}
	length *= max(1, min(minPattern, limit)/length) // whole vectors still
	return min(length, n), true
}

// minPattern is the shortest pattern worth a row loop of its own: four
// unrolled AVX-512 iterations of float32.
const minPattern = 256

func lcm(a, b int) int {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// expand fills pattern with the slope of each position: alpha[(j/inner) % C].
func expand[E elems](pattern, alpha []E, inner int) []E {
	for j := 0; j < len(pattern); {
		for _, a := range alpha {
			for r := 0; r < inner && j < len(pattern); r++ {
				pattern[j] = a
				j++
			}
		}
	}
	return pattern
}

// foldPattern adds the sums of a pattern's positions into one per channel,
// in place, and returns them.
func foldPattern(acc []float64, channels, inner int) []float64 {
	period := channels * inner
	for j := period; j < len(acc); j++ {
		acc[j%period] += acc[j]
	}
	if inner > 1 {
		for c := range channels {
			s := 0.0
			for _, v := range acc[c*inner : (c+1)*inner] {
				s += v
			}
			acc[c] = s // c <= c*inner: no later channel's sums are overwritten
		}
	}
	return acc[:channels]
}

// addSums adds float64 sums to the slope gradients, rounding once.
func addSums[E elems](dalpha []E, sums []float64) {
	for c, s := range sums {
		dalpha[c] = E(float64(dalpha[c]) + s)
	}
}

// part is s[lo:hi], or nil for a nil s (an output that is not wanted).
func part[E elems](s []E, lo, hi int) []E {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}
