package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// heldSlopesMax is the most vectors of slopes that heldSlopeRows holds in
// registers: 16 of AVX-512's 32, 256 float32 or 128 float64 channels.
const heldSlopesMax = 16

// heldSlopeRows does whole channel-last rows of one to heldSlopesMax
// vectors on AVX-512, without slope gradients, with the row's slopes held
// in registers: loaded once per call, not once per row. There each
// 64-byte access counts: a loop of two loads and a store per vector took
// 2.95-3.11 cycles per 16 float32 on Ice Lake, one load and a store
// 1.81-1.97. A row's last vector, one to a vector's lanes, runs under one
// mask made once. Not in place (the masked store would hold up the next
// row's loads, which read the rest of its 64 bytes), nor where the output
// streams. It jumps to end when the rows were all there is, and falls
// through with what is left (a shorter last row, or all of it).
func (k *kernel) heldSlopeRows(period, rowBytes GPVirtual, end string) {
	w := k.lanes()
	done := newLabel("held_rows_done")
	CMPQ(period, U32(heldSlopesMax*w))
	JA(LabelRef(done))
	CMPQ(k.n, period)
	JB(LabelRef(done))
	k.jumpIfInPlace(done)
	k.compareStreamThreshold()
	JAE(LabelRef(done))

	shift := U8(log2(w))
	whole, last, first := GP64(), GP64(), GP64()
	MOVQ(period, whole)
	DECQ(whole)
	SHRQ(shift, whole) // the whole vectors before the last
	MOVQ(whole, last)
	SHLQ(shift, last)
	NEGQ(last)
	ADDQ(period, last) // the last vector's lanes: 1 to w
	lanes := k.isa.tail(k.e, last).(OpmaskVirtual)
	XORQ(first, first)
	for m, loop := range dispatch(whole, heldSlopesMax, "held_rows", done) {
		Label(loop)
		k.slopeRegs = make([]VecVirtual, m+1)
		for i := range k.slopeRegs {
			k.slopeRegs[i] = k.isa.vec()
			if i < m {
				k.e.mov(k.at(k.pattern, first, i), k.slopeRegs[i])
			} else {
				k.e.movZ(k.at(k.pattern, first, i), lanes, k.slopeRegs[i])
			}
		}
		row := newLabel(fmt.Sprintf("held_row_%d", m))
		Label(row)
		for slot := range m {
			k.isa.step(k, first, slot, nil)
		}
		k.isa.step(k, first, m, lanes)
		k.advance(rowBytes)
		SUBQ(period, k.n)
		CMPQ(k.n, period)
		JAE(LabelRef(row))
		k.slopeRegs = nil
		TESTQ(k.n, k.n)
		JE(LabelRef(end))
		JMP(LabelRef(done))
	}
	Label(done)
}
