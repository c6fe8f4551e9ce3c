// Package emu runs the generated amd64 kernels (Go assembler syntax, as avo
// prints it) in software, so that kernels for instruction sets the machine
// lacks (AVX-512 on an AVX2-only host or CI runner) can still be tested bit
// for bit against the pure-Go reference.
//
// The emulator is deliberately small and table-driven: parse.go reads the
// assembly, operand.go and memory.go resolve operands against a memory made
// of named regions (anything outside them is an error), machine.go runs a
// function, and the inst_*.go files each hold one family of instructions.
// An instruction the tables lack stops the run with an error that names it.
package emu

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// File is a parsed assembly file.
type File struct {
	Funcs map[string]*Func // by name, without the package's middle dot
	Order []string         // function names in file order
	Data  map[string]*Symbol
}

// Symbol is a data symbol of the file (DATA and GLOBL lines).
type Symbol struct {
	Name  string // as written, e.g. "tailmask<>"
	Flags string // GLOBL flags, e.g. "RODATA|NOPTR"
	Bytes []byte
}

// Func is one TEXT block.
type Func struct {
	Name   string
	Flags  string // e.g. "NOSPLIT", "" when none
	Frame  int    // bytes of local frame, addressed from SP
	Args   int    // bytes of arguments and results, addressed from FP
	Insts  []*Inst
	Labels map[string]int // label name -> index of the next instruction
}

// Inst is one instruction line.
type Inst struct {
	Op       string    // mnemonic without suffixes: "VMOVUPS"
	Suffixes []string  // e.g. ["Z"] for VMOVUPS.Z (zeroing-masking), ["BCST"]
	Args     []Operand // in Go order (sources first, destination last), write mask removed
	Mask     int       // write-mask register K1..K7, or -1 (K0 means no mask)
	Zeroing  bool      // .Z suffix: masked-off lanes are zeroed, not merged
	Bcast    bool      // .BCST suffix: the memory operand is one broadcast element
	Line     int       // 1-based line in the file
	Text     string    // the line as written, trimmed
	exec     handler   // resolved at parse time; nil for an unknown mnemonic
	target   int       // jump target index, for branches
}

func (in *Inst) String() string { return fmt.Sprintf("line %d: %s", in.Line, in.Text) }

// ParseFile reads and parses a file.
func ParseFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(string(b))
}

