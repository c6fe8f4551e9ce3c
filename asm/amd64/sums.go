package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"

	"github.com/prelu-go/prelu/asm/spec"
)

// generateAddSums emits addSumsAVX2F32 and addSumsAVX2F64:
// dalpha[c] = T(float64(dalpha[c]) + sums[c]) for every c < len(sums),
// the last step of the slope gradients that are summed into a float64
// buffer. Go's scalar loop took 0.6 ns a channel, and twice that right
// after a kernel's vector stores to the sums (the eight-byte loads wait for
// them to reach the cache); this one reads the sums as the kernels wrote
// them, four float64 a vector. The additions and the rounding are Go's:
// IEEE round to nearest even under Go's MXCSR, so the results are bit for
// bit those of the Go loop. AVX2 only: the AVX-512 kernels' callers use it
// too (the buffers are a few hundred channels at most).
func generateAddSums() {
	for _, e := range spec.Elems {
		name := "addSumsAVX2" + e.Name
		TEXT(name, NOSPLIT, fmt.Sprintf("func(dalpha []%s, sums []float64)", e.GoType))
		Pragma("noescape")
		Doc(name + " adds sums[c] to dalpha[c] in float64 and rounds once, for c < len(sums) <= len(dalpha).")
		dalpha, sums, n := Load(Param("dalpha").Base(), GP64()), Load(Param("sums").Base(), GP64()), Load(Param("sums").Len(), GP64())
		c, done := GP64(), newLabel("add_done")
		XORQ(c, c)
		addSumsLoop(avx2{}, e.Size, dalpha, Mem{Base: sums}, n, c, done)

		Label(done)
		VZEROUPPER()
		RET()
	}
}
