package prelu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAddSumsMatchesTheLoops checks addSums on every ISA against the Go
// loops, bit for bit: every length to 70 at four alignments, special values
// on both sides (float64 sums that overflow, underflow or round to a tie in
// float32 included), and nothing written past len(sums).
func TestAddSumsMatchesTheLoops(t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		testAddSums[float32](t, isa)
		testAddSums[float64](t, isa)
	})
}

func testAddSums[T Float](t *testing.T, isa isaID) {
	rng := rand.New(rand.NewPCG(12, 1))
	for n := 0; n <= 70; n++ {
		for off := range 4 {
			buf := make([]T, off+n+3)
			fillSpecial(rng, buf)
			sums := make([]float64, n)
			fillSpecial(rng, sums)
			for i := range sums {
				if rng.IntN(8) == 0 {
					// Near the middle between two float32s.
					sums[i] = float64(float32(sums[i])) * (1 + 0x1p-24)
				}
			}
			want := slices.Clone(buf)
			if isFloat32[T]() {
				addSums32(as[float32](want[off:off+n]), sums)
			} else {
				addSums64(as[float64](want[off:off+n]), sums)
			}
			addSums(isa, buf[off:], sums)
			requireSameSlice(t, want, buf, fmt.Sprintf("%T n=%d off=%d", buf[0], n, off))
		}
	}
}
