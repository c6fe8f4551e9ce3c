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
