package emu

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prelu-go/prelu/asm/spec"
)

// These tests break kernels on purpose and require the harness to notice:
// a test that cannot fail proves nothing.

// cloneFunc copies fn deeply enough to mutate its instructions.
func cloneFunc(fn *Func) *Func {
	c := *fn
	c.Insts = make([]*Inst, len(fn.Insts))
	for i, in := range fn.Insts {
		cp := *in
		cp.Args = append([]Operand(nil), in.Args...)
		c.Insts[i] = &cp
	}
	return &c
}

// failures runs the kernel's default cases on fn and counts those that
// fail, returning the first error and the first fault (out-of-bounds
// access).
func failures(t *testing.T, f *File, k spec.Kernel, isa string, vecBytes int, fn *Func) (n, total int, first, fault error) {
	t.Helper()
	cases := genCases(k, isa, vecBytes, false)
	for _, c := range cases {
		if err := run(c, f, fn, runOpts{strictFrame: true}); err != nil {
			if first == nil {
				first = err
			}
			var ae *AccessError
			if fault == nil && errors.As(err, &ae) {
				fault = err
			}
			n++
		}
	}
	return n, len(cases), first, fault
}

// kernels are the kernels each amd64 ISA emits: the spec's set, the Rows
// kernels and the SmallPlanes kernels.
func kernels() []spec.Kernel {
	return append(append(spec.All(), spec.RowsKernels()...), spec.SmallPlanesKernels()...)
}

// eachKernel runs body for every kernel of both ISAs, in parallel.
func eachKernel(t *testing.T, body func(t *testing.T, f *File, k spec.Kernel, isa string, vecBytes int, fn *Func)) {
	f, _ := asmFile(t)
	for _, isa := range isas {
		for _, k := range kernels() {
			isa, k := isa, k
			name := k.Name(isa.Name)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				fn := f.Funcs[name]
				if fn == nil {
					t.Fatalf("%s is not in the file", name)
				}
				body(t, f, k, isa.Name, isa.VecBytes, fn)
			})
		}
	}
}

// inverse maps each compare predicate used by the kernels to its negation.
var inverse = map[int64]int64{0x1e: 0x1a, 0x1a: 0x1e, 0x0e: 0x0a, 0x0a: 0x0e}

// TestBrokenPredicateFails flips the predicate of the first compare of
// every kernel (x > 0 becomes !(x > 0)): every kernel must then fail.
func TestBrokenPredicateFails(t *testing.T) {
	eachKernel(t, func(t *testing.T, f *File, k spec.Kernel, isa string, vecBytes int, fn *Func) {
		broken := cloneFunc(fn)
		var at *Inst
		for _, in := range broken.Insts {
			if (in.Op == "VCMPPS" || in.Op == "VCMPPD") && in.Args[0].Kind == KindImm {
				if inv, ok := inverse[in.Args[0].Imm]; ok {
					in.Args[0].Imm = inv
					at = in
					break
				}
			}
		}
		if at == nil {
			t.Skip("no compare with a known predicate")
		}
		n, total, first, _ := failures(t, f, k, isa, vecBytes, broken)
		if n == 0 {
			t.Fatalf("flipping the predicate at %v went unnoticed in %d cases", at, total)
		}
		t.Logf("flipped %v: %d of %d cases fail, e.g. %v", at, n, total, first)
	})
}

// TestDroppedMaskFaults turns the last masked store to a slice of every
// kernel (VMASKMOV, or a store under a write mask: the tail of the cached
// path) into a full-width store. The tail then writes past the output,
// which must fault, or into the padding of acc, which must show in the
// sums. That the intact kernels pass shows that masked-off lanes are not
// counted as accesses.
func TestDroppedMaskFaults(t *testing.T) {
	eachKernel(t, func(t *testing.T, f *File, k spec.Kernel, isa string, vecBytes int, fn *Func) {
		broken := cloneFunc(fn)
		slices := outputRegs(broken, k)
		var at *Inst
		for i := len(broken.Insts) - 1; i >= 0; i-- {
			in := broken.Insts[i]
			if len(in.Args) == 0 || in.Args[len(in.Args)-1].Kind != KindMem {
				continue
			}
			dst := in.Args[len(in.Args)-1]
			if dst.Base < 0 || !slices[dst.Base] {
				continue // the frame, not an output slice
			}
			switch {
			case in.Op == "VMASKMOVPS" || in.Op == "VMASKMOVPD":
				in.Op = "VMOVUPS"
				in.exec = handlers[in.Op]
				in.Args = []Operand{in.Args[0], in.Args[2]}
			case in.Mask >= 0 && strings.HasPrefix(in.Op, "VMOVU"):
				in.Mask = -1
			default:
				continue
			}
			at = in
			break
		}
		if at == nil {
			t.Skip("no masked store to a slice")
		}
		n, total, first, fault := failures(t, f, k, isa, vecBytes, broken)
		if n == 0 {
			t.Fatalf("dropping the mask of %v went unnoticed in %d cases", at, total)
		}
		// Into acc, the store lands in its padding: the sums show it.
		if fault == nil && !(k.Dalpha && (k.Layout == spec.Planes || k.Layout == spec.Pattern)) {
			t.Fatalf("dropping the mask of %v: %d cases fail, none with an out-of-bounds write, e.g. %v", at, n, first)
		}
		if fault != nil {
			first = fault
		}
		t.Logf("unmasked %v: %d of %d cases fail, e.g. %v", at, n, total, first)
	})
}

