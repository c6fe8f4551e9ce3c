package prelu

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/klauspost/cpuid/v2"
)

// isaID names an implementation. Higher is better within an architecture.
type isaID uint32

const (
	isaGeneric isaID = iota
	isaAVX2
	isaAVX512
	isaNEON
)

var isaNames = [...]string{isaGeneric: "generic", isaAVX2: "avx2", isaAVX512: "avx512", isaNEON: "neon"}

func (i isaID) String() string { return isaNames[i] }

// requires lists the CPU features each ISA's kernels use: every feature that
// the generated assembly's "Requires:" lines name (a test checks this).
// cpuid reports AVX and AVX-512 only when the OS saves their registers.
var requires = map[isaID][]cpuid.FeatureID{
	isaAVX2:   {cpuid.AVX, cpuid.AVX2, cpuid.CMOV, cpuid.FMA3},
	isaAVX512: {cpuid.AVX, cpuid.AVX512F, cpuid.BMI2, cpuid.CMOV, cpuid.FMA3},
	isaNEON:   {cpuid.ASIMD},
}

// supported lists the ISAs this build and CPU can run, best first; generic
// is always last.
var supported = detect()

func detect() []isaID {
	var ids []isaID
	for i := len(compiled) - 1; i >= 0; i-- {
		id := compiled[i]
		if cpuid.CPU.Supports(requires[id]...) {
			ids = append(ids, id)
		}
	}
	return append(ids, isaGeneric)
}

// active is the implementation the exported functions use.
var active atomic.Uint32

func activeISA() isaID { return isaID(active.Load()) }

func init() { active.Store(uint32(choose(os.Getenv("PRELU_ISA")))) }

// choose returns the best supported ISA not above limit. An empty or
// unknown limit does not limit.
func choose(limit string) isaID {
	for _, id := range supported {
		if limit == "" || !known(limit) || rank(id) <= rank(byName(limit)) {
			return id
		}
	}
	return isaGeneric
}

func known(name string) bool { _, ok := lookup(name); return ok }

func byName(name string) isaID { id, _ := lookup(name); return id }

func lookup(name string) (isaID, bool) {
	for id, n := range isaNames {
		if strings.EqualFold(n, name) {
			return isaID(id), true
		}
	}
	return 0, false
}

// rank orders ISAs of one architecture; a cap of another architecture's ISA
// (say avx2 on arm64) leaves only generic below it.
func rank(id isaID) int {
	switch id {
	case isaAVX2:
		return 1
	case isaAVX512:
		return 2
	case isaNEON:
		if runtime.GOARCH == "arm64" {
			return 2
		}
		return 0
	}
	return 0
}

// ISAs lists the implementations this CPU and build can run, best first,
// ending with "generic".
func ISAs() []string {
	names := make([]string, len(supported))
	for i, id := range supported {
		names[i] = id.String()
	}
	return names
}

// SetISA makes every later call use the named implementation, one of
// [ISAs]. It is meant for benchmarks and A/B tests; calls already running
// finish on the implementation they started with.
func SetISA(name string) error {
	id, ok := lookup(name)
	if ok {
		for _, s := range supported {
			if s == id {
				active.Store(uint32(id))
				return nil
			}
		}
	}
	return fmt.Errorf("prelu: ISA %q is not available here (have %s)", name, strings.Join(ISAs(), ", "))
}

// Implementation describes one implementation compiled into this build.
type Implementation struct {
	Name     string   // "avx512", "avx2", "neon" or "generic"
	Requires []string // the CPU features its kernels use
	Missing  []string // those this CPU lacks: empty when it can run here
}

// Implementations lists the implementations compiled into this build, best
// first, ending with "generic", and what each needs from the CPU: the
// reasons behind the choice [ISA] reports.
func Implementations() []Implementation {
	var list []Implementation
	for i := len(compiled) - 1; i >= 0; i-- {
		id := compiled[i]
		im := Implementation{Name: id.String()}
		for _, f := range requires[id] {
			im.Requires = append(im.Requires, f.String())
			if !cpuid.CPU.Supports(f) {
				im.Missing = append(im.Missing, f.String())
			}
		}
		list = append(list, im)
	}
	return append(list, Implementation{Name: isaGeneric.String()})
}
