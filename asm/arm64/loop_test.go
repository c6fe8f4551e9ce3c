package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/prelu-go/prelu/asm/spec"
)

// TestUnrolledLoop pins the length of every kernel's steady state, the
// unrolled loop from its label to its branch back: four vectors, 16 float32
// or 8 float64 elements. A change that lengthens a loop must say so here;
// go test -v prints the counts. Every kernel of the set must be listed. (A
// Ring kernel has three spans, for a short period, for segments and for
// channel-last rows; they emit the same loop, and the first is counted.)
func TestUnrolledLoop(t *testing.T) {
	want := map[string]int{
		// The float32 sums clear both factors before widening them and add
		// with FMLA, four instructions per vector fewer than masking the
		// widened products with float64 compares (65, 65, 70 and 52, 52, 56).
		"forwardNEONF32": 16, "forwardPlanesNEONF32": 16, "forwardPatternNEONF32": 17,
		"backwardNEONF32": 49, "backwardPlanesNEONF32": 49, "backwardPatternNEONF32": 54,
		"backwardDxNEONF32": 17, "backwardPlanesDxNEONF32": 17, "backwardPatternDxNEONF32": 18,
		"backwardDalphaNEONF32": 40, "backwardPlanesDalphaNEONF32": 40, "backwardPatternDalphaNEONF32": 44,
		"forwardNEONF64": 16, "forwardPlanesNEONF64": 16, "forwardPatternNEONF64": 17,
		"backwardNEONF64": 29, "backwardPlanesNEONF64": 29, "backwardPatternNEONF64": 32,
		"backwardDxNEONF64": 17, "backwardPlanesDxNEONF64": 17, "backwardPatternDxNEONF64": 18,
		"backwardDalphaNEONF64": 20, "backwardPlanesDalphaNEONF64": 20, "backwardPatternDalphaNEONF64": 22,
		// The Ring loops are the pattern loops, whose slopes and sums the
		// ring supplies, plus the ring's advance: three instructions to
		// wrap r, and one to point each of the slopes and the sums' read
		// and write pointers at it.
		"forwardRingNEONF32": 21, "backwardRingNEONF32": 60, "backwardRingDxNEONF32": 22, "backwardRingDalphaNEONF32": 49,
		"forwardRingNEONF64": 21, "backwardRingNEONF64": 38, "backwardRingDxNEONF64": 22, "backwardRingDalphaNEONF64": 27,
	}
	loop := regexp.MustCompile(`(?s)\n(unrolled_\d+):\n(.*?\tBGE +(unrolled_\d+)\n)`)
	for _, sk := range spec.All() {
		name := sk.Name(isa)
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no instruction count pinned", name)
			continue
		}
		delete(want, name)
		f := &file{}
		generate(f, isa, sk)
		m := loop.FindStringSubmatch(f.b.String())
		if m == nil || m[1] != m[3] {
			t.Errorf("%s: no unrolled loop", name)
			continue
		}
		got := strings.Count(m[2], "\n")
		t.Logf("%-30s %2d instructions per %2d elements", name, got, unroll*newElem(sk.Elem).lanes())
		if got != w {
			t.Errorf("%s: %d instructions in the unrolled loop, want %d", name, got, w)
		}
	}
	for name := range want {
		t.Errorf("%s: not in the kernel set", name)
	}
}

// TestRowsLoop pins the Rows kernels' steady state likewise: the loop over
// the rows of a block of four vectors of channels, from its label to its
// branch back (the first row loop emitted). It is the shared layout's
// unrolled loop with the slopes held in registers over every row: the
// post-increments step a row, and a row count ends it.
func TestRowsLoop(t *testing.T) {
	want := map[string]int{
		"backwardRowsNEONF32": 49, "backwardRowsDalphaNEONF32": 40,
		"backwardRowsNEONF64": 29, "backwardRowsDalphaNEONF64": 20,
	}
	loop := regexp.MustCompile(`(?s)\n(rows_row_\d+):\n(.*?\tBNE +(rows_row_\d+)\n)`)
	for _, sk := range spec.RowsKernels() {
		name := sk.Name(isa)
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no instruction count pinned", name)
			continue
		}
		delete(want, name)
		f := &file{}
		generate(f, isa, sk)
		m := loop.FindStringSubmatch(f.b.String())
		if m == nil || m[1] != m[3] {
			t.Errorf("%s: no row loop", name)
			continue
		}
		got := strings.Count(m[2], "\n")
		t.Logf("%-30s %2d instructions per %2d elements", name, got, unroll*newElem(sk.Elem).lanes())
		if got != w {
			t.Errorf("%s: %d instructions in the row loop, want %d", name, got, w)
		}
	}
	for name := range want {
		t.Errorf("%s: not in the Rows kernels", name)
	}
}
