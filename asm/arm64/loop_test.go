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
	pinLoops(t, spec.All(), want, "unrolled", "BGE")
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
	pinLoops(t, spec.RowsKernels(), want, "rows_row", "BNE")
}

// pinLoops checks that each kernel's first loop from a label named label_N
// to its branch back (an instruction branch) has the instruction count
// that want pins, and that want names exactly the kernels.
func pinLoops(t *testing.T, kernels []spec.Kernel, want map[string]int, label, branch string) {
	t.Helper()
	loop := regexp.MustCompile(`(?s)\n(` + label + `_\d+):\n(.*?\t` + branch + ` +(` + label + `_\d+)\n)`)
	for _, sk := range kernels {
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
			t.Errorf("%s: no %s loop", name, label)
			continue
		}
		got := strings.Count(m[2], "\n")
		t.Logf("%-30s %2d instructions per %2d elements", name, got, unroll*newElem(sk.Elem).lanes())
		if got != w {
			t.Errorf("%s: %d instructions in the %s loop, want %d", name, got, label, w)
		}
	}
	for name := range want {
		t.Errorf("%s: not in the kernel set", name)
	}
}
