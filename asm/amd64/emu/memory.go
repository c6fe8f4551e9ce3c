package emu

import (
	"fmt"
	"sort"
)

// Region is a range of emulated memory that a kernel may touch.
type Region struct {
	Name     string
	Base     uint64
	Bytes    []byte
	Writable bool
	// Written, when not nil, tracks which bytes have been written: reading
	// one that has not is an error (a function's own frame starts as
	// garbage).
	Written []bool
}

// End is the first address past the region.
func (r *Region) End() uint64 { return r.Base + uint64(len(r.Bytes)) }

// Memory is the emulated address space: a set of disjoint regions. Any
// access that is not wholly inside one region is an error, so a kernel that
// reads or writes one byte past a slice fails.
type Memory struct {
	regions []*Region // sorted by Base
	Symbols map[string]uint64
	last    *Region
}

// AccessError is an access outside the regions, or a write to a read-only
// one, or a misaligned access that the instruction forbids.
type AccessError struct {
	Addr  uint64
	Size  int
	Write bool
	Why   string
}

func (e *AccessError) Error() string {
	kind := "read"
	if e.Write {
		kind = "write"
	}
	return fmt.Sprintf("%s of %d bytes at %#x: %s", kind, e.Size, e.Addr, e.Why)
}

// NewMemory returns an empty address space.
func NewMemory() *Memory { return &Memory{Symbols: map[string]uint64{}} }

// Map adds a region. Regions must not overlap.
func (m *Memory) Map(r *Region) error {
	for _, o := range m.regions {
		if r.Base < o.End() && o.Base < r.End() {
			return fmt.Errorf("region %s [%#x,%#x) overlaps %s [%#x,%#x)", r.Name, r.Base, r.End(), o.Name, o.Base, o.End())
		}
	}
	m.regions = append(m.regions, r)
	sort.Slice(m.regions, func(i, j int) bool { return m.regions[i].Base < m.regions[j].Base })
	return nil
}

// MapSymbol adds a region for a data symbol and records its address.
func (m *Memory) MapSymbol(name string, base uint64, bytes []byte, writable bool) (*Region, error) {
	r := &Region{Name: name, Base: base, Bytes: bytes, Writable: writable}
	if err := m.Map(r); err != nil {
		return nil, err
	}
	m.Symbols[name] = base
	return r, nil
}

// Region returns the region by name, or nil.
func (m *Memory) Region(name string) *Region {
	for _, r := range m.regions {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Regions lists the regions in address order.
func (m *Memory) Regions() []*Region { return m.regions }

// find returns the region holding [addr, addr+n), or an error.
func (m *Memory) find(addr uint64, n int, write bool) (*Region, error) {
	if r := m.last; r != nil && addr >= r.Base && addr+uint64(n) <= r.End() && addr+uint64(n) >= addr {
		if write && !r.Writable {
			return nil, &AccessError{addr, n, write, "region " + r.Name + " is read-only"}
		}
		return r, nil
	}
	for _, r := range m.regions {
		if addr >= r.Base && addr < r.End() {
			if addr+uint64(n) > r.End() || addr+uint64(n) < addr {
				return nil, &AccessError{addr, n, write, fmt.Sprintf("runs %d bytes past the end of %s [%#x,%#x)", addr+uint64(n)-r.End(), r.Name, r.Base, r.End())}
			}
			if write && !r.Writable {
				return nil, &AccessError{addr, n, write, "region " + r.Name + " is read-only"}
			}
			m.last = r
			return r, nil
		}
		if addr < r.Base && addr+uint64(n) > r.Base {
			return nil, &AccessError{addr, n, write, fmt.Sprintf("starts %d bytes before %s [%#x,%#x)", r.Base-addr, r.Name, r.Base, r.End())}
		}
	}
	return nil, &AccessError{addr, n, write, m.describe(addr)}
}

// describe says where a stray address lies relative to the regions.
func (m *Memory) describe(addr uint64) string {
	best, dist, after := (*Region)(nil), uint64(0), false
	for _, r := range m.regions {
		var d uint64
		a := false
		if addr >= r.End() {
			d, a = addr-r.End(), true
		} else {
			d = r.Base - addr
		}
		if best == nil || d < dist {
			best, dist, after = r, d, a
		}
	}
	if best == nil {
		return "no memory is mapped"
	}
	if after {
		return fmt.Sprintf("outside every region: %d bytes past the end of %s [%#x,%#x)", dist, best.Name, best.Base, best.End())
	}
	return fmt.Sprintf("outside every region: %d bytes before %s [%#x,%#x)", dist, best.Name, best.Base, best.End())
}

// Read returns the n bytes at addr (aliasing the region's storage: copy
// them before writing memory).
func (m *Memory) Read(addr uint64, n int) ([]byte, error) {
	r, err := m.find(addr, n, false)
	if err != nil {
		return nil, err
	}
	off := addr - r.Base
	if r.Written != nil {
		for i := off; i < off+uint64(n); i++ {
			if !r.Written[i] {
				return nil, &AccessError{addr, n, false, fmt.Sprintf("byte %d of %s has not been written (uninitialized frame)", i, r.Name)}
			}
		}
	}
	return r.Bytes[off : off+uint64(n)], nil
}

// Write stores b at addr.
func (m *Memory) Write(addr uint64, b []byte) error {
	r, err := m.find(addr, len(b), true)
	if err != nil {
		return err
	}
	off := addr - r.Base
	copy(r.Bytes[off:], b)
	if r.Written != nil {
		for i := range b {
			r.Written[off+uint64(i)] = true
		}
	}
	return nil
}
