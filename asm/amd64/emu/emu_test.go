package emu

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// Unit tests of the emulator itself, on small hand-written functions.

// runSnippet assembles body into a function and runs it with the given
// regions mapped; setup may set registers.
func runSnippet(t *testing.T, body string, regions []*Region, setup func(m *Machine)) (*Machine, error) {
	t.Helper()
	f, err := Parse("TEXT ·snippet(SB), NOSPLIT, $0-0\n" + body + "\n\tRET\n")
	if err != nil {
		t.Fatal(err)
	}
	mem := NewMemory()
	for _, r := range regions {
		if err := mem.Map(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := mem.Map(&Region{Name: "frame", Base: stackBase}); err != nil {
		t.Fatal(err)
	}
	m := &Machine{Mem: mem}
	if setup != nil {
		setup(m)
	}
	return m, m.Call(f.Funcs["snippet"], argBase, stackBase)
}

func isAccessError(err error) bool {
	var ae *AccessError
	return errors.As(err, &ae)
}

// Masked-off lanes of AVX-512 masked loads and stores, and unselected
// lanes of VMASKMOV, are not accesses; every byte of a full-width access
// is.
func TestMaskedLanesAreNotAccessed(t *testing.T) {
	const base = 0x1000
	two := func() []*Region { // two float32s: 8 bytes
		return []*Region{{Name: "s", Base: base, Bytes: []byte{1, 0, 0, 0, 2, 0, 0, 0}, Writable: true}}
	}
	cases := []struct {
		body  string
		mask  uint64
		fault bool
	}{
		{"VMOVUPS.Z (AX), K1, Z1", 0b11, false},
		{"VMOVUPS.Z (AX), K1, Z1", 0b111, true},
		{"VMOVUPS.Z (AX), K1, Z1", 0b1000_0000_0000_0001, true},
		{"VMOVUPS (AX), Z1", 0, true},
		{"VMOVUPS (AX), X1", 0, true},
		{"VMOVUPS Z1, K1, (AX)", 0b11, false},
		{"VMOVUPS Z1, K1, (AX)", 0b100, true},
		{"VMOVUPS Z1, K1, (AX)", 0, false},
		{"VCVTPS2PD.Z (AX), K1, Z2", 0b11, false},
		{"VCVTPS2PD.Z (AX), K1, Z2", 0b111, true},
		{"VCVTPS2PD (AX), X2", 0, false}, // two floats: exactly 8 bytes
		{"VCVTPS2PD (AX), Y2", 0, true},
		{"VMULPS (AX), Z1, K1, Z1", 0b11, false},
		{"VMULPS (AX), Z1, K1, Z1", 0b10000, true},
		{"VCMPPS $0x1e, (AX), Z1, K1, K2", 0b01, false},
		{"VCMPPS $0x1e, (AX), Z1, K1, K2", 0b101, true},
	}
	for _, c := range cases {
		m, err := runSnippet(t, "\t"+c.body, two(), func(m *Machine) {
			m.GP[0] = base
			m.K[1] = c.mask
		})
		if got := isAccessError(err); got != c.fault {
			t.Errorf("%s with K1=%#b: error %v, want fault %v", c.body, c.mask, err, c.fault)
		}
		if c.body == "VMOVUPS.Z (AX), K1, Z1" && !c.fault {
			v := vec(m.V[1])
			if v.u32(0) != 1 || v.u32(1) != 2 || v.u32(2) != 0 || v.u64(7) != 0 {
				t.Errorf("masked load: got %v", v)
			}
		}
	}
	// VMASKMOVPS: the sign bits of the mask vector select.
	for _, c := range []struct {
		lanes int
		fault bool
	}{{2, false}, {3, true}, {0, false}} {
		for _, body := range []string{"\tVMASKMOVPS (AX), Y2, Y3", "\tVMASKMOVPS Y3, Y2, (AX)"} {
			_, err := runSnippet(t, body, two(), func(m *Machine) {
				m.GP[0] = base
				for i := 0; i < c.lanes; i++ {
					m.V[2][4*i+3] = 0x80
				}
			})
			if got := isAccessError(err); got != c.fault {
				t.Errorf("%s with %d lanes selected: error %v, want fault %v", body, c.lanes, err, c.fault)
			}
		}
	}
	// Full width: a 64-byte load needs all 64 bytes, from its first.
	for _, c := range []struct {
		size, off int
		fault     bool
	}{{64, 0, false}, {63, 0, true}, {64, 1, true}, {65, 1, false}} {
		_, err := runSnippet(t, "\tVMOVUPS (AX), Z1", []*Region{{Name: "s", Base: base, Bytes: make([]byte, c.size)}},
			func(m *Machine) { m.GP[0] = base + uint64(c.off) })
		if got := isAccessError(err); got != c.fault {
			t.Errorf("64-byte load at +%d of %d bytes: error %v, want fault %v", c.off, c.size, err, c.fault)
		}
	}
	// Read-only regions and alignment.
	_, err := runSnippet(t, "\tVMOVUPS Y1, (AX)", []*Region{{Name: "ro", Base: base, Bytes: make([]byte, 32)}},
		func(m *Machine) { m.GP[0] = base })
	if !isAccessError(err) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("store to a read-only region: %v", err)
	}
	_, err = runSnippet(t, "\tVMOVNTPS Y1, (AX)", []*Region{{Name: "s", Base: base, Bytes: make([]byte, 64), Writable: true}},
		func(m *Machine) { m.GP[0] = base + 4 })
	if !isAccessError(err) || !strings.Contains(err.Error(), "misaligned") {
		t.Errorf("misaligned non-temporal store: %v", err)
	}
}

func TestUnknownInstruction(t *testing.T) {
	f, err := Parse("TEXT ·g(SB), NOSPLIT, $0-0\n\tVFROBNICATEPS Z1, Z2, Z3\n\tRET\n")
	if err != nil {
		t.Fatal(err)
	}
	if u := f.Funcs["g"].Unknown(); len(u) != 1 || u[0] != "VFROBNICATEPS" {
		t.Errorf("Unknown() = %v", u)
	}
	_, err = runSnippet(t, "\tVFROBNICATEPS Z1, Z2, Z3", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "unknown instruction VFROBNICATEPS") {
		t.Errorf("got %v, want an error naming the instruction", err)
	}
	_, err = runSnippet(t, "\tVMULPS.RN_SAE Z1, Z2, Z3", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "VMULPS.RN_SAE") {
		t.Errorf("got %v, want an error naming the suffix", err)
	}
}

func TestParseOperands(t *testing.T) {
	f, err := Parse(`DATA tailmask<>+0(SB)/4, $0xffffffff
DATA tailmask<>+4(SB)/4, $0x00000000
GLOBL tailmask<>(SB), RODATA|NOPTR, $8

// func h()
TEXT ·h(SB), $1824-80
	MOVQ x_base+24(FP), AX
	VMOVUPS.Z 32(CX)(SI*4), K1, Z2
	VCMPPS $0x1a, Z0, Z2, K1, K2
	VCMPPS $0x1e, Z0, Z2, K3
	VMULPS Z1, Z2, K2, Z2
	LEAQ tailmask<>+32(SB), R8
	CMPQ BX, ·streamThreshold+0(SB)
	MOVQ $-1, -8(SP)
loop:
	JMP loop
`)
	if err != nil {
		t.Fatal(err)
	}
	fn := f.Funcs["h"]
	if fn.Frame != 1824 || fn.Args != 80 || fn.Flags != "" {
		t.Errorf("frame %d args %d flags %q", fn.Frame, fn.Args, fn.Flags)
	}
	if got := f.Data["tailmask<>"].Bytes; len(got) != 8 || got[0] != 0xff || got[4] != 0 {
		t.Errorf("tailmask = %v", got)
	}
	in := fn.Insts
	check := func(ok bool, what string) {
		t.Helper()
		if !ok {
			t.Errorf("%s", what)
		}
	}
	check(in[0].Args[0].FP && in[0].Args[0].Name == "x_base" && in[0].Args[0].Disp == 24, "FP reference")
	a := in[1].Args[0]
	check(in[1].Zeroing && in[1].Mask == 1 && len(in[1].Args) == 2, "zeroing-masked load")
	check(a.Base == 1 && a.Index == 6 && a.Scale == 4 && a.Disp == 32, "32(CX)(SI*4)")
	check(in[2].Mask == 1 && in[2].Args[3].Kind == KindK && in[2].Args[3].Reg == 2, "masked compare into K2")
	check(in[3].Mask == -1 && in[3].Args[3].Reg == 3, "unmasked compare into K3")
	check(in[4].Mask == 2 && !in[4].Zeroing, "merge-masked multiply")
	check(in[5].Args[0].Sym == "tailmask<>" && in[5].Args[0].Disp == 32, "tailmask<>+32(SB)")
	check(in[6].Args[1].Sym == "streamThreshold", "·streamThreshold+0(SB)")
	check(in[7].Args[0].Imm == -1 && in[7].Args[1].Base == regSP && in[7].Args[1].Disp == -8, "$-1, -8(SP)")
	check(fn.Labels["loop"] == 8 && in[8].target == 8, "label")
}

// The compare predicates against their definitions in the SDM.
func TestComparePredicates(t *testing.T) {
	nan := math.NaN()
	vals := []float64{-1, 0, math.Copysign(0, -1), 1, nan, math.Inf(1), math.Inf(-1)}
	def := map[int64]func(a, b float64) bool{
		0x00: func(a, b float64) bool { return a == b },
		0x01: func(a, b float64) bool { return a < b },
		0x02: func(a, b float64) bool { return a <= b },
		0x03: func(a, b float64) bool { return a != a || b != b },
		0x04: func(a, b float64) bool { return !(a == b) },
		0x05: func(a, b float64) bool { return !(a < b) },
		0x06: func(a, b float64) bool { return !(a <= b) },
		0x07: func(a, b float64) bool { return a == a && b == b },
		0x0d: func(a, b float64) bool { return a >= b },
		0x0e: func(a, b float64) bool { return a > b },
		0x1a: func(a, b float64) bool { return !(a > b) }, // NGT_UQ
		0x1e: func(a, b float64) bool { return a > b },    // GT_OQ
		0x0b: func(a, b float64) bool { return false },
		0x0f: func(a, b float64) bool { return true },
	}
	for p, f := range def {
		for _, a := range vals {
			for _, b := range vals {
				got, err := cmpPredicate(p, a, b)
				if err != nil || got != f(a, b) {
					t.Errorf("predicate %#x(%v, %v) = %v, %v; want %v", p, a, b, got, err, f(a, b))
				}
				// Bits 4 only choose signaling: same result.
				if got2, _ := cmpPredicate(p^0x10, a, b); got2 != got {
					t.Errorf("predicate %#x and %#x differ on (%v, %v)", p, p^0x10, a, b)
				}
			}
		}
	}
	// Operand order: VCMPPS $0x1e, Y0, Y3, Y4 is Y4 = Y3 > Y0.
	m, err := runSnippet(t, "\tVCMPPS $0x1e, Y0, Y3, Y4\n\tVCMPPS $0x1e, Z0, Z3, K1, K2", nil, func(m *Machine) {
		for i := 0; i < 16; i++ {
			v := (*vec)(&m.V[3])
			v.setU32(i, math.Float32bits(float32(i-4)))
		}
		m.K[1] = 0xff0f
	})
	if err != nil {
		t.Fatal(err)
	}
	v := vec(m.V[4])
	for i := 0; i < 8; i++ {
		if want := i > 4; (v.u32(i) == ^uint32(0)) != want {
			t.Errorf("lane %d: %#x", i, v.u32(i))
		}
	}
	if want := uint64(0xffe0 & 0xff0f); m.K[2] != want {
		t.Errorf("K2 = %#x, want %#x", m.K[2], want)
	}
}

// fma32 must be the exactly rounded float32 x*y+z.
func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		x := math.Float32frombits(rng.Uint32())
		y := math.Float32frombits(rng.Uint32())
		z := math.Float32frombits(rng.Uint32())
		if i%2 == 0 { // near-cancellation
			z = -float32(float64(x) * float64(y))
			z = math.Float32frombits(math.Float32bits(z) ^ uint32(rng.IntN(4)))
		}
		got := fma32(x, y, z)
		exact := new(big.Float).SetPrec(1000)
		if math.IsNaN(float64(x)) || math.IsNaN(float64(y)) || math.IsNaN(float64(z)) ||
			math.IsInf(float64(x), 0) || math.IsInf(float64(y), 0) || math.IsInf(float64(z), 0) {
			continue
		}
		exact.Mul(big.NewFloat(float64(x)).SetPrec(1000), big.NewFloat(float64(y)).SetPrec(1000))
		exact.Add(exact, big.NewFloat(float64(z)).SetPrec(1000))
		want, _ := exact.Float32()
		if want == 0 && exact.Sign() != 0 {
			want = float32(math.Copysign(0, float64(exact.Sign())))
		}
		if math.Float32bits(got) != math.Float32bits(want) && !(got == 0 && want == 0) {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", x, y, z, got, want)
		}
	}
}

