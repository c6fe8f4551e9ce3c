package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"

	"github.com/prelu-go/prelu/asm/spec"
)

// ops are the instructions that differ between single and double precision.
type ops struct {
	mov, mul, cmp, broadcast func(...Op)
	andn                     func(...Op) // andn(src, mask, dst): dst = src &^ mask
	movnt                    func(v, m Op)
	movZ, maskmov            func(a, b, c Op)
	blendv                   func(mask, a, b, dst Op)
	blendm                   func(...Op) // blendm(a, b, k, dst): dst = k ? a : b
}

var opsFor = map[int]ops{
	4: {andn: VANDNPS, mov: VMOVUPS, movnt: VMOVNTPS, movZ: VMOVUPS_Z, mul: VMULPS, cmp: VCMPPS,
		blendv: VBLENDVPS, blendm: VBLENDMPS, maskmov: VMASKMOVPS, broadcast: VBROADCASTSS},
	8: {andn: VANDNPD, mov: VMOVUPD, movnt: VMOVNTPD, movZ: VMOVUPD_Z, mul: VMULPD, cmp: VCMPPD,
		blendv: VBLENDVPD, blendm: VBLENDMPD, maskmov: VMASKMOVPD, broadcast: VBROADCASTSD},
}

// elem is an element type with its instructions.
type elem struct {
	spec.Elem
	ops
}

// Comparison predicates (imm8 of VCMPPS/VCMPPD).
const (
	gtOQ  = 0x1e // x > 0, false for NaN: the pass-through branch
	ngtUQ = 0x1a // !(x > 0), true for NaN: the slope branch
)
