//go:build !purego

package prelu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// withStreaming runs f with the non-temporal path taken for every output
// of at least bytes bytes.
func withStreaming(bytes int, f func()) {
	saved := streamThreshold
	streamThreshold = bytes
	defer func() { streamThreshold = saved }()
	f()
}

// streamFrom makes the kernels stream from bytes of output for one test.
func streamFrom(t testing.TB, bytes int) {
	saved := streamThreshold
	streamThreshold = bytes
	t.Cleanup(func() { streamThreshold = saved })
}

// streamingThresholds are the thresholds the bounds test runs under: the
// default, and zero so that every out-of-place call streams.
var streamingThresholds = []int{-1, 0}

func TestStreamingStores(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	forEachISA(t, func(t *testing.T, isa isaID) {
		withStreaming(0, func() {
			for _, n := range lengths() {
				for off := range offsets {
					if n > 300 && off > 2 {
						continue
					}
					x, dy, dst := window[float32](n, off), window[float32](n, (off+1)%offsets), window[float32](n, (off+9)%offsets)
					fillSpecial(rng, x)
					fillFinite(rng, dy)
					want := make([]float32, n)
					forward(isaGeneric, want, x, -0.5)
					forward(isa, dst, x, -0.5)
					requireSameSlice(t, want, dst, fmt.Sprintf("forward n=%d off=%d", n, off))
					wantSum := backward(isaGeneric, want, dy, x, 0.25)
					gotSum := backward(isa, dst, dy, x, 0.25)
					requireSameSlice(t, want, dst, fmt.Sprintf("backward n=%d off=%d", n, off))
					require.True(t, sameBits(wantSum, gotSum) || exactSum(dy, x, 0).check(float64(gotSum), true) == nil)
					backwardDxKernel(isa, dst, dy, x, float32(0.25))
					requireSameSlice(t, want, dst, fmt.Sprintf("backward dx only n=%d off=%d", n, off))
				}
			}
		})
	})
}

func TestChooseStreamThreshold(t *testing.T) {
	require.Equal(t, 8<<20, chooseStreamThreshold(32<<20))
	require.Equal(t, 8<<20, chooseStreamThreshold(-1), "unknown")
	require.Equal(t, 8<<20, chooseStreamThreshold(512), "implausibly small")
	require.Equal(t, 8<<20, chooseStreamThreshold(1<<40), "implausibly large")
	require.Equal(t, 24<<20, chooseStreamThreshold(96<<20))
}
