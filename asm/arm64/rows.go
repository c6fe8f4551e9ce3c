package main

import (
	"fmt"

	"github.com/prelu-go/prelu/asm/arm64/enc"
)

// rowed: the Rows layout (spec.Rows), the slope gradients of channel-last
// rows, x as [rows][C] with C*size at least 32 bytes, with no buffer at
// all. Blocks of unroll vectors of channels, then single vectors, each
// carried over every row with its float64 sums (and, fused, its slopes) in
// registers, then added to dalpha[c] in float64 and rounded once, as the
// Go loops do. The last C%w channels run as the full vector that ends at
// C, over every row: its lanes of the vector before it (counted) add +0
// to the sums and keep the dx already stored there, since dx may be the
// very slice of dy or x, which the vector before has overwritten. Its
// counted lanes' dalpha, already updated, have the +0 sums added, which
// leaves them as they are, Inf and NaN included: an updated value is
// never -0 (the sums start at +0, so neither they nor d + sum are -0).
//
// The fused kernel's sums are the dalpha-only kernel's bit for bit: the
// same products added in the same order, each channel's over rows 0 to
// R-1 from +0.
//
// The rows are the whole rows of x, len(x)/C; the callers pass nothing
// else, and none (or no channels) is no work. Fewer channels than a vector
// are never passed either: the kernel returns without work rather than
// read before the slices.
func (k *kernel) rowed() {
	done := k.newLabel("rows_done")
	k.op("MOVD", k.fr.len("dalpha"), rRowBytes.String())
	k.op("MOVD", k.fr.len("x"), rRows.String())
	k.op("UDIV", rRowBytes.String(), rRows.String(), rRows.String())
	k.op("CBZ", rRows.String(), done)
	k.op("LSL", imm(map[int]int{4: 2, 8: 3}[k.e.Size]), rRowBytes.String(), rRowBytes.String())
	k.op("CMP", imm(vecBytes), rRowBytes.String())
	k.op("BLO", done)
	k.op("MOVD", k.fr.base("x"), rXs.String())
	k.op("MOVD", k.fr.base("dy"), rDys.String())
	if k.v.Dx {
		k.op("MOVD", k.fr.base("dx"), rDxs.String())
		k.op("MOVD", k.fr.base("alpha"), rAlphas.String())
	}
	k.op("MOVD", k.fr.base("dalpha"), rDalphas.String())
	k.op("MOVD", "ZR", rAt.String())

	// Blocks of unroll vectors, then single vectors, while they fit.
	for _, vectors := range []int{unroll, 1} {
		loop, next := k.newLabel("rows_block"), k.newLabel("rows_blocks_done")
		k.op("SUB", imm(vectors*vecBytes), rRowBytes.String(), rLast.String())
		k.label(loop)
		k.op("CMP", rLast.String(), rAt.String())
		k.op("BGT", next)
		k.overRows(vectors, func() { k.block(vectors) })
		k.addRowSums(vectors)
		k.op("ADD", imm(vectors*vecBytes), rAt.String(), rAt.String())
		k.op("B", loop)
		k.label(next)
	}

	// The last vector, which ends at C, when C is not a whole number of
	// vectors: its first lanes, up to where the vector before it ended,
	// are counted.
	k.op("CMP", rRowBytes.String(), rAt.String())
	k.op("BEQ", done)
	k.op("SUB", rAt.String(), rRowBytes.String(), rAt.String()) // the bytes of the channels left
	k.op("MOVD", "$"+countedTable+"(SB)", rAddr.String())
	k.op("ADD", rAt.String(), rAddr.String(), rAddr.String())
	k.op("VLD1", rAddr.mem(), vCounted.list(1, "B16"))
	k.op("SUB", imm(vecBytes), rRowBytes.String(), rAt.String())
	k.overRows(1, k.lastVector)
	k.addRowSums(1)
	k.label(done)
}

