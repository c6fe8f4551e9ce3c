package enc

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// regs spans both ends of the register file and the bit-4 boundary (15/16),
// so every bit of every register field is both set and clear somewhere.
var regs = [...]int{0, 1, 7, 15, 16, 30, 31}

// calls returns every encoder call the golden table covers. Register
// operands rotate through regs at different offsets so each operand position
// sees every value in regs and vn never equals vm (ORR's n == m alias is
// added explicitly).
func calls() []Inst {
	var out []Inst
	r := func(i int) int { return regs[i%len(regs)] }
	for _, f := range []func(Arrangement, int, int, int) Inst{FMUL, FADD, FSUB, FCMGT, FADDP, FMLA} {
		for _, a := range []Arrangement{S4, D2} {
			for i := range regs {
				out = append(out, f(a, r(i), r(i+2), r(i+4)))
			}
		}
	}
	for _, f := range []func(Arrangement, int, int) Inst{FCMGTZero, FCMLEZero} {
		for _, a := range []Arrangement{S4, D2} {
			for i := range regs {
				out = append(out, f(a, r(i), r(i+3)))
			}
		}
	}
	for _, f := range []func(int, int) Inst{FCVTL, FCVTL2, FCVTN, FCVTN2, FADDPScalarD} {
		for i := range regs {
			out = append(out, f(r(i), r(i+3)))
		}
	}
	for _, f := range []func(int, int, int) Inst{BSL16B, BIT16B, BIF16B, AND16B, BIC16B, ORR16B, EOR16B} {
		for i := range regs {
			out = append(out, f(r(i), r(i+2), r(i+4)))
		}
	}
	return append(out, ORR16B(3, 17, 17))
}

// golden is one line of testdata/golden.txt.
type golden struct {
	text string
	word uint32
}

// readGolden parses testdata/golden.txt, skipping blank and '#' lines.
func readGolden(t *testing.T) []golden {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "golden.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []golden
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text, hex, ok := strings.Cut(line, "\t")
		w, err := strconv.ParseUint(strings.TrimPrefix(hex, "0x"), 16, 32)
		if !ok || !strings.HasPrefix(hex, "0x") || err != nil {
			t.Fatalf("golden.txt:%d: malformed line %q", n, line)
		}
		out = append(out, golden{text, uint32(w)})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGolden(t *testing.T) {
	want := map[string]uint32{}
	for _, g := range readGolden(t) {
		if _, dup := want[g.text]; dup {
			t.Errorf("golden.txt: duplicate line %q", g.text)
		}
		want[g.text] = g.word
	}
	seen := map[string]bool{}
	for _, in := range calls() {
		w, ok := want[in.Text]
		switch {
		case !ok:
			t.Errorf("%s: not in golden.txt", in)
		case w != in.Word:
			t.Errorf("%s: word 0x%08x, golden 0x%08x", in.Text, in.Word, w)
		}
		seen[in.Text] = true
	}
	for text := range want {
		if !seen[text] {
			t.Errorf("golden.txt: orphan line %q (no encoder call produces it)", text)
		}
	}
}

// TestGNUAs assembles every golden text with GNU as and checks that the
// assembler agrees on the word and objdump prints the same text, so the
// golden table is not just the encoder checking itself.
func TestGNUAs(t *testing.T) {
	as, err1 := exec.LookPath("aarch64-linux-gnu-as")
	objdump, err2 := exec.LookPath("aarch64-linux-gnu-objdump")
	if err1 != nil || err2 != nil {
		t.Skip("aarch64-linux-gnu-as not installed: golden table not cross-checked")
	}
	gold := readGolden(t)
	dir := t.TempDir()
	src, obj := filepath.Join(dir, "g.s"), filepath.Join(dir, "g.o")
	var b strings.Builder
	for _, g := range gold {
		b.WriteString(g.text + "\n")
	}
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	out, err := exec.Command(objdump, "-d", obj).Output()
	if err != nil {
		t.Fatalf("objdump: %v", err)
	}

	// Instruction lines look like "   4:\t6e3edde1 \tfmul\tv1.4s, v15.4s, v30.4s".
	var got []golden
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 || !strings.HasSuffix(strings.TrimSpace(f[0]), ":") {
			continue
		}
		w, err := strconv.ParseUint(strings.TrimSpace(f[1]), 16, 32)
		if err != nil {
			continue
		}
		got = append(got, golden{strings.Join(strings.Fields(strings.Join(f[2:], " ")), " "), uint32(w)})
	}
	if len(got) != len(gold) {
		t.Fatalf("objdump listed %d instructions, golden.txt has %d", len(got), len(gold))
	}
	for i, g := range gold {
		if got[i].word != g.word {
			t.Errorf("%s: as gives 0x%08x, golden 0x%08x", g.text, got[i].word, g.word)
		}
		if want := strings.Join(strings.Fields(g.text), " "); got[i].text != want {
			t.Errorf("0x%08x: objdump prints %q, golden %q", g.word, got[i].text, want)
		}
	}
}

func TestString(t *testing.T) {
	if got, want := FMUL(S4, 2, 0, 1).String(), "WORD $0x6e21dc02 // fmul v2.4s, v0.4s, v1.4s"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	// Leading zeros must be kept: the word is always 8 hex digits.
	if got, want := FCVTL(0, 0).String(), "WORD $0x0e617800 // fcvtl v0.2d, v0.2s"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"reg -1":       func() { FADD(S4, -1, 0, 0) },
		"reg 32":       func() { FSUB(D2, 0, 32, 0) },
		"reg m 32":     func() { AND16B(0, 0, 32) },
		"reg n 32":     func() { FCVTL(0, 32) },
		"arrangement":  func() { FMUL(Arrangement(2), 0, 0, 0) },
		"arrangement0": func() { FCMGTZero(Arrangement(-1), 0, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

// Example shows the line a generator writes into a .s file.
func Example() {
	fmt.Println(FCMGTZero(S4, 2, 0))
	fmt.Println(BSL16B(2, 1, 3))
	// Output:
	// WORD $0x4ea0c802 // fcmgt v2.4s, v0.4s, #0.0
	// WORD $0x6e631c22 // bsl v2.16b, v1.16b, v3.16b
}
