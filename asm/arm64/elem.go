package main

import (
	"github.com/prelu-go/prelu/asm/arm64/enc"
	"github.com/prelu-go/prelu/asm/spec"
)

// vecBytes is the width of a NEON vector register.
const vecBytes = 16

// elem is an element type with the spellings that differ between single and
// double precision.
type elem struct {
	spec.Elem
	arr  string          // Go's vector arrangement: "S4" or "D2"
	lane string          // Go's lane size: "S" or "D", also the scalar suffix
	enc  enc.Arrangement // the arrangement for package enc
}

func newElem(e spec.Elem) elem {
	if e.Size == 4 {
		return elem{e, "S4", "S", enc.S4}
	}
	return elem{e, "D2", "D", enc.D2}
}

// lanes is the number of elements in one vector.
func (e elem) lanes() int { return vecBytes / e.Size }

// scalar is the scalar instruction for this type: FMUL becomes FMULS or FMULD.
func (e elem) scalar(op string) string { return op + e.lane }
