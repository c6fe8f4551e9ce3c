package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/prelu-go/prelu/asm/spec"
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
	if k.v.Dalpha {
		a.accumulate(k, j, slot, gate, value)
	}
	if k.v.Dx {
		pass := YMM() // x > 0
		e.cmp(U8(gtOQ), k.zero, gate, pass)
		var alpha Op = k.alpha
		if k.l == spec.Pattern {
			if masked {
				alpha = load(k.at(k.pattern, j, slot))
			} else {
				alpha = k.at(k.pattern, j, slot)
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

// accumulate adds value*gate in float64 where !(gate > 0). Lanes past the
// remainder hold zeros, whose product adds nothing.
func (avx2) accumulate(k *kernel, j GPVirtual, slot int, gate, value VecVirtual) {
	for h := range k.e.Halves() {
		g, v := gate, value
		if k.e.Size == 4 {
			g, v = widen(gate, h), widen(value, h)
		}
		slope := YMM()
		VCMPPD(U8(ngtUQ), k.zero, g, slope)
		p := YMM()
		VMULPD(v, g, p)
		VANDPD(slope, p, p)
		if k.registerAccs() {
			acc := k.accFor(slot, h)
			VADDPD(p, acc, acc)
		} else {
			// The acc array is padded to whole vectors (see the Go wrappers).
			at := k.accAt(j, slot, h)
			VADDPD(at, p, p)
			VMOVUPD(p, at)
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