// outputRegs is the set of registers that hold an output slice's base:
// loaded from out_base (or acc_base, dalpha_base) and never set from
// anything else (the frame's aligned pointers are set with LEAQ (SP)).
func outputRegs(fn *Func, k spec.Kernel) map[int]bool {
	from, other := map[int]bool{}, map[int]bool{}
	outs := map[string]bool{k.Out() + "_base": true, "acc_base": true, "dalpha_base": true}
	for _, in := range fn.Insts {
		if len(in.Args) != 2 || in.Args[1].Kind != KindGP {
			continue
		}
		r := in.Args[1].Reg
		switch a := in.Args[0]; {
		case in.Op == "MOVQ" && a.Kind == KindMem && a.FP && outs[a.Name]:
			from[r] = true
		case in.Op == "MOVQ" || in.Op == "LEAQ":
			other[r] = true
		}
	}
	for r := range other {
		delete(from, r)
	}
	return from
}

// TestShortSliceFaults gives every kernel an x one element shorter than
// the length it is told: it must fault on the missing element.
func TestShortSliceFaults(t *testing.T) {
	eachKernel(t, func(t *testing.T, f *File, k spec.Kernel, isa string, vecBytes int, fn *Func) {
		tried := 0
		for _, c := range genCases(k, isa, vecBytes, false) {
			if c.n == 0 || tried == 8 {
				continue
			}
			tried++
			c.short = 1
			err := run(c, f, fn, runOpts{strictFrame: true})
			var ae *AccessError
			if !errors.As(err, &ae) {
				t.Fatalf("%v: got %v, want an out-of-bounds read of x", c, err)
			}
			if !strings.Contains(err.Error(), "x [") && !strings.Contains(err.Error(), "of x") {
				t.Fatalf("%v: fault %v does not blame x", c, err)
			}
			if tried == 1 {
				t.Logf("%v", err)
			}
		}
	})
}

// TestBrokenFileFails edits a copy of the file as text, the way a bad
// generator change would: in forwardAVX512F32, the first compare's
// predicate NGT_UQ (0x1a) becomes GT_OQ (0x1e). The copy must parse and
// the kernel must fail against the reference.
func TestBrokenFileFails(t *testing.T) {
	_, src := asmFile(t)
	const name = "forwardAVX512F32"
	start := strings.Index(src, "TEXT ·"+name+"(SB)")
	if start < 0 {
		t.Fatalf("%s not in the file", name)
	}
	rel := strings.Index(src[start:], "VCMPPS    $0x1a")
	if rel < 0 {
		rel = strings.Index(src[start:], "$0x1a")
	}
	if rel < 0 {
		t.Skip("forwardAVX512F32 has no NGT_UQ compare any more")
	}
	at := start + rel
	line := src[at : at+strings.IndexByte(src[at:], '\n')]
	mutated := src[:at] + strings.Replace(line, "$0x1a", "$0x1e", 1) + src[at+len(line):]
	path := filepath.Join(t.TempDir(), "prelu_amd64.s")
	if err := os.WriteFile(path, []byte(mutated), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k := spec.Kernel{Elem: spec.Elems[0], Variant: spec.Variants[0], Layout: spec.Shared}
	if k.Name("AVX512") != name {
		t.Fatalf("spec order changed: %s", k.Name("AVX512"))
	}
	n, total, first, _ := failures(t, f, k, "AVX512", 64, f.Funcs[name])
	if n == 0 {
		t.Fatalf("the edited line %q went unnoticed", line)
	}
	t.Logf("edited %q: %d of %d cases fail, e.g. %v", strings.TrimSpace(line), n, total, first)
}
