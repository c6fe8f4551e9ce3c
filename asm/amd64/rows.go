package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/prelu-go/prelu/asm/spec"
)

// rowsUnroll is how many vectors of channels a Rows kernel carries over
// every row at once: their float64 sums fill eight vector registers for
// float32 (two per vector), four for float64.
const rowsUnroll = 4

// generateRows emits isa's Rows kernels (spec.Rows): the slope gradients of
// channel-last rows (x as [rows][C]) with no buffer at all. Each block of
// channels is carried over every row with its sums in registers, then added
// to dalpha[c] in float64 and rounded once, as the Go loops do. The last
// C%w channels run on AVX-512 under a mask; on AVX2 (an overlapper, whose
// masked stores are slow) as the full vector that ends at C, whose lanes of
// the block before add nothing to the sums and keep the dx already stored
// (dx may be the very slice of dy or x, which the block before has
// overwritten).
//
// The fused kernel's sums are the dalpha-only kernel's bit for bit: the
// same products in the same order. The buffered sums, whose buffer Go
// zeroes on every call, and the Ring kernel's set-up took several times as
// long for the rows of a fully connected layer (see rowsFit in
// channels.go).
func generateRows(isa isa) {
	for _, sk := range spec.RowsKernels() {
		name := sk.Name(isa.name())
		TEXT(name, NOSPLIT, sk.Signature(sk.GoType))
		Pragma("noescape")
		Doc(name + " " + sk.Doc())
		newRowsKernel(isa, elem{sk.Elem, opsFor[sk.Size]}, sk.Variant).rows()
		VZEROUPPER()
		RET()
	}
}

// newRowsKernel sets up a kernel whose step and last work on the rows:
// the Pattern layout's operands with the slopes alpha in place, and sums in
// registers, rowsUnroll vectors' worth.
func newRowsKernel(isa isa, e elem, v spec.Variant) *kernel {
	k := &kernel{isa: isa, e: e, v: v, l: spec.Pattern}
	if v.Dx {
		k.out = GP64()
		k.pattern = Load(Param("alpha").Base(), GP64())
	}
	k.gate, k.value = GP64(), GP64()
	k.zero = isa.vec()
	zero(k.zero)
	for range rowsUnroll * e.Halves() {
		k.accs = append(k.accs, isa.vec())
	}
	return k
}

// rows runs blocks of rowsUnroll vectors of channels, then single vectors,
// then the last part vector, each over every row.
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
			k.addRowSums(dalpha, c, slot, nil)
		}
		ADDQ(U32(vectors*w), c)
		JMP(LabelRef(loop))
		Label(next)
	}

	done := newLabel("rows_done")
	CMPQ(c, channels)
	JE(LabelRef(done))
	if a, ok := k.isa.(avx2); ok {
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
		k.addRowSums(dalpha, c, 0, nil)
	} else {
		rem := GP64()
		MOVQ(channels, rem)
		SUBQ(c, rem)
		t := k.isa.tail(k.e, rem)
		overRows(func() { k.isa.step(k, c, 0, t) })
		k.addRowSums(dalpha, c, 0, t)
	}
	Label(done)
}

// addRowSums adds the sums of vector slot at channel c to dalpha, rounding
// once; under t (an AVX-512 mask) only its lanes. The AVX2 last vector's
// lanes of the vector before hold +0 sums (never -0: the sums start at
// +0), and the values there are sums already added, never -0 either, so
// adding them again leaves them as they are, Inf and NaN included.
func (k *kernel) addRowSums(dalpha Register, c GPVirtual, slot int, t tail) {
	half := k.isa.vecBytes() / 2
	mask, masked := t.(OpmaskVirtual)
	var narrowed []VecVirtual // float32 halves, joined for a masked store
	for h := range k.e.Halves() {
		at := Mem{Base: dalpha, Index: c, Scale: uint8(k.e.Size), Disp: slot*k.isa.vecBytes() + h*half}
		sum, old := k.accFor(slot, h), k.isa.vec()
		m := mask
		if masked && h == 1 {
			m = K()
			KSHIFTRW(U8(8), mask, m)
		}
		switch {
		case k.e.Size == 8 && masked:
			VMOVUPD_Z(at, m, old)
		case k.e.Size == 8:
			VMOVUPD(at, old)
		case masked:
			VCVTPS2PD_Z(at, m, old)
		default:
			VCVTPS2PD(at, old)
		}
		VADDPD(old, sum, sum)
		switch {
		case k.e.Size == 8 && masked:
			VMOVUPD(sum, m, at)
		case k.e.Size == 8:
			VMOVUPD(sum, at)
		case masked:
			narrowed = append(narrowed, k.isa.narrow(sum))
		default:
			VMOVUPS(k.isa.narrow(sum), at)
		}
	}
	if len(narrowed) == 2 {
		all := ZMM()
		VINSERTF64X4(U8(1), narrowed[1], narrowed[0].AsZ(), all)
		VMOVUPS(all, mask, Mem{Base: dalpha, Index: c, Scale: uint8(k.e.Size), Disp: slot * k.isa.vecBytes()})
	}
}