// Integer flags, branches, conditional moves, DIVQ and BZHIQ.
func TestIntegerOps(t *testing.T) {
	m, err := runSnippet(t, `
	MOVQ $-5, AX
	MOVQ $3, BX
	XORQ CX, CX
	CMPQ AX, BX
	JGE bad
	CMPQ AX, BX
	JB bad
	MOVQ $7, DX
	CMPQ BX, DX
	CMOVQLT DX, CX
	MOVQ $100, AX
	XORQ DX, DX
	MOVQ $7, SI
	DIVQ SI
	MOVQ $-1, R8
	MOVQ $5, R9
	BZHIQ R9, R8, R9
	MOVQ $0x1f, R10
	NEGQ R10
	ANDQ $0x3f, R10
	SHLQ $2, R10
	JMP done
bad:
	MOVQ $0xbad, CX
done:
`, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]uint64{1: 7, 0: 14, 2: 2, 9: 0x1f, 10: 33 << 2}
	for r, v := range want {
		if m.GP[r] != v {
			t.Errorf("%s = %#x, want %#x", gpNames[r], m.GP[r], v)
		}
	}
	_, err = runSnippet(t, "\tXORQ DX, DX\n\tMOVQ $1, AX\n\tXORQ CX, CX\n\tDIVQ CX", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "divide error") {
		t.Errorf("division by zero: %v", err)
	}
	_, err = runSnippet(t, "loop:\n\tJMP loop", nil, func(m *Machine) { m.MaxSteps = 1000 })
	if err == nil || !strings.Contains(err.Error(), "endless loop") {
		t.Errorf("endless loop: %v", err)
	}
}

