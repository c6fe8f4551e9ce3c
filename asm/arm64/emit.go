package main

import (
	"bytes"
	"fmt"

	"github.com/prelu-go/prelu/asm/arm64/enc"
)

// file accumulates the text of the .s file. Registers are assigned by hand
// (see regs.go): there is no register allocator, as there is in avo.
type file struct {
	b      bytes.Buffer
	labels int
}

// op emits one instruction in Go assembler syntax.
func (f *file) op(mnemonic string, operands ...string) {
	line := "\t" + mnemonic
	for i, o := range operands {
		if i == 0 {
			line += fmt.Sprintf("%*s", 8-len(mnemonic), "") + o
		} else {
			line += ", " + o
		}
	}
	f.b.WriteString(line + "\n")
}

// word emits an instruction that Go's assembler cannot spell, as its raw
// encoding with the GNU text in a comment.
func (f *file) word(i enc.Inst) { f.op("WORD", i.String()[len("WORD "):]) }

// newLabel returns a label name unique within the file.
func (f *file) newLabel(name string) string {
	f.labels++
	return fmt.Sprintf("%s_%d", name, f.labels)
}

// label places a label; a blank line before it separates the blocks.
func (f *file) label(name string) { fmt.Fprintf(&f.b, "\n%s:\n", name) }

// gp is a general-purpose register, R0..R30.
type gp int

func (r gp) String() string { return fmt.Sprintf("R%d", int(r)) }

// mem is the operand (r).
func (r gp) mem() string { return fmt.Sprintf("(R%d)", int(r)) }

// post is the post-increment operand n(r), for the .P forms.
func (r gp) post(n int) string { return fmt.Sprintf("%d(R%d)", n, int(r)) }

// vr is a SIMD and floating-point register, V0..V31; its low lane is F0..F31.
type vr int

// in names v with an arrangement: "V3.S4".
func (v vr) in(arr string) string { return fmt.Sprintf("V%d.%s", int(v), arr) }

// b16 names v as sixteen bytes, the arrangement of the bitwise instructions.
func (v vr) b16() string { return v.in("B16") }

// f names the scalar in v's low lane: "F3".
func (v vr) f() string { return fmt.Sprintf("F%d", int(v)) }

// list is the register list of a VLD1/VST1 of n consecutive registers from v.
func (v vr) list(n int, arr string) string {
	s := "["
	for i := range n {
		if i > 0 {
			s += ", "
		}
		s += (v + vr(i)).in(arr)
	}
	return s + "]"
}

// imm is an immediate operand.
func imm(n int) string { return fmt.Sprintf("$%d", n) }
