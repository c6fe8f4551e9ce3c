package main

import (
	"fmt"

	"github.com/prelu-go/prelu/asm/spec"
)

// frame is a kernel's argument frame under Go's ABI0, which assembly
// functions use: arguments in order at their natural alignment, then the
// result at the next multiple of the pointer size. The operands are named
// the way go vet's asmdecl check expects, so that vet verifies every offset
// against the Go declaration.
type frame struct {
	offsets map[string]int // parameter name to byte offset
	ret     int            // offset of the float64 result, -1 if none
	size    int            // bytes of arguments and result: the $0-size in TEXT
}

// sliceBytes is the size of a slice header: base pointer, length, capacity.
const sliceBytes = 24

func newFrame(k spec.Kernel) frame {
	f := frame{offsets: map[string]int{}, ret: -1}
	off := 0
	for _, p := range k.Params() {
		size := map[string]int{"slice": sliceBytes, "acc": sliceBytes, "scalar": k.Size, "int": 8}[p.Kind]
		align := min(size, 8)
		off = alignUp(off, align)
		f.offsets[p.Name] = off
		off += size
	}
	if k.Returns() {
		off = alignUp(off, 8)
		f.ret = off
		off += 8
	}
	f.size = off
	return f
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

// arg is a scalar parameter's operand: "alpha+48(FP)".
func (f frame) arg(name string) string {
	off, ok := f.offsets[name]
	if !ok {
		panic("no parameter " + name)
	}
	return fmt.Sprintf("%s+%d(FP)", name, off)
}

// base is a slice parameter's data pointer: "x_base+24(FP)".
func (f frame) base(name string) string { return f.field(name, "base", 0) }

// len is a slice parameter's length: "x_len+32(FP)".
func (f frame) len(name string) string { return f.field(name, "len", 8) }

func (f frame) field(name, field string, at int) string {
	off, ok := f.offsets[name]
	if !ok {
		panic("no parameter " + name)
	}
	return fmt.Sprintf("%s_%s+%d(FP)", name, field, off+at)
}

// result is the float64 result's operand: "ret+80(FP)".
func (f frame) result() string {
	if f.ret < 0 {
		panic("kernel returns nothing")
	}
	return fmt.Sprintf("ret+%d(FP)", f.ret)
}
