package prelu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSumCheckOverflow tests the checker the slope-gradient tests rely on,
// where the exact sum overflows float32: an Inf of either sign passes only
// if some float64 sum within the bound rounds to it.
func TestSumCheckOverflow(t *testing.T) {
	inf, negInf := math.Inf(1), math.Inf(-1)
	// -2^130 alone: every valid float64 sum is near it, so only -Inf.
	alone := exactSum([]float32{0x1p65}, []float32{-0x1p65}, 0)
	require.NoError(t, alone.check(negInf, true))
	require.Error(t, alone.check(inf, true))
	require.Error(t, alone.check(math.MaxFloat32, true))
	require.Error(t, alone.check(0, true))

	// -2^130 beside +-2^254, which cancel: the bound spans both overflows
	// and zero, so either Inf and finite sums pass, as the library's
	// float64 sums in another order may give any of them.
	cancelling := exactSum([]float32{-0x1p127, 0x1p127, 0x1p65}, []float32{-0x1p127, -0x1p127, -0x1p65}, 0)
	require.NoError(t, cancelling.check(negInf, true))
	require.NoError(t, cancelling.check(inf, true))
	require.NoError(t, cancelling.check(0, true))
	require.Error(t, cancelling.check(math.NaN(), true))

	// Exactly float32's overflow threshold, 2^128-2^103 (MaxFloat32 plus
	// half its ulp): the tie rounds to the even side, +Inf.
	tie := exactSum([]float32{-0x1p64, -0x1p63}, []float32{-0x1p63, -(0x1p64 - 0x1p40)}, 0)
	require.NoError(t, tie.check(inf, true))
	require.Error(t, tie.check(negInf, true))
}

// TestBackwardCancellingOverflow runs the case CI's fuzzing found, built by
// hand: +2^254, then 39 terms of -2^200 that the float64 sum rounds away
// (each a tie, to even), then -2^254 and +2^129. The exact sum is about
// -39*2^200, -Inf in float32; the pure-Go code's sum is 2^129, +Inf in
// float32; both are within the bound, and so must every ISA's be.
func TestBackwardCancellingOverflow(t *testing.T) {
	dy, x := []float32{-0x1p127}, []float32{-0x1p127}
	for range 39 {
		dy, x = append(dy, 0x1p100), append(x, -0x1p100)
	}
	dy, x = append(dy, 0x1p127, -0x1p65), append(x, -0x1p127, -0x1p64)
	sum := exactSum(dy, x, 0)
	require.True(t, math.IsInf(float64(float32(sum.nearest)), -1), "the exact sum overflows float32 to -Inf")
	require.True(t, math.IsInf(float64(backward(isaGeneric, nil, dy, x, float32(0.25))), 1), "the pure-Go sum rounds to +Inf")
	forEachISA(t, func(t *testing.T, isa isaID) {
		dx := make([]float32, len(x))
		require.NoError(t, sum.check(float64(backward(isa, dx, dy, x, 0.25)), true))
		require.NoError(t, sum.check(float64(backward(isa, nil, dy, x, 0.25)), true))
	})
}