// Permutes, blends and conversions that newer kernels may use.
func TestVectorOps(t *testing.T) {
	set := func(m *Machine, r int, vals ...float32) {
		v := (*vec)(&m.V[r])
		for i, x := range vals {
			v.setU32(i, math.Float32bits(x))
		}
	}
	get := func(m *Machine, r, n int) []float32 {
		v := vec(m.V[r])
		out := make([]float32, n)
		for i := range out {
			out[i] = v.f32(i)
		}
		return out
	}
	type tc struct {
		body  string
		setup func(m *Machine)
		reg   int
		want  []float32
	}
	seq := func(m *Machine, r int, from float32) {
		for i := 0; i < 16; i++ {
			(*vec)(&m.V[r]).setU32(i, math.Float32bits(from+float32(i)))
		}
	}
	for i, c := range []tc{
		{"\tVBLENDVPS Y4, Y3, Y5, Y6", func(m *Machine) {
			set(m, 3, 1, 2, 3, 4, 5, 6, 7, 8)
			set(m, 5, -1, -2, -3, -4, -5, -6, -7, -8)
			set(m, 4, float32(math.Copysign(0, -1)), 0, -1, 1, -1, 1, -1, 1)
		}, 6, []float32{2 - 1, -2, 3, -4, 5, -6, 7, -8}},
		{"\tVPERMPS Y1, Y2, Y3", func(m *Machine) {
			set(m, 1, 10, 11, 12, 13, 14, 15, 16, 17)
			idx := (*vec)(&m.V[2])
			for i, j := range []uint32{7, 6, 5, 4, 3, 2, 1, 8} {
				idx.setU32(i, j)
			}
		}, 3, []float32{17, 16, 15, 14, 13, 12, 11, 10}},
		{"\tVPERMT2PS Z1, Z2, Z3", func(m *Machine) {
			seq(m, 3, 0)   // table 1: 0..15
			seq(m, 1, 100) // table 2: 100..115
			idx := (*vec)(&m.V[2])
			for i := 0; i < 16; i++ {
				idx.setU32(i, uint32(2*i+1))
			}
		}, 3, []float32{1, 3, 5, 7, 9, 11, 13, 15, 101, 103, 105, 107, 109, 111, 113, 115}},
		{"\tVPERMILPS $0x1b, X1, X2", func(m *Machine) { set(m, 1, 1, 2, 3, 4) }, 2, []float32{4, 3, 2, 1}},
		{"\tVEXTRACTF128 $0x01, Y1, X2", func(m *Machine) { set(m, 1, 1, 2, 3, 4, 5, 6, 7, 8) }, 2, []float32{5, 6, 7, 8, 0, 0, 0, 0}},
		{"\tVCVTPD2PSY Y1, X2", func(m *Machine) {
			v := (*vec)(&m.V[1])
			for i, x := range []float64{1.5, -2, 1e300, 0.1} {
				v.setU64(i, math.Float64bits(x))
			}
		}, 2, []float32{1.5, -2, float32(math.Inf(1)), 0.1, 0, 0, 0, 0}},
		{"\tVMULPS Z1, Z2, K1, Z2", func(m *Machine) {
			set(m, 1, 2, 2, 2, 2)
			set(m, 2, 1, 2, 3, 4)
			m.K[1] = 0b0101
		}, 2, []float32{2, 2, 6, 4}},
		{"\tVMOVUPS.Z Z2, K1, Z3", func(m *Machine) {
			set(m, 2, 1, 2, 3, 4)
			set(m, 3, 9, 9, 9, 9)
			m.K[1] = 0b0110
		}, 3, []float32{0, 2, 3, 0}},
		{"\tVFMADD231PS Z1, Z2, Z3", func(m *Machine) {
			set(m, 1, 3)
			set(m, 2, 2)
			set(m, 3, 1)
		}, 3, []float32{7}},
		{"\tVBROADCASTSS X1, Y2", func(m *Machine) { set(m, 1, 5) }, 2, []float32{5, 5, 5, 5, 5, 5, 5, 5, 0, 0}},
	} {
		m, err := runSnippet(t, c.body, nil, c.setup)
		if err != nil {
			t.Errorf("%d: %v", i, err)
			continue
		}
		got := get(m, c.reg, len(c.want))
		for j := range c.want {
			if math.Float32bits(got[j]) != math.Float32bits(c.want[j]) {
				t.Errorf("%s: got %v, want %v", strings.TrimSpace(c.body), got, c.want)
				break
			}
		}
	}
}
