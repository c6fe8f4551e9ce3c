package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// avx2 compares into a vector mask and blends the scaled and unscaled values;
// the remainder of a span is one vector read and written with VMASKMOV.
type avx2 struct{}

func (avx2) name() string    { return "AVX2" }
func (avx2) vecBytes() int   { return 32 }
func (avx2) vec() VecVirtual { return YMM() }

// maxAccSlots keeps float32 sums to four registers: the ymm file has sixteen.
func (avx2) maxAccSlots(e elem) int { return map[int]int{4: 2, 8: 4}[e.Size] }

func (avx2) tail(e elem, rem GPVirtual) tail {
	off, p := GP64(), GP64()
	MOVQ(rem, off)
	SHLQ(U8(log2(e.Size)), off)
	NEGQ(off)
	LEAQ(tailMasks.Offset(32), p)
	m := YMM()
	VMOVDQU(Mem{Base: p, Index: off, Scale: 1}, m) // the first rem lanes set
	return m
}

func (avx2) loadPart(e elem, m Mem, t tail) VecVirtual {
	v := YMM()
	e.maskmov(m, t.(VecVirtual), v)
	return v
}

func (avx2) narrow(d VecVirtual) VecVirtual {
	x := XMM()
	VCVTPD2PSY(d, x)
	return x
}

func (a avx2) step(k *kernel, j GPVirtual, slot int, t tail) {
	lanes, masked := t.(VecVirtual)
	// Whole vectors of float32 widen the slope gradient's factors from
	// memory, before dx is stored (it may be the very slice of dy or x).
	wide := k.v.Dalpha && !masked && k.e.Size == 4
	if wide {
		a.accumulateWide(k, j, slot, nil)
		if !k.v.Dx {
			return
		}
	}
	gate, value, pass := a.operands(k, j, slot, t)
	if k.v.Dalpha && !wide {
		a.accumulate(k, j, slot, gate, value, pass)
	}
	if k.v.Dx {
		out := a.output(k, j, slot, t, value, pass)
		if masked {
			k.e.maskmov(out, lanes, k.at(k.out, j, slot))
		} else {
			k.store(out, k.at(k.out, j, slot))
		}
	}
}

// operands loads a vector of x (the gate) and of dy (the value; x again
// forward), or under t their first lanes, and compares x > 0 (pass).
func (a avx2) operands(k *kernel, j GPVirtual, slot int, t tail) (gate, value, pass VecVirtual) {
	gate = a.load(k.e, k.at(k.gate, j, slot), t)
	value = gate
	if k.value != k.gate {
		value = a.load(k.e, k.at(k.value, j, slot), t)
	}
	pass = YMM()
	k.e.cmp(U8(gtOQ), k.zero, gate, pass)
	return gate, value, pass
}

// load reads a vector, or under t only its first lanes.
func (avx2) load(e elem, m Mem, t tail) VecVirtual {
	v := YMM()
	if lanes, masked := t.(VecVirtual); masked {
		e.maskmov(m, lanes, v)
	} else {
		e.mov(m, v)
	}
	return v
}

// output is a vector of y or dx: value where pass, else its slope times value.
func (a avx2) output(k *kernel, j GPVirtual, slot int, t tail, value, pass VecVirtual) VecVirtual {
	var alpha Op = k.alpha
	slopes, fromMemory := k.slopes(j, slot)
	if fromMemory {
		alpha = slopes
		if _, masked := t.(VecVirtual); masked {
			alpha = a.load(k.e, slopes, t)
		}
	}
	out := YMM()
	if k.flip != nil { // a broadcast slope (flipsSlope)
		factor := YMM()
		VANDPS(k.flip, pass, factor) // alpha^1.0 where x > 0, else 0
		VXORPS(k.alpha, factor, factor)
		k.e.mul(factor, value, out)
		return out
	}
	k.e.mul(alpha, value, out)
	k.e.blendv(pass, value, out, out)
	return out
}

// last does the span's last full vector, at element j, n being the span's
// length (see overlapper): it adds the products of the lanes past the
// vector before it to the sums, and returns the output vector, unstored.
func (a avx2) last(k *kernel, j, n GPVirtual) VecVirtual {
	if k.v.Dalpha && k.countedWide != nil {
		// float32 sums widen from memory, as in whole vectors.
		a.accumulateWide(k, j, 0, k.countedWide)
		if !k.v.Dx {
			return nil
		}
		_, value, pass := a.operands(k, j, 0, nil)
		return a.output(k, j, 0, nil, value, pass)
	}
	gate, value, pass := a.operands(k, j, 0, nil)
	if k.v.Dalpha {
		// The lanes counted by the vector before add +0, as where
		// x > 0.
		counted := k.counted
		if counted == nil {
			counted = a.counted(k, n)
		}
		skip := YMM()
		VORPS(counted, pass, skip)
		a.accumulate(k, j, 0, gate, value, skip)
	}
	if !k.v.Dx {
		return nil
	}
	return a.output(k, j, 0, nil, value, pass)
}

