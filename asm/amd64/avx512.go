package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// avx512 compares into a mask register and multiplies under that mask, so
// lanes where x > 0 keep their value untouched; the remainder of a span is
// one vector under a mask of its first rem lanes.
type avx512 struct{}

func (avx512) name() string         { return "AVX512" }
func (avx512) vecBytes() int        { return 64 }
func (avx512) vec() VecVirtual      { return ZMM() }
func (avx512) maxAccSlots(elem) int { return 4 }

func (avx512) tail(e elem, rem GPVirtual) tail {
	ones, bits := GP64(), GP64()
	MOVQ(I32(-1), ones)
	BZHIQ(rem, ones, bits) // the low rem bits
	m := K()
	KMOVW(bits.As32(), m)
	return m
}

func (avx512) loadPart(e elem, m Mem, t tail) VecVirtual {
	v := ZMM()
	e.movZ(m, t.(OpmaskVirtual), v)
	return v
}

func (avx512) narrow(d VecVirtual) VecVirtual {
	y := YMM()
	VCVTPD2PS(d, y)
	return y
}

func (a avx512) step(k *kernel, j GPVirtual, slot int, t tail) {
	e := k.e
	lanes, masked := t.(OpmaskVirtual)
	load := func(m Mem) VecVirtual {
		v := ZMM()
		if masked {
			e.movZ(m, lanes, v)
		} else {
			e.mov(m, v)
		}
		return v
	}
	gate := load(k.at(k.gate, j, slot))
	slope := K() // the lanes that take the slope branch: !(x > 0)
	if masked {
		e.cmp(U8(ngtUQ), k.zero, gate, lanes, slope)
	} else {
		e.cmp(U8(ngtUQ), k.zero, gate, slope)
	}
	value := gate
	if k.value != k.gate && (k.v.Dx || k.e.Size == 8) {
		// float32 sums widen dy from memory: without dx, a vector of it
		// would be a dead load, a 64-byte access of five a vector.
		value = load(k.at(k.value, j, slot))
	}
	if k.v.Dalpha {
		a.accumulate(k, j, slot, gate, value, slope, masked)
	}
	if k.v.Dx {
		var alpha Op = k.alpha
		if k.slopeRegs != nil {
			alpha = k.slopeRegs[slot]
		} else if slopes, ok := k.slopes(j, slot); ok {
			// Masked lanes of a memory operand are not read, so the
			// remainder needs no separate masked load.
			alpha = slopes
		}
		e.mul(alpha, value, slope, value)
		if masked {
			e.mov(value, lanes, k.at(k.out, j, slot))
		} else {
			k.store(value, k.at(k.out, j, slot))
		}
	}
}

// accumulate adds value*gate in float64 where slope is set. float32 halves
// are widened from memory; in the remainder under the mask, which keeps them
// from reading past the slices.
func (a avx512) accumulate(k *kernel, j GPVirtual, slot int, gate, value VecVirtual, slope OpmaskVirtual, masked bool) {
	if k.split != nil {
		a.accumulateSplit(k, j, slot, gate, value, slope)
		return
	}
	if k.e.Size == 8 {
		a.fma(k, j, slot, 0, value, gate, slope)
		return
	}
	for h := range k.e.Halves() {
		m := halfMask(slope, h)
		var g, v VecVirtual
		if masked {
			g, v = ZMM(), ZMM()
			VCVTPS2PD_Z(k.at(k.gate, j, slot).Offset(32*h), m, g)
			VCVTPS2PD_Z(k.at(k.value, j, slot).Offset(32*h), m, v)
		} else {
			// Unmasked, the conversions need not wait for the compare.
			g, v = a.widen(k, j, slot, h, gate, value)
		}
		a.fma(k, j, slot, h, v, g, m)
	}
}

// halfMask is the mask of a vector of float32 lanes m for its half h as
// float64 lanes.
func halfMask(m OpmaskVirtual, h int) OpmaskVirtual {
	if h == 0 {
		return m
	}
	mh := K()
	KSHIFTRW(U8(8), m, mh)
	return mh
}

// widen converts half h of a whole vector of float32 x and dy to float64.
// The low halves of the vectors already loaded widen from their registers
// (x's always, dy's where dx loaded it): two loads fewer a vector, which
// this core counts (fused backward, 25088 float32, kernel alone: 4504 ->
// 3798 ns; 4096: 658 -> 561); the high halves from memory, which takes no
// extract on the port the conversions need.
func (avx512) widen(k *kernel, j GPVirtual, slot, h int, gate, value VecVirtual) (g, v VecVirtual) {
	g, v = ZMM(), ZMM()
	if h == 0 {
		VCVTPS2PD(gate.AsY(), g)
	} else {
		VCVTPS2PD(k.at(k.gate, j, slot).Offset(32*h), g)
	}
	if h == 0 && k.v.Dx {
		VCVTPS2PD(value.AsY(), v)
	} else {
		VCVTPS2PD(k.at(k.value, j, slot).Offset(32*h), v)
	}
	return g, v
}

// fma adds v*g to the sums under mask m. For float32 data the product is
// exact, so the fused form rounds exactly as a multiply then add would.
func (avx512) fma(k *kernel, j GPVirtual, slot, h int, v, g VecVirtual, m OpmaskVirtual) {
	if k.registerAccs() {
		VFMADD231PD(v, g, m, k.accFor(slot, h))
		return
	}
	sums, at := ZMM(), k.sums(j, slot, h)
	VMOVUPD_Z(at, m, sums)
	VFMADD231PD(v, g, m, sums)
	VMOVUPD(sums, m, at)
}

// accumulateSplit is accumulate for a full vector that holds a plane's end
// (k.split): the products, widened once, go to the plane's sums in the
// split's lanes, which are then flushed, and to the next plane's in the
// others.
func (a avx512) accumulateSplit(k *kernel, j GPVirtual, slot int, gate, value VecVirtual, slope OpmaskVirtual) {
	ended, started := K(), K()
	KANDW(k.split.lanes, slope, ended)
	KXORW(ended, slope, started)
	halves := k.e.Halves()
	g, v := []VecVirtual{gate}, []VecVirtual{value}
	if k.e.Size == 4 {
		g, v = nil, nil
		for h := range halves {
			gh, vh := a.widen(k, j, slot, h, gate, value)
			g, v = append(g, gh), append(v, vh)
		}
	}
	add := func(m OpmaskVirtual) {
		for h := range halves {
			a.fma(k, j, slot, h, v[h], g[h], halfMask(m, h))
		}
	}
	add(ended)
	k.split.flush()
	add(started)
}
