package main

import (
	"testing"

	"github.com/prelu-go/prelu/asm/spec"
)

// TestFrame checks argument offsets against frames that go vet accepts for
// the Go declarations (GOARCH=arm64 go vet checks every generated operand;
// this pins the layout rules themselves).
func TestFrame(t *testing.T) {
	f32, f64 := spec.Elems[0], spec.Elems[1]
	forward, backward, dalpha := spec.Variants[0], spec.Variants[1], spec.Variants[3]
	for _, c := range []struct {
		k    spec.Kernel
		arg  string
		want string
		size int
	}{
		{spec.Kernel{Elem: f32, Variant: forward, Layout: spec.Shared}, "alpha", "alpha+48(FP)", 52},
		{spec.Kernel{Elem: f64, Variant: forward, Layout: spec.Shared}, "alpha", "alpha+48(FP)", 56},
		{spec.Kernel{Elem: f32, Variant: backward, Layout: spec.Shared}, "ret", "ret+80(FP)", 88},
		{spec.Kernel{Elem: f64, Variant: backward, Layout: spec.Shared}, "ret", "ret+80(FP)", 88},
		{spec.Kernel{Elem: f32, Variant: dalpha, Layout: spec.Shared}, "ret", "ret+48(FP)", 56},
		{spec.Kernel{Elem: f32, Variant: backward, Layout: spec.Planes}, "inner", "inner+120(FP)", 128},
		{spec.Kernel{Elem: f64, Variant: dalpha, Layout: spec.Planes}, "acc_len", "acc_len+56(FP)", 80},
		{spec.Kernel{Elem: f32, Variant: backward, Layout: spec.Pattern}, "pattern_base", "pattern_base+72(FP)", 120},
	} {
		f := newFrame(c.k)
		var got string
		switch c.arg {
		case "ret":
			got = f.result()
		case "acc_len":
			got = f.len("acc")
		case "pattern_base":
			got = f.base("pattern")
		default:
			got = f.arg(c.arg)
		}
		if got != c.want || f.size != c.size {
			t.Errorf("%s: %s, $0-%d; want %s, $0-%d", c.k.Name("NEON"), got, f.size, c.want, c.size)
		}
	}
}
