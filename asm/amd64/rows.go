package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/prelu-go/prelu/asm/spec"
)

// rowsUnroll is how many vectors of channels a Rows kernel carries over
// the rows at once: their float64 sums fill eight vector registers for
// float32 (two per vector), four for float64.
const rowsUnroll = 4

// rowsGroup is how many channels' sums a Rows kernel's frame holds between
// chunks of rows (1.5 KiB, a whole number of every ISA's blocks); longer
// rows run in groups of that many channels.
const rowsGroup = 192

// rowsChunkBytes is the most bytes of each slice that a Rows kernel carries
// each block over before it moves on to the next block: the chunk's rows
// (a power of two of them, at least one) stay in the first-level cache
// while every block passes over them.
const rowsChunkBytes = 8 << 10

// generateRows emits isa's Rows kernels (spec.Rows): the slope gradients of
// channel-last rows (x as [rows][C]) with no buffer in Go. Each block of
// channels is carried over a chunk of rows with its float64 sums in
// registers, kept in the frame between chunks, and added to dalpha[c] in
// float64 after the last chunk, rounded once, as the Go loops do. A single
// chunk keeps nothing in the frame. The last C%w channels run on AVX-512
// under a mask; on AVX2 (an overlapper, whose masked stores are slow) as
// the full vector that ends at C, carried together with the whole vector
// before it (see pair).
//
// The fused kernel's sums are the dalpha-only kernel's bit for bit: the
// same products in the same order. The buffered sums, whose buffer Go
// zeroes on every call, and the Ring kernel's set-up took several times as
// long for the rows of a fully connected layer (see rowsFit in
// channels.go).
func generateRows(isa isa) {
	for _, sk := range spec.RowsKernels() {
		name := sk.Name(isa.name())
		TEXT(name, 0, sk.Signature(sk.GoType)) // a frame too large for NOSPLIT
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

// rows runs groups of channels, each over chunks of rows, each chunk
// block by block: blocks of rowsUnroll vectors of channels, then single
// vectors, then the last part vector.
func (k *kernel) rows() {
	w, shift := k.lanes(), U8(log2(k.e.Size))
	// The frame: the sums of a group's vectors, the last two vectors',
	// and the loops' state.
	frame := AllocLocal(rowsGroup*8 + 2*w*8 + 6*8)
	groupSums, lastSums := frame, frame.Offset(rowsGroup*8)
	vars := frame.Offset(rowsGroup*8 + 2*w*8)
	groupAt, groupEndAt, chunkAt, bytesAt, chunkBytesAt := vars, vars.Offset(8), vars.Offset(16), vars.Offset(24), vars.Offset(32)
	blocksEndAt := vars.Offset(40) // where the loops of whole blocks end

	channels, rowBytes, end, c := GP64(), GP64(), GP64(), GP64()
	Load(Param("dalpha").Len(), channels)
	MOVQ(channels, rowBytes)
	SHLQ(shift, rowBytes)
	t := GP64()
	Load(Param("x").Len(), t)
	SHLQ(shift, t)
	MOVQ(t, bytesAt)
	dalpha := Load(Param("dalpha").Base(), GP64())
	// The chunk: the whole of x if it fits rowsChunkBytes (a small call
	// skips the loop below), else rows doubled while they fit.
	double, doubled := newLabel("rows_double"), newLabel("rows_chunk_sized")
	CMPQ(t, U32(rowsChunkBytes))
	JBE(LabelRef(doubled))
	MOVQ(rowBytes, t)
	Label(double)
	CMPQ(t, U32(rowsChunkBytes/2))
	JA(LabelRef(doubled))
	SHLQ(U8(1), t)
	JMP(LabelRef(double))
	Label(doubled)
	MOVQ(t, chunkBytesAt)

	// sumsAt addresses half h of vector slot's sums in the frame, for
	// the vectors from c of the group from g0.
	sumsAt := func(rel GPVirtual, slot, h int) Mem {
		return groupSums.Idx(rel, 8).Offset((slot*k.e.Halves() + h) * k.isa.vecBytes())
	}
	// carry emits a block of vectors over the chunk: its sums start at 0
	// in the first chunk, else from the frame (from), and end added to
	// dalpha after the last chunk (add), else in the frame.
	carry := func(vectors int, from func(slot, h int) Mem, body func(), add func()) {
		first, loaded := newLabel("rows_first"), newLabel("rows_loaded")
		CMPQ(chunkAt, U8(0))
		JE(LabelRef(first))
		for slot := range vectors {
			for h := range k.e.Halves() {
				k.e.mov(from(slot, h), k.accFor(slot, h))
			}
		}
		JMP(LabelRef(loaded))
		Label(first)
		for slot := range vectors {
			for h := range k.e.Halves() {
				zero(k.accFor(slot, h))
			}
		}
		Label(loaded)

		// The chunk's rows.
		Load(Param("x").Base(), k.gate)
		Load(Param("dy").Base(), k.value)
		if k.v.Dx {
			Load(Param("dx").Base(), k.out)
		}
		start := GP64()
		MOVQ(chunkAt, start)
		k.advance(start)
		row := newLabel("rows_row")
		Label(row)
		body()
		k.advance(rowBytes)
		CMPQ(k.gate, end)
		JB(LabelRef(row))

		stored, done := newLabel("rows_stored"), newLabel("rows_added")
		left := GP64()
		Load(Param("x").Base(), left)
		ADDQ(bytesAt, left)
		CMPQ(end, left)
		JE(LabelRef(stored))
		for slot := range vectors {
			for h := range k.e.Halves() {
				k.e.mov(k.accFor(slot, h), from(slot, h))
			}
		}
		JMP(LabelRef(done))
		Label(stored)
		add()
		Label(done)
	}

	XORQ(t, t)
	MOVQ(t, groupAt)
	group := newLabel("rows_group")
	Label(group)
	g1 := GP64()
	MOVQ(groupAt, g1)
	ADDQ(U32(rowsGroup), g1)
	_, overlapper := k.isa.(avx2)
	if overlapper {
		// A group ends a vector early where the next would hold less
		// than a vector: the pair (below) needs a whole vector of its
		// own group.
		rest, early := GP64(), GP64()
		MOVQ(channels, rest)
		SUBQ(g1, rest)
		DECQ(rest)
		LEAQ(Mem{Base: g1, Disp: -w}, early)
		CMPQ(rest, U32(w-1))
		CMOVQCS(early, g1) // 1 <= channels-g1 < w
	}
	CMPQ(g1, channels)
	CMOVQGT(channels, g1)
	MOVQ(g1, groupEndAt)
	if overlapper {
		// The last group's last whole vector is left to the pair when
		// the channels end in part of a vector.
		whole, before := GP64(), GP64()
		MOVQ(g1, whole)
		ANDQ(I32(-w), whole)
		LEAQ(Mem{Base: whole, Disp: -w}, before)
		CMPQ(whole, g1)
		CMOVQNE(before, whole)
		g1 = whole
	}
	MOVQ(g1, blocksEndAt)
	XORQ(t, t)
	MOVQ(t, chunkAt)

	chunk := newLabel("rows_chunk")
	Label(chunk)
	// The chunk ends chunkBytes on, or at x's end.
	Load(Param("x").Base(), end)
	MOVQ(chunkBytesAt, t)
	ADDQ(chunkAt, t)
	CMPQ(t, bytesAt)
	CMOVQGT(bytesAt, t)
	ADDQ(t, end)
	MOVQ(groupAt, c)

	for _, vectors := range []int{rowsUnroll, 1} {
		loop, next := newLabel("rows_block"), newLabel("rows_blocks_done")
		Label(loop)
		limit := GP64()
		MOVQ(blocksEndAt, limit)
		SUBQ(U32(vectors*w), limit)
		CMPQ(c, limit)
		JGT(LabelRef(next))
		rel := GP64()
		MOVQ(c, rel)
		SUBQ(groupAt, rel)
		carry(vectors, func(slot, h int) Mem { return sumsAt(rel, slot, h) },
			func() {
				for slot := range vectors {
					k.isa.step(k, c, slot, nil)
				}
			},
			func() {
				for slot := range vectors {
					k.addRowSums(dalpha, c, slot, nil)
				}
			})
		ADDQ(U32(vectors*w), c)
		JMP(LabelRef(loop))
		Label(next)
	}

	// The last part vector: the other groups end with whole blocks.
	chunkDone := newLabel("rows_chunk_done")
	CMPQ(c, groupEndAt)
	JE(LabelRef(chunkDone))
	last := func(slot, h int) Mem { return lastSums.Offset((slot*k.e.Halves() + h) * k.isa.vecBytes()) }
	if a, ok := k.isa.(avx2); ok {
		// The pair: the whole vector at c, and the last full vector,
		// which ends at C and overlaps it.
		lastAt := GP64()
		MOVQ(channels, lastAt)
		SUBQ(U32(w), lastAt)
		a.countLanes(k, channels)
		carry(2, last, func() { k.pair(a, c, lastAt, channels) }, func() { k.addPairSums(dalpha, c, lastAt) })
		k.uncount()
	} else {
		rem := GP64()
		MOVQ(channels, rem)
		SUBQ(c, rem)
		mask := k.isa.tail(k.e, rem)
		carry(1, last, func() { k.isa.step(k, c, 0, mask) }, func() { k.addRowSums(dalpha, c, 0, mask) })
	}
	Label(chunkDone)

	// The next chunk of rows, then the next group of channels.
	MOVQ(chunkBytesAt, t)
	ADDQ(chunkAt, t)
	MOVQ(t, chunkAt)
	CMPQ(t, bytesAt)
	JB(LabelRef(chunk))
	MOVQ(groupEndAt, t)
	MOVQ(t, groupAt)
	CMPQ(t, channels)
	JB(LabelRef(group))
}

// pair does a row's last two vectors on AVX2: the whole vector at c (slot
// 0), and the last full vector at t, ending at the row's channels, whose
// lanes of the vector at c add +0 to its sums (slot 1). Every load comes
// before either store, so that the last vector needs neither the dx that
// the vector at c stored (dx may be the very slice of dy or x) nor to
// wait for that store: its lanes of c compute the same dx from the same
// inputs. Reading back the stored dx cost FC 1x10 about 8 ns a call: a
// load that straddles an earlier store waits for it to reach the cache.
func (k *kernel) pair(a avx2, c, t, channels GPVirtual) {
	var out VecVirtual
	k.asSlot(1, func() { out = a.last(k, t, channels) })
	k.isa.step(k, c, 0, nil)
	if out != nil {
		k.store(out, k.at(k.out, t, 0))
	}
}

// asSlot runs body with slot s's sums in the place of slot 0's, which the
// overlapper's last vector adds to.
func (k *kernel) asSlot(s int, body func()) {
	defer k.onlySlot(s)()
	body()
}

// onlySlot makes slot s's sums the kernel's only ones, as slot 0's, until
// the function it returns is called.
func (k *kernel) onlySlot(s int) func() {
	h, accs := k.e.Halves(), k.accs
	k.accs = accs[s*h : (s+1)*h]
	return func() { k.accs = accs }
}

// addPairSums adds pair's sums to dalpha, rounding once, loading all four
// parts before storing any (see pair): the last vector's first, then the
// whole vector's, whose values in the overlap are the sums added (the
// last vector's there are the values it loaded).
func (k *kernel) addPairSums(dalpha Register, c, t GPVirtual) {
	half := k.isa.vecBytes() / 2
	var ats []Mem
	var sums []VecVirtual
	for slot, j := range []GPVirtual{c, t} {
		for h := range k.e.Halves() {
			at := Mem{Base: dalpha, Index: j, Scale: uint8(k.e.Size), Disp: h * half}
			d := k.isa.vec()
			if k.e.Size == 4 {
				VCVTPS2PD(at, d)
			} else {
				VMOVUPD(at, d)
			}
			VADDPD(k.accFor(slot, h), d, d)
			ats, sums = append(ats, at), append(sums, d)
		}
	}
	for i := len(ats) - 1; i >= 0; i-- { // the last vector's parts first
		if k.e.Size == 4 {
			VMOVUPS(k.isa.narrow(sums[i]), ats[i])
		} else {
			VMOVUPD(sums[i], ats[i])
		}
	}
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
		sum := k.accFor(slot, h)
		if !masked {
			addVector(k.isa, k.e.Size, at, sum)
			continue
		}
		// Under the mask: half h's lanes of it, and float32 halves
		// joined for one masked store.
		m, old := mask, k.isa.vec()
		if h == 1 {
			m = K()
			KSHIFTRW(U8(8), mask, m)
		}
		if k.e.Size == 8 {
			VMOVUPD_Z(at, m, old)
			VADDPD(sum, old, old)
			VMOVUPD(old, m, at)
			continue
		}
		VCVTPS2PD_Z(at, m, old)
		VADDPD(sum, old, old)
		narrowed = append(narrowed, k.isa.narrow(old))
	}
	if len(narrowed) == 2 {
		all := ZMM()
		VINSERTF64X4(U8(1), narrowed[1], narrowed[0].AsZ(), all)
		VMOVUPS(all, mask, Mem{Base: dalpha, Index: c, Scale: uint8(k.e.Size), Disp: slot * k.isa.vecBytes()})
	}
}
