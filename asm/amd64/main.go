// Command amd64 generates prelu_amd64.s, its Go declarations (with avo) and
// the Go dispatch file for the AVX2 and AVX-512 kernels.
//
// It loops over ISA × element type × variant × slope layout (see package
// spec). All kernels share one loop structure (span): an unrolled loop of
// full vectors, a loop of single vectors, then one masked vector for the
// remainder, so no kernel touches memory outside its slices.
//
// Run it through `go generate ./...` at the repository root.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"regexp"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"

	"github.com/prelu-go/prelu/asm/spec"
)

var isas = []isa{avx2{}, avx512{}}

func main() {
	dispatch := flag.String("dispatch", "", "write the Go dispatch file here")
	flag.Parse()
	ConstraintExpr("!purego")
	defineTailMasks()
	var ids []spec.ISA
	for _, isa := range isas {
		ids = append(ids, spec.ISA{Name: isa.name(), ID: "isa" + isa.name(), VecBytes: isa.vecBytes(), RingRows: true, RingPlaneRows: true, Rows: true, RowsChunks: true, SmallPlanes: true,
			ShortPlaneBytes: shortPlaneBytes(isa)})
		for _, k := range spec.All() {
			generate(isa, k)
		}
		generateRows(isa)
		generateSmallPlanes(isa)
	}
	generateAddSums()
	if *dispatch != "" {
		if err := spec.WriteDispatch(*dispatch, "asm/amd64", "!purego", ids); err != nil {
			log.Fatal(err)
		}
	}
	Generate()
	if out := flag.Lookup("out").Value.String(); out != "" {
		if err := alignLoops(out); err != nil {
			log.Fatal(err)
		}
	}
}

// alignedKernels names the kernels whose loops alignLoops aligns: the
// shared-slope ones, as generate emits them.
var alignedKernels = map[string]bool{}

// alignLoops puts the unrolled loop's head of each shared-slope kernel on
// a 64-byte boundary: where avo's code happens to place a loop moved the
// forward loop between 1.0 and 1.4 cycles per vector on Zen 3
// (docs/pipes). Aligned, A/B, 8 rounds: shared 1000 forward 104 -> 89 ns
// (p = 0.010). Only there: the padding runs on the way into the loop, once
// per call in these kernels but once per row or plane in the others, where
// it cost more than it won (FC 4x64 forward 2.5x -> 3.2x copy(), FC 32x10
// dx-only 4.7x -> 5.9x, medians of four interleaved runs of the networks
// suite). Avo has no PCALIGN, so it is added to the written file.
func alignLoops(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	head := regexp.MustCompile(`^unrolled_\d+:$`)
	var out []string
	inShared := false
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "TEXT ·"); ok {
			name, _, _ = strings.Cut(name, "(")
			inShared = alignedKernels[name]
		}
		if inShared && head.MatchString(line) {
			out = append(out, "\tPCALIGN $64", "")
		}
		out = append(out, line)
	}
	return os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644)
}

// generate emits one kernel.
func generate(isa isa, sk spec.Kernel) {
	name := sk.Name(isa.name())
	attr := NOSPLIT
	if sk.Layout == spec.Ring {
		attr = 0 // a frame too large for NOSPLIT: the stack check may grow the stack
	}
	TEXT(name, attr, sk.Signature(sk.GoType))
	Pragma("noescape")
	Doc(name + " " + sk.Doc())
	k := newKernel(isa, sk)
	switch sk.Layout {
	case spec.Shared:
		alignedKernels[name] = true
		k.uniform()
	case spec.Planes:
		k.planar()
	case spec.Pattern:
		k.patterned()
	case spec.Ring:
		k.ringed()
	}
	VZEROUPPER() // Go's scalar float code is SSE: leave no dirty upper halves.
	RET()
	k.emitCold()
}

// labels makes label names unique within the file.
var labelCount int

func newLabel(name string) string {
	labelCount++
	return fmt.Sprintf("%s_%d", name, labelCount)
}

// defineTailMasks emits the AVX2 tail mask table: 32 bytes of ones, then 32
// of zeros. Loading 32 bytes at offset 32-r*size sets the first r lanes.
func defineTailMasks() {
	tailMasks = GLOBL("tailmask", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
}

var tailMasks Mem
