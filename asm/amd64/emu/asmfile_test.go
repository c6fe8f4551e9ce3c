package emu

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prelu-go/prelu/asm/spec"
)

var (
	long    = flag.Bool("long", false, "run many more cases per kernel")
	asmFlag = flag.String("asm", "", "assembly file to emulate (default: prelu_amd64.s at the repository root, or $PRELU_ASM)")
)

// isas are the amd64 instruction sets the generator emits, with their
// vector width in bytes.
var isas = []struct {
	Name     string
	VecBytes int
}{{"AVX2", 32}, {"AVX512", 64}}

// asmPath finds the generated file: -asm, $PRELU_ASM, or prelu_amd64.s in
// the nearest parent directory that has it (the repository root, three
// levels above this package).
func asmPath() (string, error) {
	if *asmFlag != "" {
		return *asmFlag, nil
	}
	if p := os.Getenv("PRELU_ASM"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "prelu_amd64.s")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("prelu_amd64.s not found above the test's directory")
		}
		dir = parent
	}
}

var (
	loadOnce sync.Once
	loaded   *File
	loadErr  error
	loadSrc  string
)

// asmFile parses the generated file once per test binary.
func asmFile(t testing.TB) (*File, string) {
	t.Helper()
	loadOnce.Do(func() {
		var p string
		if p, loadErr = asmPath(); loadErr != nil {
			return
		}
		var b []byte
		if b, loadErr = os.ReadFile(p); loadErr != nil {
			return
		}
		loadSrc = string(b)
		loaded, loadErr = Parse(loadSrc)
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loaded, loadSrc
}

// TestParse checks that the file parses into the kernel set of asm/spec,
// that every instruction in it is one the emulator knows, and that every
// argument reference names the parameter at its offset.
func TestParse(t *testing.T) {
	f, _ := asmFile(t)
	want := map[string]bool{}
	for _, isa := range isas {
		for _, k := range kernels() {
			name := k.Name(isa.Name)
			want[name] = true
			fn := f.Funcs[name]
			if fn == nil {
				t.Errorf("kernel %s is missing from the file", name)
				continue
			}
			lay := layout(k)
			if fn.Args != lay.size {
				t.Errorf("%s: argument size %d, want %d from the signature %s", name, fn.Args, lay.size, k.Signature(k.GoType))
			}
			for _, in := range fn.Insts {
				for _, a := range in.Args {
					if a.Kind == KindMem && a.FP {
						if got, ok := lay.names[a.Name]; !ok || got != int(a.Disp) {
							t.Errorf("%s: %v: %s+%d(FP) does not name the parameter at that offset (want %v)", name, in, a.Name, a.Disp, lay.names)
						}
					}
				}
			}
		}
	}
	var extra []string
	for _, name := range f.Order {
		if !want[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		t.Logf("functions in the file that are not kernels of asm/spec (not emulated): %v", extra)
	}
	unknown := map[string][]string{}
	for _, name := range f.Order {
		for _, op := range f.Funcs[name].Unknown() {
			unknown[op] = append(unknown[op], name)
		}
	}
	var ops []string
	for op := range unknown {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		t.Errorf("instruction %s is not emulated (used by %s): add it to an inst_*.go table", op, strings.Join(unknown[op], ", "))
	}
	if len(f.Data["tailmask<>"].Bytes) == 0 && strings.Contains(loadSrc, "tailmask<>") {
		t.Errorf("tailmask<> has no data")
	}
	t.Logf("%d functions, %d data symbols", len(f.Order), len(f.Data))
}

// frame is a kernel's ABI0 argument frame.
type frame struct {
	offs  []int          // offset of each parameter of k.Params()
	ret   int            // offset of the float64 result, or -1
	size  int            // total, as in TEXT's $frame-size
	names map[string]int // FP names (x_base, x_len, alpha, ret...) to offsets
}

// layout computes the ABI0 frame of a kernel from its signature: each
// argument at its alignment, the results from the next multiple of 8.
func layout(k spec.Kernel) frame {
	fr := frame{ret: -1, names: map[string]int{}}
	off := 0
	align := func(a int) { off = (off + a - 1) / a * a }
	for _, p := range k.Params() {
		switch p.Kind {
		case "slice", "acc":
			align(8)
			fr.offs = append(fr.offs, off)
			fr.names[p.Name+"_base"], fr.names[p.Name+"_len"], fr.names[p.Name+"_cap"] = off, off+8, off+16
			off += 24
		case "scalar":
			align(k.Size)
			fr.offs = append(fr.offs, off)
			fr.names[p.Name] = off
			off += k.Size
		case "int":
			align(8)
			fr.offs = append(fr.offs, off)
			fr.names[p.Name] = off
			off += 8
		}
	}
	if k.Returns() {
		align(8)
		fr.ret = off
		fr.names["ret"] = off
		off += 8
	}
	fr.size = off
	return fr
}