// overRows runs row, which does slots vectors of channels from rAt, over
// every row, with the slots' sums cleared first and, fused, their slopes
// loaded.
func (k *kernel) overRows(slots int, row func()) {
	for i := range slots * k.e.Halves() {
		a := vAcc + vr(i)
		k.op("VEOR", a.b16(), a.b16(), a.b16())
	}
	k.op("ADD", rAt.String(), rXs.String(), rGate.String())
	k.op("ADD", rAt.String(), rDys.String(), rValue.String())
	if k.v.Dx {
		k.op("ADD", rAt.String(), rDxs.String(), rOut.String())
		k.op("ADD", rAt.String(), rAlphas.String(), rAddr.String())
		k.op("VLD1", rAddr.mem(), vSlopes.list(slots, k.e.arr))
	}
	k.op("MOVD", rRows.String(), rCount.String())
	loop := k.newLabel("rows_row")
	k.label(loop)
	row()
	k.op("SUBS", imm(1), rCount.String(), rCount.String())
	k.op("BNE", loop)
}

// lastVector does one row of the last vector: block(1), with the counted
// lanes added to the sums as +0, as where x > 0, and their dx put back as
// it was stored.
func (k *kernel) lastVector() {
	k.loadBlock(1)
	gate, value := k.operands(0)
	k.compare(gate)
	if k.v.Dalpha {
		k.op("VORR", vPass.b16(), vCounted.b16(), vSkip.b16())
		k.accumulate(0, gate, value, vSkip)
	}
	if k.v.Dx {
		k.output(0, value)
		k.op("VLD1", rOut.mem(), vOldOut.list(1, k.e.arr))
		k.op("VBIT", vCounted.b16(), vOldOut.b16(), vOut.b16())
	}
	k.storeBlock(1)
}

// addRowSums adds the sums of slots vectors of channels from rAt to
// dalpha, dalpha[c] = T(float64(dalpha[c]) + sum), rounding once.
func (k *kernel) addRowSums(slots int) {
	e := k.e
	k.op("ADD", rAt.String(), rDalphas.String(), rAddr.String())
	k.op("VLD1", rAddr.mem(), vGate.list(slots, e.arr))
	for s := range slots {
		d := vGate + vr(s)
		if e.Size == 8 {
			acc := k.accFor(s, 0)
			k.word(enc.FADD(enc.D2, int(d), int(d), int(acc)))
			continue
		}
		lo, hi := vGateLo, vGateHi
		k.word(enc.FCVTL(int(lo), int(d)))
		k.word(enc.FCVTL2(int(hi), int(d)))
		k.word(enc.FADD(enc.D2, int(lo), int(lo), int(k.accFor(s, 0))))
		k.word(enc.FADD(enc.D2, int(hi), int(hi), int(k.accFor(s, 1))))
		k.word(enc.FCVTN(int(d), int(lo)))
		k.word(enc.FCVTN2(int(d), int(hi)))
	}
	k.op("VST1", vGate.list(slots, e.arr), rAddr.mem())
}

// countedTable is where the last vector's counted lanes are loaded from:
// 16 bytes of ones, then 16 of zeros, so that the vector at byte b (the
// bytes of the channels left, C%w elements) has the first 16-b bytes set,
// the lanes of the vector before it.
const countedTable = "rowsCounted<>"

// writeCountedTable emits countedTable.
func writeCountedTable(f *file) {
	f.b.WriteString("\n// The Rows kernels' last vector's counted lanes: the vector at byte b has\n// its first 16-b bytes set (rows.go).\n")
	for at := 0; at < 2*vecBytes; at += 8 {
		v := "$0"
		if at < vecBytes {
			v = "$0xffffffffffffffff"
		}
		fmt.Fprintf(&f.b, "DATA %s+%d(SB)/8, %s\n", countedTable, at, v)
	}
	fmt.Fprintf(&f.b, "GLOBL %s(SB), RODATA|NOPTR, $%d\n", countedTable, 2*vecBytes)
}
