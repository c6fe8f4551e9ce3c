package emu

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is an operand's kind.
type Kind int

const (
	KindGP    Kind = iota + 1 // AX..R15
	KindVec                   // X0..X31, Y0..Y31, Z0..Z31 (Width 16, 32, 64)
	KindK                     // K0..K7
	KindImm                   // $imm
	KindMem                   // memory reference
	KindLabel                 // branch target
)

// Operand is one parsed operand.
type Operand struct {
	Kind  Kind
	Reg   int   // register number for KindGP, KindVec, KindK
	Width int   // vector register width in bytes (16, 32, 64)
	Imm   int64 // KindImm
	Label string

	// KindMem: Disp(Base)(Index*Scale), or Sym+Disp(SB)(Index*Scale), or
	// Name+Disp(FP) for an argument.
	Base  int // GP register, or -1
	Index int // GP register, or -1
	Scale int
	Disp  int64
	Sym   string // data symbol (SB), without the middle dot
	FP    bool   // argument reference: Disp is the offset in the argument frame
	Name  string // argument name of an FP reference (informative)
}

// gpNames are the general-purpose registers in hardware order.
var gpNames = []string{"AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"}

const regSP = 4

var gpIndex = func() map[string]int {
	m := map[string]int{}
	for i, n := range gpNames {
		m[n] = i
	}
	return m
}()

// parseReg recognizes a register name.
func parseReg(s string) (Operand, bool) {
	if i, ok := gpIndex[s]; ok {
		return Operand{Kind: KindGP, Reg: i}, true
	}
	if len(s) >= 2 {
		n, err := strconv.Atoi(s[1:])
		if err == nil && n >= 0 && s[1] != '+' && s[1] != '-' {
			switch s[0] {
			case 'X':
				if n < 32 {
					return Operand{Kind: KindVec, Reg: n, Width: 16}, true
				}
			case 'Y':
				if n < 32 {
					return Operand{Kind: KindVec, Reg: n, Width: 32}, true
				}
			case 'Z':
				if n < 32 {
					return Operand{Kind: KindVec, Reg: n, Width: 64}, true
				}
			case 'K':
				if n < 8 {
					return Operand{Kind: KindK, Reg: n}, true
				}
			}
		}
	}
	return Operand{}, false
}

func parseImm(s string) (int64, error) {
	if !strings.HasPrefix(s, "$") {
		return 0, fmt.Errorf("immediate %q lacks $", s)
	}
	return parseInt(strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(s[1:], "("), ")"), "+"))
}

func parseInt(s string) (int64, error) {
	if v, err := strconv.ParseInt(s, 0, 64); err == nil {
		return v, nil
	}
	neg := strings.HasPrefix(s, "-")
	u, err := strconv.ParseUint(strings.TrimPrefix(s, "-"), 0, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

// parseOperand parses one operand in Go assembler syntax.
func parseOperand(s string) (Operand, error) {
	if s == "" {
		return Operand{}, fmt.Errorf("empty operand")
	}
	if r, ok := parseReg(s); ok {
		return r, nil
	}
	if s[0] == '$' {
		v, err := parseImm(s)
		if err != nil {
			return Operand{}, err
		}
		return Operand{Kind: KindImm, Imm: v}, nil
	}
	if !strings.Contains(s, "(") {
		// A bare identifier: a branch target.
		return Operand{Kind: KindLabel, Label: s}, nil
	}
	return parseMem(s)
}

// parseMem parses [sym|name][+-off](BASE)[(INDEX*SCALE)].
func parseMem(s string) (Operand, error) {
	op := Operand{Kind: KindMem, Base: -1, Index: -1}
	open := strings.IndexByte(s, '(')
	prefix, rest := s[:open], s[open:]
	// Split the parenthesized groups.
	var groups []string
	for rest != "" {
		if rest[0] != '(' {
			return op, fmt.Errorf("malformed memory operand %q", s)
		}
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return op, fmt.Errorf("malformed memory operand %q", s)
		}
		groups = append(groups, rest[1:end])
		rest = rest[end+1:]
	}
	if len(groups) == 0 || len(groups) > 2 {
		return op, fmt.Errorf("malformed memory operand %q", s)
	}
	// prefix: name+off, name-off, name, off, or empty.
	name, off := prefix, ""
	if i := strings.LastIndexAny(prefix, "+-"); i > 0 && !strings.HasSuffix(prefix[:i], "<") {
		name, off = prefix[:i], prefix[i:]
	} else if i == 0 || (prefix != "" && (prefix[0] >= '0' && prefix[0] <= '9')) {
		name, off = "", prefix
	}
	if off != "" {
		v, err := parseInt(strings.TrimPrefix(off, "+"))
		if err != nil {
			return op, fmt.Errorf("memory operand %q: %v", s, err)
		}
		op.Disp = v
	}
	switch groups[0] {
	case "SB":
		if name == "" {
			return op, fmt.Errorf("memory operand %q: SB without symbol", s)
		}
		op.Sym = strings.TrimPrefix(name, "·")
	case "FP":
		if name == "" {
			return op, fmt.Errorf("memory operand %q: FP reference without a name", s)
		}
		op.FP, op.Name = true, name
	default:
		if name != "" {
			// name+off(SP) is the pseudo-SP; the kernels do not use it.
			return op, fmt.Errorf("memory operand %q: named reference to %s unsupported", s, groups[0])
		}
		r, ok := gpIndex[groups[0]]
		if !ok {
			return op, fmt.Errorf("memory operand %q: base %q is not a register", s, groups[0])
		}
		op.Base = r
	}
	if len(groups) == 2 {
		idx, scale, ok := strings.Cut(groups[1], "*")
		if !ok {
			return op, fmt.Errorf("memory operand %q: index without scale", s)
		}
		r, ok := gpIndex[idx]
		if !ok || r == regSP {
			return op, fmt.Errorf("memory operand %q: bad index %q", s, idx)
		}
		sc, err := strconv.Atoi(scale)
		if err != nil || (sc != 1 && sc != 2 && sc != 4 && sc != 8) {
			return op, fmt.Errorf("memory operand %q: bad scale %q", s, scale)
		}
		op.Index, op.Scale = r, sc
	}
	return op, nil
}

func (o Operand) String() string {
	switch o.Kind {
	case KindGP:
		return gpNames[o.Reg]
	case KindVec:
		return fmt.Sprintf("%c%d", map[int]byte{16: 'X', 32: 'Y', 64: 'Z'}[o.Width], o.Reg)
	case KindK:
		return fmt.Sprintf("K%d", o.Reg)
	case KindImm:
		return fmt.Sprintf("$%#x", o.Imm)
	case KindLabel:
		return o.Label
	case KindMem:
		var b strings.Builder
		switch {
		case o.Sym != "":
			fmt.Fprintf(&b, "%s%+d(SB)", o.Sym, o.Disp)
		case o.FP:
			fmt.Fprintf(&b, "%s%+d(FP)", o.Name, o.Disp)
		default:
			if o.Disp != 0 {
				fmt.Fprintf(&b, "%d", o.Disp)
			}
			fmt.Fprintf(&b, "(%s)", gpNames[o.Base])
		}
		if o.Index >= 0 {
			fmt.Fprintf(&b, "(%s*%d)", gpNames[o.Index], o.Scale)
		}
		return b.String()
	}
	return "?"
}
