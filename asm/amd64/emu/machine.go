package emu

import (
	"encoding/binary"
	"fmt"
)

// Machine is the emulated CPU state.
type Machine struct {
	GP  [16]uint64
	V   [32][64]byte // vector registers, little-endian lanes
	K   [8]uint64
	ZF  bool
	SF  bool
	CF  bool
	OF  bool
	PF  bool
	Mem *Memory

	// FP is the address of the argument frame (name+off(FP)).
	FP uint64
	// MaxSteps bounds the instructions of one call (0: 50 million), so
	// that a kernel that loops forever fails instead of hanging.
	MaxSteps int
	// Steps counts the instructions executed by the last Call.
	Steps int
	// Ops counts executed instructions by mnemonic, when not nil.
	Ops map[string]int

	pc  int
	ret bool
}

// handler executes one instruction.
type handler func(m *Machine, in *Inst) error

// handlers maps mnemonics to their semantics; the inst_*.go files fill it
// in their init functions.
var handlers = map[string]handler{}

func register(h handler, names ...string) {
	for _, n := range names {
		if _, dup := handlers[n]; dup {
			panic("emu: duplicate handler for " + n)
		}
		handlers[n] = h
	}
}

// Known reports whether the emulator implements a mnemonic.
func Known(op string) bool { return handlers[op] != nil }

// ExecError is an error while executing an instruction.
type ExecError struct {
	Func string
	Inst *Inst
	Err  error
}

func (e *ExecError) Error() string {
	return fmt.Sprintf("%s: %v: %v", e.Func, e.Inst, e.Err)
}

func (e *ExecError) Unwrap() error { return e.Err }

// Call runs fn with its argument frame at argBase and its local frame at
// stackBase (the caller maps both regions): SP points at the local frame,
// FP references resolve into the argument frame.
func (m *Machine) Call(fn *Func, argBase, stackBase uint64) error {
	m.FP = argBase
	m.GP[regSP] = stackBase
	m.pc, m.ret, m.Steps = 0, false, 0
	max := m.MaxSteps
	if max == 0 {
		max = 50_000_000
	}
	for !m.ret {
		if m.pc < 0 || m.pc >= len(fn.Insts) {
			return fmt.Errorf("%s: ran off the end of the function (pc %d)", fn.Name, m.pc)
		}
		in := fn.Insts[m.pc]
		m.pc++
		if m.Steps++; m.Steps > max {
			return &ExecError{fn.Name, in, fmt.Errorf("more than %d instructions: endless loop?", max)}
		}
		if in.exec == nil {
			return &ExecError{fn.Name, in, fmt.Errorf("unknown instruction %s", in.Op)}
		}
		for _, s := range in.Suffixes {
			if s != "Z" && s != "BCST" {
				return &ExecError{fn.Name, in, fmt.Errorf("unknown instruction suffix %s.%s", in.Op, s)}
			}
		}
		if m.Ops != nil {
			m.Ops[in.Op]++
		}
		if err := in.exec(m, in); err != nil {
			return &ExecError{fn.Name, in, err}
		}
	}
	if m.GP[regSP] != stackBase {
		return fmt.Errorf("%s: returned with SP %#x, want %#x", fn.Name, m.GP[regSP], stackBase)
	}
	return nil
}

// addr computes a memory operand's effective address.
func (m *Machine) addr(o Operand) (uint64, error) {
	if o.Kind != KindMem {
		return 0, fmt.Errorf("operand %v is not memory", o)
	}
	var a uint64
	switch {
	case o.FP:
		a = m.FP
	case o.Sym != "":
		base, ok := m.Mem.Symbols[o.Sym]
		if !ok {
			return 0, fmt.Errorf("symbol %s is not mapped", o.Sym)
		}
		a = base
	default:
		a = m.GP[o.Base]
	}
	a += uint64(o.Disp)
	if o.Index >= 0 {
		a += m.GP[o.Index] * uint64(o.Scale)
	}
	return a, nil
}

// load reads n (1..8) bytes of an integer operand: register, immediate or
// memory.
func (m *Machine) load(o Operand, n int) (uint64, error) {
	switch o.Kind {
	case KindGP:
		return m.GP[o.Reg] & sizeMask(n), nil
	case KindImm:
		return uint64(o.Imm) & sizeMask(n), nil
	case KindK:
		return m.K[o.Reg] & sizeMask(n), nil
	case KindVec:
		return leUint(m.V[o.Reg][:n]), nil
	case KindMem:
		a, err := m.addr(o)
		if err != nil {
			return 0, err
		}
		b, err := m.Mem.Read(a, n)
		if err != nil {
			return 0, err
		}
		return leUint(b), nil
	}
	return 0, fmt.Errorf("cannot read operand %v", o)
}

// storeGP writes an n-byte integer result: to a register (a 4-byte write
// zero-extends, as on hardware) or to memory.
func (m *Machine) storeGP(o Operand, n int, v uint64) error {
	switch o.Kind {
	case KindGP:
		switch n {
		case 8, 4:
			m.GP[o.Reg] = v & sizeMask(n)
		default: // 1 and 2 byte writes merge
			m.GP[o.Reg] = m.GP[o.Reg]&^sizeMask(n) | v&sizeMask(n)
		}
		return nil
	case KindMem:
		a, err := m.addr(o)
		if err != nil {
			return err
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		return m.Mem.Write(a, b[:n])
	}
	return fmt.Errorf("cannot write operand %v", o)
}

func sizeMask(n int) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*uint(n)) - 1
}

func leUint(b []byte) uint64 {
	switch len(b) {
	case 8:
		return binary.LittleEndian.Uint64(b)
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// cond evaluates a Go condition-code suffix (EQ, NE, LT, CS, HI, ...).
func (m *Machine) cond(cc string) (bool, error) {
	switch cc {
	case "EQ", "E", "Z":
		return m.ZF, nil
	case "NE", "NZ":
		return !m.ZF, nil
	case "LT", "L":
		return m.SF != m.OF, nil
	case "GE":
		return m.SF == m.OF, nil
	case "GT", "G":
		return !m.ZF && m.SF == m.OF, nil
	case "LE":
		return m.ZF || m.SF != m.OF, nil
	case "CS", "LO", "B", "C":
		return m.CF, nil
	case "CC", "HS", "AE", "NB", "NC":
		return !m.CF, nil
	case "HI", "A":
		return !m.CF && !m.ZF, nil
	case "LS", "BE":
		return m.CF || m.ZF, nil
	case "MI", "S":
		return m.SF, nil
	case "PL", "NS":
		return !m.SF, nil
	case "OS", "O":
		return m.OF, nil
	case "OC", "NO":
		return !m.OF, nil
	case "PS", "P":
		return m.PF, nil
	case "PC", "NP":
		return !m.PF, nil
	}
	return false, fmt.Errorf("unknown condition %s", cc)
}

// isBranch reports whether op is a jump that takes a label.
func isBranch(op string) bool {
	if op == "JMP" {
		return true
	}
	_, ok := jumpConds[op]
	return ok
}
