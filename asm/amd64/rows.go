package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/prelu-go/prelu/asm/spec"
)

// rowsUnroll is how many vectors of channels a Rows kernel carries over
// every row at once: their float64 sums fill eight ymm registers for
// float32 (two per vector), four for float64.
const rowsUnroll = 4

// generateRows emits backwardRowsAVX2F32/F64 and backwardRowsDalphaAVX2F32/F64:
// the slope gradients of channel-last rows (x as [rows][C], C at least a
// vector) with no buffer at all. Each block of channels is carried over
// every row with its sums in registers, then added to dalpha[c] in float64
// and rounded once, as the Go loops do. The last C%w channels run as the
// full vector that ends at C: its lanes of the block before add nothing to
// the sums, and its dx there is the one already stored (dx may be the very
// slice of dy or x, which the block before has overwritten).
//
// The fused kernel's sums are the dalpha-only kernel's bit for bit: the
// same products in the same order. On AVX2 only; the buffered sums, whose
// buffer Go zeroes on every call, and the Ring kernels' segments, which
// fold their sums per segment, took several times as long for the rows of
// a fully connected layer (see the plan in channels.go).
func generateRows() {
	variants := []spec.Variant{
		{Kind: "backward", Dx: true, Dalpha: true},
		{Kind: "backward", Suffix: "Dalpha", Dalpha: true},
	}
	for _, e := range spec.Elems {
		for _, v := range variants {
			name := "backwardRows" + v.Suffix + "AVX2" + e.Name
			params := "dy, x, dalpha []" + e.GoType
			if v.Dx {
				params = "dx, dy, x, alpha, dalpha []" + e.GoType
			}
			TEXT(name, NOSPLIT, fmt.Sprintf("func(%s)", params))
			Pragma("noescape")
			what := "sums dy*x where !(x > 0)"
			if v.Dx {
				what = "computes dx = x > 0 ? dy : alpha[c]*dy and " + what
			}
			Doc(name + " " + what + " for channel-last rows of len(dalpha) >= a vector channels, " +
				"adding each channel's float64 sum to dalpha[c] and rounding once.")
			newRowsKernel(elem{e, opsFor[e.Size]}, v).rows()
			VZEROUPPER()
			RET()
		}
	}
}

// newRowsKernel sets up a kernel whose step and last work on the rows:
// the Pattern layout's operands with the slopes alpha in place, and sums in
// registers, rowsUnroll vectors' worth.
func newRowsKernel(e elem, v spec.Variant) *kernel {
	k := &kernel{isa: avx2{}, e: e, v: v, l: spec.Pattern}
	if v.Dx {
		k.out = GP64()
		k.pattern = Load(Param("alpha").Base(), GP64())
	}
	k.gate, k.value = GP64(), GP64()
	k.zero = YMM()
	zero(k.zero)
	for range rowsUnroll * e.Halves() {
		k.accs = append(k.accs, YMM())
	}
	return k
}

// rows runs blocks of rowsUnroll vectors of channels, then single vectors,
// then the last vector, each over every row.
func (k *kernel) rows() {
	w := k.lanes()
	channels, rowBytes, end := GP64(), GP64(), GP64()
	Load(Param("dalpha").Len(), channels)
	MOVQ(channels, rowBytes)
	SHLQ(U8(log2(k.e.Size)), rowBytes)
	Load(Param("x").Len(), end)
	SHLQ(U8(log2(k.e.Size)), end)
	ADDQ(Load(Param("x").Base(), GP64()), end) // x's end: the row loops stop there
	dalpha := Load(Param("dalpha").Base(), GP64())
	c, limit := GP64(), GP64()
	XORQ(c, c)

	// overRows emits the loop over every row for the channels from c,
	// each row's vectors done by body.
	overRows := func(body func()) {
		k.zeroAccs()
		Load(Param("x").Base(), k.gate)
		Load(Param("dy").Base(), k.value)
		if k.v.Dx {
			Load(Param("dx").Base(), k.out)
		}
		row := newLabel("rows_row")
		Label(row)
		body()
		k.advance(rowBytes)
		CMPQ(k.gate, end)
		JB(LabelRef(row))
	}
	for _, vectors := range []int{rowsUnroll, 1} {
		loop, next := newLabel("rows_block"), newLabel("rows_blocks_done")
		MOVQ(channels, limit)
		SUBQ(U32(vectors*w), limit)
		Label(loop)
		CMPQ(c, limit)
		JGT(LabelRef(next))
		overRows(func() {
			for slot := range vectors {
				k.isa.step(k, c, slot, nil)
			}
		})
		for slot := range vectors {
			k.addRowSums(dalpha, c, slot)
		}
		ADDQ(U32(vectors*w), c)
		JMP(LabelRef(loop))
		Label(next)
	}

	done := newLabel("rows_done")
	CMPQ(c, channels)
	JE(LabelRef(done))
	a := k.isa.(avx2)
	MOVQ(channels, c)
	SUBQ(U32(w), c)
	counted := a.counted(k, channels)
	overRows(func() {
		out := a.last(k, c, channels)
		if out != nil {
			k.e.blendv(counted, k.at(k.out, c, 0), out, out)
			k.store(out, k.at(k.out, c, 0))
		}
	})
	k.addRowSums(dalpha, c, 0)
	Label(done)
}

// addRowSums adds the sums of vector slot at channel c to dalpha, rounding
// once. The last vector's lanes of the vector before hold +0 sums (never
// -0: the sums start at +0), and the values there are sums already added,
// never -0 either, so adding them again leaves them as they are, Inf and
// NaN included.
func (k *kernel) addRowSums(dalpha Register, c GPVirtual, slot int) {
	for h := range k.e.Halves() {
		at := Mem{Base: dalpha, Index: c, Scale: uint8(k.e.Size), Disp: slot*k.isa.vecBytes() + h*16}
		sum := k.accFor(slot, h)
		if k.e.Size == 4 {
			old := YMM()
			VCVTPS2PD(at, old)
			VADDPD(old, sum, sum)
			VMOVUPS(k.isa.narrow(sum), at)
		} else {
			VADDPD(at, sum, sum)
			VMOVUPD(sum, at)
		}
	}
}