// Parse parses the text of a Go assembly file.
func Parse(src string) (*File, error) {
	f := &File{Funcs: map[string]*Func{}, Data: map[string]*Symbol{}}
	var cur *Func
	var pending []string // labels waiting for their instruction
	finish := func() error {
		if cur == nil {
			return nil
		}
		for _, l := range pending {
			cur.Labels[l] = len(cur.Insts)
		}
		pending = nil
		for _, in := range cur.Insts {
			if isBranch(in.Op) && len(in.Args) == 1 && in.Args[0].Kind == KindLabel {
				t, ok := cur.Labels[in.Args[0].Label]
				if !ok {
					return fmt.Errorf("%s: %v: unknown label %q", cur.Name, in, in.Args[0].Label)
				}
				in.target = t
			}
		}
		cur = nil
		return nil
	}
	for i, raw := range strings.Split(src, "\n") {
		lineNo := i + 1
		line := raw
		if j := strings.Index(line, "//"); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		switch fields[0] {
		case "TEXT":
			if err := finish(); err != nil {
				return nil, err
			}
			fn, err := parseText(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", lineNo, err)
			}
			if _, dup := f.Funcs[fn.Name]; dup {
				return nil, fmt.Errorf("line %d: duplicate function %s", lineNo, fn.Name)
			}
			f.Funcs[fn.Name] = fn
			f.Order = append(f.Order, fn.Name)
			cur = fn
			continue
		case "DATA":
			if err := parseData(f, line); err != nil {
				return nil, fmt.Errorf("line %d: %v", lineNo, err)
			}
			continue
		case "GLOBL":
			if err := finish(); err != nil {
				return nil, err
			}
			if err := parseGlobl(f, line); err != nil {
				return nil, fmt.Errorf("line %d: %v", lineNo, err)
			}
			continue
		}
		if strings.HasSuffix(line, ":") && !strings.ContainsAny(line, " \t,") {
			if cur == nil {
				return nil, fmt.Errorf("line %d: label outside a function", lineNo)
			}
			name := strings.TrimSuffix(line, ":")
			if _, dup := cur.Labels[name]; dup {
				return nil, fmt.Errorf("line %d: duplicate label %s", lineNo, name)
			}
			cur.Labels[name] = len(cur.Insts)
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: instruction outside a function: %s", lineNo, line)
		}
		in, err := parseInst(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", lineNo, err)
		}
		in.Line = lineNo
		cur.Insts = append(cur.Insts, in)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return f, nil
}

// parseText parses "TEXT ·name(SB), FLAGS, $frame-args" (flags optional).
func parseText(line string) (*Func, error) {
	parts := splitOperands(strings.TrimSpace(strings.TrimPrefix(line, "TEXT")))
	if len(parts) < 2 || len(parts) > 3 {
		return nil, fmt.Errorf("malformed TEXT: %s", line)
	}
	name := strings.TrimSuffix(parts[0], "(SB)")
	name = strings.TrimPrefix(name, "·")
	fn := &Func{Name: name, Labels: map[string]int{}}
	sizes := parts[len(parts)-1]
	if len(parts) == 3 {
		fn.Flags = parts[1]
	}
	if !strings.HasPrefix(sizes, "$") {
		return nil, fmt.Errorf("malformed TEXT sizes: %s", line)
	}
	frame, args, ok := strings.Cut(sizes[1:], "-")
	if !ok {
		return nil, fmt.Errorf("TEXT without argument size: %s", line)
	}
	var err error
	if fn.Frame, err = strconv.Atoi(frame); err != nil {
		return nil, fmt.Errorf("TEXT frame size: %v", err)
	}
	if fn.Args, err = strconv.Atoi(args); err != nil {
		return nil, fmt.Errorf("TEXT argument size: %v", err)
	}
	return fn, nil
}

// parseData parses "DATA sym+off(SB)/width, $value".
func parseData(f *File, line string) error {
	parts := splitOperands(strings.TrimSpace(strings.TrimPrefix(line, "DATA")))
	if len(parts) != 2 {
		return fmt.Errorf("malformed DATA: %s", line)
	}
	loc, width, ok := strings.Cut(parts[0], "/")
	if !ok {
		return fmt.Errorf("DATA without width: %s", line)
	}
	w, err := strconv.Atoi(width)
	if err != nil || w < 1 || w > 8 {
		return fmt.Errorf("DATA width %q", width)
	}
	op, err := parseOperand(loc)
	if err != nil || op.Kind != KindMem || op.Sym == "" {
		return fmt.Errorf("DATA location %q", loc)
	}
	v, err := parseImm(parts[1])
	if err != nil {
		return err
	}
	s := f.symbol(op.Sym)
	end := int(op.Disp) + w
	for len(s.Bytes) < end {
		s.Bytes = append(s.Bytes, 0)
	}
	for i := 0; i < w; i++ {
		s.Bytes[int(op.Disp)+i] = byte(uint64(v) >> (8 * i))
	}
	return nil
}

// parseGlobl parses "GLOBL sym(SB), FLAGS, $size".
func parseGlobl(f *File, line string) error {
	parts := splitOperands(strings.TrimSpace(strings.TrimPrefix(line, "GLOBL")))
	if len(parts) < 2 {
		return fmt.Errorf("malformed GLOBL: %s", line)
	}
	op, err := parseOperand(parts[0])
	if err != nil || op.Kind != KindMem || op.Sym == "" {
		return fmt.Errorf("GLOBL symbol %q", parts[0])
	}
	size, err := parseImm(parts[len(parts)-1])
	if err != nil {
		return err
	}
	s := f.symbol(op.Sym)
	if len(parts) == 3 {
		s.Flags = parts[1]
	}
	if int(size) < len(s.Bytes) {
		return fmt.Errorf("GLOBL %s: size %d smaller than its DATA (%d bytes)", op.Sym, size, len(s.Bytes))
	}
	for len(s.Bytes) < int(size) {
		s.Bytes = append(s.Bytes, 0)
	}
	return nil
}

func (f *File) symbol(name string) *Symbol {
	s := f.Data[name]
	if s == nil {
		s = &Symbol{Name: name}
		f.Data[name] = s
	}
	return s
}

// parseInst parses "OP[.SUFFIX...] arg, arg, ...".
func parseInst(line string) (*Inst, error) {
	in := &Inst{Text: line, Mask: -1}
	op, rest, _ := strings.Cut(line, " ")
	if j := strings.IndexByte(op, '\t'); j >= 0 {
		op, rest = op[:j], op[j+1:]+" "+rest
	}
	parts := strings.Split(op, ".")
	in.Op = parts[0]
	for _, s := range parts[1:] {
		switch s {
		case "Z":
			in.Zeroing = true
		case "BCST":
			in.Bcast = true
		}
		in.Suffixes = append(in.Suffixes, s)
	}
	rest = strings.TrimSpace(rest)
	if rest != "" {
		for _, a := range splitOperands(rest) {
			o, err := parseOperand(a)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", line, err)
			}
			in.Args = append(in.Args, o)
		}
	}
	// Go's AVX-512 syntax puts the write mask just before the destination.
	// Instructions on mask registers themselves (K...) have no write mask.
	if n := len(in.Args); n >= 3 && strings.HasPrefix(in.Op, "V") && in.Args[n-2].Kind == KindK {
		in.Mask = in.Args[n-2].Reg
		if in.Mask == 0 {
			in.Mask = -1
		}
		in.Args = append(in.Args[:n-2:n-2], in.Args[n-1])
	}
	in.exec = handlers[in.Op]
	return in, nil
}

// splitOperands splits on commas outside parentheses.
func splitOperands(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// Unknown lists the mnemonics of f's instructions that the emulator lacks
// (with the suffixes it does not understand), each once, in order of
// appearance.
func (fn *Func) Unknown() []string {
	var out []string
	seen := map[string]bool{}
	for _, in := range fn.Insts {
		name := ""
		if in.exec == nil {
			name = in.Op
		}
		for _, s := range in.Suffixes {
			if s != "Z" && s != "BCST" {
				name = in.Op + "." + s
			}
		}
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
