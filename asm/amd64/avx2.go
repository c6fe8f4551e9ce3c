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
	e := k.e
	lanes, masked := t.(VecVirtual)
	load := func(m Mem) VecVirtual {
		v := YMM()
		if masked {
			e.maskmov(m, lanes, v)
		} else {
			e.mov(m, v)
		}
		return v
	}
	gate := load(k.at(k.gate, j, slot))
	value := gate
	if k.value != k.gate {
		value = load(k.at(k.value, j, slot))
	}
	pass := YMM() // x > 0
	e.cmp(U8(gtOQ), k.zero, gate, pass)
	if k.v.Dalpha {
		a.accumulate(k, j, slot, gate, value, pass)
	}
	if k.v.Dx {
		var alpha Op = k.alpha
		if slopes, ok := k.slopes(j, slot); ok {
			if masked {
				alpha = load(slopes)
			} else {
				alpha = slopes
			}
		}
		out := YMM()
		e.mul(alpha, value, out)
		e.blendv(pass, value, out, out)
		if masked {
			e.maskmov(out, lanes, k.at(k.out, j, slot))
		} else {
			k.store(out, k.at(k.out, j, slot))
		}
	}
}

// accumulate adds value*gate in float64 where !(gate > 0). Both factors are
// cleared to +0 where gate > 0 before they are widened, so those lanes add
// +0 (as the reference's slope term does) even when the value is Inf or
// NaN, and no float64 compare or mask is needed. Lanes past the remainder
// hold zeros, whose product adds nothing. The products of float32 data are
// exact in float64, so the fused multiply-add rounds as a multiply then add
// would; for float64 data it rounds once instead of twice, which the slope
// gradient's error bound allows (as in the AVX-512 kernels).
func (avx2) accumulate(k *kernel, j GPVirtual, slot int, gate, value, pass VecVirtual) {
	g, v := YMM(), YMM()
	k.e.andn(gate, pass, g)
	k.e.andn(value, pass, v)
	for h := range k.e.Halves() {
		gw, vw := g, v
		if k.e.Size == 4 {
			gw, vw = widen(g, h), widen(v, h)
		}
		if k.registerAccs() {
			VFMADD231PD(vw, gw, k.accFor(slot, h))
		} else {
			// The sums are padded to whole vectors (the Go wrappers pad acc;
			// a ring has a vector of room past its period).
			at, sums := k.sums(j, slot, h), YMM()
			VMOVUPD(at, sums)
			VFMADD231PD(vw, gw, sums)
			VMOVUPD(sums, at)
		}
	}
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