// counted sets the lanes of the last full vector of a span of n elements
// (n not a whole number of vectors) that belong to the vector before it:
// the first w - n%w, which the mask table's bytes from n%w elements in set.
func (avx2) counted(k *kernel, n GPVirtual) VecVirtual {
	off, p := GP64(), GP64()
	MOVQ(n, off)
	ANDQ(U32(k.lanes()-1), off)
	SHLQ(U8(log2(k.e.Size)), off)
	LEAQ(tailMasks, p)
	m := YMM()
	VMOVDQU(Mem{Base: p, Index: off, Scale: 1}, m)
	return m
}

// countLanes makes the counted lanes' masks (counted, countedWide) for a
// loop of spans of n elements, once; uncount drops them after the loop.
func (a avx2) countLanes(k *kernel, n GPVirtual) {
	k.counted = a.counted(k, n)
	if k.e.Size != 4 || !k.v.Dalpha {
		return
	}
	for h := range 2 {
		half := k.counted.AsX()
		if h == 1 {
			half = XMM()
			VEXTRACTF128(U8(1), k.counted, half)
		}
		m := YMM()
		VPMOVSXDQ(half, m)
		k.countedWide = append(k.countedWide, m)
	}
}

func (k *kernel) uncount() { k.counted, k.countedWide = nil, nil }

// accumulate adds value*gate in float64 where !(gate > 0), for float64
// data and for the masked remainder of float32 data (its lanes past the
// slices must not be read). Both factors are cleared to +0 where gate > 0
// before they are widened, so those lanes add +0 (as the reference's slope
// term does) even when the value is Inf or NaN, and no float64 compare or
// mask is needed. Lanes past the remainder hold zeros, whose product adds
// nothing. The products of float32 data are exact in float64, so the fused
// multiply-add rounds as a multiply then add would; for float64 data it
// rounds once instead of twice, which the slope gradient's error bound
// allows (as in the AVX-512 kernels).
func (a avx2) accumulate(k *kernel, j GPVirtual, slot int, gate, value, pass VecVirtual) {
	g, v := YMM(), YMM()
	k.e.andn(gate, pass, g)
	k.e.andn(value, pass, v)
	for h := range k.e.Halves() {
		gw, vw := g, v
		if k.e.Size == 4 {
			gw, vw = widen(g, h), widen(v, h)
		}
		a.fma(k, j, slot, h, vw, gw)
	}
}

// accumulateWide adds the products of a whole vector of float32 as
// accumulate does, with each half widened from memory: widening a register
// (VEXTRACTF128 and VCVTPS2PD ymm, xmm, both across the 128-bit lanes)
// held the fused backward pass on Zen 3 to about one element per cycle,
// and widening from memory ran it 1.5x as fast (2048 elements in L1: 610
// against 410 ns; the slope gradient alone 600 against 300-370 ns). The
// test is then made in float64, exactly as in float32 (widening keeps
// order, sign and NaN), and both factors are cleared where x > 0, so
// those lanes add +0*+0, as accumulate's do, even when dy is Inf or NaN.
// They are cleared with VANDNPD, not x with VMINPD: on Zen 3 compares,
// min and the conversions share two pipes (FP2/FP3), which bound this
// loop, while the logic ops issue on any of four (docs/pipes-2026-11-29-zen3.txt).
// With counted (the halves of a last vector's counted lanes, as float64
// lanes), both factors are cleared there too: x may be anything in those
// lanes.
func (a avx2) accumulateWide(k *kernel, j GPVirtual, slot int, counted []VecVirtual) {
	for h := range 2 {
		g, v, pass := YMM(), YMM(), YMM()
		VCVTPS2PD(k.at(k.gate, j, slot).Offset(16*h), g)
		VCVTPS2PD(k.at(k.value, j, slot).Offset(16*h), v)
		VCMPPD(U8(gtOQ), k.zero, g, pass)
		if counted != nil {
			VORPD(counted[h], pass, pass)
		}
		VANDNPD(g, pass, g)
		VANDNPD(v, pass, v)
		a.fma(k, j, slot, h, v, g)
	}
}

// fma adds v*g, half h of slot's products, to its float64 sums.
func (avx2) fma(k *kernel, j GPVirtual, slot, h int, v, g VecVirtual) {
	if k.registerAccs() {
		VFMADD231PD(v, g, k.accFor(slot, h))
		return
	}
	// The sums are padded to whole vectors (the Go wrappers pad acc; a
	// ring has a vector of room past its period).
	at, sums := k.sums(j, slot, h), YMM()
	VMOVUPD(at, sums)
	VFMADD231PD(v, g, sums)
	VMOVUPD(sums, at)
}

// widen converts half h of eight float32 lanes to four float64 lanes.
func widen(v VecVirtual, h int) VecVirtual {
	src := v.AsX()
	if h == 1 {
		hi := XMM()
		VEXTRACTF128(U8(1), v, hi)
		src = hi
	}
	w := YMM()
	VCVTPS2PD(src, w)
	return w
}
