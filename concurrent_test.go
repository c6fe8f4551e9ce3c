package prelu

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConcurrentDisjoint runs every kernel from many goroutines at once on
// disjoint outputs and shared inputs. Under -race (CI runs it so) the
// annotations in race.go make the detector see the kernels' memory.
func TestConcurrentDisjoint(t *testing.T) {
	const workers, n, channels = 8, 4099, 7
	x, dy := make([]float32, n*channels), make([]float32, n*channels)
	rng := rand.New(rand.NewPCG(21, 22))
	fillFinite(rng, x)
	fillFinite(rng, dy)
	alpha := []float32{0.1, -0.2, 0.3, 0, 2, 0.25, 1}
	wantFwd := make([]float32, len(x))
	forwardChannels(isaGeneric, wantFwd, x, alpha, n)
	forEachISA(t, func(t *testing.T, isa isaID) {
		var wg sync.WaitGroup
		outs := make([][]float32, workers)
		for w := range workers {
			outs[w] = make([]float32, len(x))
			wg.Go(func() {
				out, dalpha := outs[w], make([]float32, channels)
				for range 20 {
					forward(isa, out, x, 0.25)
					backward(isa, out, dy, x, 0.25)
					backwardChannels(isa, out, dalpha, dy, x, alpha, 1)
					forwardChannels(isa, out, x, alpha, n)
				}
			})
		}
		wg.Wait()
		for _, out := range outs {
			require.Equal(t, wantFwd, out)
		}
	})
}
