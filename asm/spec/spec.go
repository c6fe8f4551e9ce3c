// Package spec describes the set of kernels that every architecture's
// generator emits: their names, Go signatures and meaning, and writes the Go
// file that dispatches each kernel to the implementation chosen at run time.
//
// A kernel is one point of element type × variant × slope layout:
//
//	type:     float32 or float64
//	variant:  forward; backward computing dx and the slope gradient, dx only,
//	          or the slope gradient only
//	layout:   one shared slope; planes (one slope per run of inner elements,
//	          NCHW); a repeating pattern of slopes (channel-last rows); a
//	          ring: the planes' slopes with a short period, which the kernel
//	          expands into its own frame; or, where an ISA has them, rows:
//	          the slope gradients of channel-last rows without a buffer; and
//	          where an ISA has them, small planes: the slopes of short planes
//	          permuted into place
package spec

import (
	"strings"
)

// Elem is an element type.
type Elem struct {
	Name   string // suffix of kernel names: "F32"
	GoType string // "float32"
	Size   int    // bytes
}

// Elems are the element types, in generation order.
var Elems = []Elem{{"F32", "float32", 4}, {"F64", "float64", 8}}

// Halves is how many float64 vectors hold the widened products of one vector
// of elements: float32 products are exact in float64, so they are summed there.
func (e Elem) Halves() int { return 8 / e.Size }

// Variant says what a kernel computes. The gate (x) decides the branch,
// x > 0; the value is what passes through or is scaled (x forward, dy
// backward).
type Variant struct {
	Kind   string // "forward" or "backward"
	Suffix string // "", "Dx" or "Dalpha"
	Dx     bool   // writes an output: dst forward, dx backward
	Dalpha bool   // sums value*gate in float64 where !(gate > 0)
}

// Variants are the variants, in generation order.
var Variants = []Variant{
	{Kind: "forward", Dx: true},
	{Kind: "backward", Dx: true, Dalpha: true},
	{Kind: "backward", Suffix: "Dx", Dx: true},
	{Kind: "backward", Suffix: "Dalpha", Dalpha: true},
}

// Out is the name of the output slice.
func (v Variant) Out() string {
	if v.Kind == "forward" {
		return "dst"
	}
	return "dx"
}

// HasValue reports whether the value is a stream of its own (dy).
func (v Variant) HasValue() bool { return v.Kind == "backward" }

// Layout says where each element's slope comes from.
type Layout string

const (
	Shared  Layout = ""        // one slope for all elements
	Planes  Layout = "Planes"  // alpha[c] for the c-th run of inner elements, c cycling through len(alpha)
	Pattern Layout = "Pattern" // pattern[i % len(pattern)]
	// Ring has the slopes of Planes, alpha[(i/inner) % len(alpha)]: the
	// kernel expands them into a ring in its own stack frame, so that every
	// vector of x, wherever the period starts, reads its slopes with one
	// load. A period len(alpha)*inner of at most RingLimit elements is
	// expanded once; a longer one in segments of whole planes, so inner
	// must be at most RingLimit, and the slope-gradient variants then take
	// a single period. Channel-last data (inner = 1) longer than the limit
	// runs, where the ISA says RingRows, in blocks of RingLimit channels,
	// each over every row, for any number of rows; where it says
	// RingPlaneRows, the slope-gradient variants run planes that way too
	// (blocks of the channels whose planes fit). It adds each channel's
	// float64 sum to dalpha[c] itself, rounding once.
	Ring Layout = "Ring"
	// Rows has the slopes of Pattern in whole rows, alpha[i % len(alpha)],
	// for the slope-gradient variants only, with at least 32 bytes of
	// channels: the kernel carries blocks of channels over every row with
	// their float64 sums in registers (kept in its frame between chunks of
	// rows where the ISA says RowsChunks) and adds each channel's sum to
	// dalpha[c] itself, rounding once, with no buffer in Go. Only the ISAs
	// that say Rows emit it (RowsKernels).
	Rows Layout = "Rows"
	// SmallPlanes has the slopes of Ring, alpha[(i/inner) % len(alpha)],
	// for planes of 1 to SmallPlanesMax elements and any number of whole
	// rows of len(alpha) planes, where the ISA says SmallPlanes
	// (SmallPlanesKernels): each vector of a block of as many planes as a
	// vector has lanes permutes the block's slopes into place with a
	// constant table of indices, so that nothing is expanded per call. The
	// slope-gradient variants first sum each channel over every row, reading
	// the planes themselves, and add each channel's sum to dalpha[c] in
	// float64, rounding once.
	SmallPlanes Layout = "SmallPlanes"
)

// SmallPlanesMax is the longest plane that a SmallPlanes kernel takes.
const SmallPlanesMax = 16

// Layouts are the layouts that every ISA emits, in generation order.
var Layouts = []Layout{Shared, Planes, Pattern, Ring}

// Kernel is one kernel of the set.
type Kernel struct {
	Elem
	Variant
	Layout
}

// All lists every kernel, in generation order.
func All() []Kernel {
	var ks []Kernel
	for _, e := range Elems {
		for _, v := range Variants {
			for _, l := range Layouts {
				ks = append(ks, Kernel{e, v, l})
			}
		}
	}
	return ks
}

// RowsKernels lists the Rows kernels: the slope-gradient variants of each
// element type.
func RowsKernels() []Kernel {
	var ks []Kernel
	for _, e := range Elems {
		for _, v := range Variants {
			if v.Dalpha {
				ks = append(ks, Kernel{e, v, Rows})
			}
		}
	}
	return ks
}

// SmallPlanesKernels lists the SmallPlanes kernels: every variant of each
// element type.
func SmallPlanesKernels() []Kernel {
	var ks []Kernel
	for _, e := range Elems {
		for _, v := range Variants {
			ks = append(ks, Kernel{e, v, SmallPlanes})
		}
	}
	return ks
}

// Base is the kernel's name without ISA and type: "backwardPlanesDx".
func (k Kernel) Base() string { return k.Kind + string(k.Layout) + k.Suffix }

// Name is the assembly function's name for an ISA: "backwardPlanesDxAVX512F32".
func (k Kernel) Name(isa string) string { return k.Base() + isa + k.Elem.Name }

// Param is one parameter of a kernel.
type Param struct {
	Name string
	Kind string // "slice", "acc" ([]float64), "scalar" (element), "int"
}

// Params lists the parameters in order: slices, then scalars.
func (k Kernel) Params() []Param {
	var ps []Param
	if k.Dx {
		ps = append(ps, Param{k.Out(), "slice"})
	}
	if k.HasValue() {
		ps = append(ps, Param{"dy", "slice"})
	}
	ps = append(ps, Param{"x", "slice"})
	if k.Dx && (k.Layout == Planes || k.Layout == Ring || k.Layout == Rows || k.Layout == SmallPlanes) {
		ps = append(ps, Param{"alpha", "slice"})
	}
	if k.Dx && k.Layout == Pattern {
		ps = append(ps, Param{"pattern", "slice"})
	}
	if k.Dalpha && (k.Layout == Planes || k.Layout == Pattern) {
		ps = append(ps, Param{"acc", "acc"})
	}
	if k.Dalpha && (k.Layout == Ring || k.Layout == Rows || k.Layout == SmallPlanes) {
		ps = append(ps, Param{"dalpha", "slice"})
	}
	if k.Dx && k.Layout == Shared {
		ps = append(ps, Param{"alpha", "scalar"})
	}
	if k.Layout == Planes || k.Layout == Ring || k.Layout == SmallPlanes {
		ps = append(ps, Param{"inner", "int"})
	}
	return ps
}

// Returns reports whether the kernel returns its float64 sum.
func (k Kernel) Returns() bool { return k.Dalpha && k.Layout == Shared }

// Signature is the Go signature with element type elem (a concrete type or
// a type parameter's name).
func (k Kernel) Signature(elem string) string {
	var parts []string
	for _, p := range k.Params() {
		t := map[string]string{"slice": "[]" + elem, "acc": "[]float64", "scalar": elem, "int": "int"}[p.Kind]
		parts = append(parts, p.Name+" "+t)
	}
	sig := "func(" + strings.Join(parts, ", ") + ")"
	if k.Returns() {
		sig += " float64"
	}
	return sig
}

// Doc says what the kernel computes.
func (k Kernel) Doc() string {
	what := map[string]string{
		"forward":        "computes dst = x > 0 ? x : slope*x",
		"backward":       "computes dx = x > 0 ? dy : slope*dy and sums dy*x where !(x > 0) in float64",
		"backwardDx":     "computes dx = x > 0 ? dy : slope*dy",
		"backwardDalpha": "sums dy*x where !(x > 0) in float64",
	}[k.Kind+k.Suffix]
	where := map[Layout]string{
		Shared:      "with one shared slope",
		Planes:      "with the slope alpha[c] for the c-th run of inner elements, c cycling",
		Pattern:     "with the slope pattern[i % len(pattern)]",
		Ring:        "with the slope alpha[(i/inner) % C] for a period C*inner of at most RingLimit elements, expanded in the kernel's frame",
		Rows:        "with the slope alpha[i % C] for whole rows of C channels, C*size at least 32 bytes,",
		SmallPlanes: "with the slope alpha[(i/inner) % C] for whole rows of C planes of 1 to SmallPlanesMax elements, permuted into place,",
	}[k.Layout]
	sums := ""
	if k.Dalpha {
		sums = map[Layout]string{
			Shared:      ", and returns the sum",
			Planes:      ", adding each run's sum to acc[c]",
			Pattern:     ", adding to acc[i % len(acc)]",
			Ring:        ", adding each channel's sum to dalpha[c] in float64 and rounding once",
			Rows:        " summed over every row in registers, adding each channel's sum to dalpha[c] in float64 and rounding once",
			SmallPlanes: " summed over every row before any output is stored, adding each channel's sum to dalpha[c] in float64 and rounding once",
		}[k.Layout]
	}
	return what + " " + where + sums + "."
}

// RingFrame is the most stack a Ring kernel's frame may hold for its
// rings, so that every function of the library keeps its frame under
// 2 KiB (a few words more are the kernel's own).
const RingFrame = 1920

// RingUnroll is how many vectors a Ring kernel reads past any position of
// its ring: the unrolled loop's, so that it wraps once per iteration.
const RingUnroll = 4

// RingSlopes is the number of slopes a Ring kernel's frame holds for a
// vector of lanes elements and periods up to limit (at least two vectors):
// the period repeated to at least a vector (shorter than limit + lanes),
// then RingUnroll vectors more.
func RingSlopes(lanes, limit int) int { return limit + (1+RingUnroll)*lanes }

// RingSums is the number of float64 sums beside it: one per slope, and a
// vector of room to clear them in whole vectors.
func RingSums(lanes, limit int) int { return RingSlopes(lanes, limit) + lanes }

// RingKernelLimit is the limit of the Ring kernel of variant v: the
// slope-gradient variants share the fused kernel's, so that a period runs
// in the same segments, and sums in the same order, with dx or without.
func RingKernelLimit(vecBytes, size int, v Variant) int {
	return RingLimit(vecBytes, size, v.Dx || v.Dalpha, v.Dalpha)
}

// RingLimit is the longest period (channels*inner) that a Ring kernel with
// vectors of vecBytes takes for elements of size bytes, whole vectors of
// it, given what the variant keeps in its frame: slopes (dx), float64 sums
// (dalpha), or both.
func RingLimit(vecBytes, size int, dx, dalpha bool) int {
	lanes := vecBytes / size
	bytes := func(limit int) int {
		b := 0 // each ring has a vector of room to start at a vector boundary
		if dx {
			b += RingSlopes(lanes, limit)*size + vecBytes
		}
		if dalpha {
			b += RingSums(lanes, limit)*8 + vecBytes
		}
		return b
	}
	limit := RingFrame / size / lanes * lanes
	for limit >= 2*lanes && bytes(limit) > RingFrame {
		limit -= lanes
	}
	if limit < 2*lanes {
		return 0
	}
	return limit
}

// MinStreamSpan is the shortest span, in bytes, of a planes or pattern
// kernel (a plane, or a row of channels) that streams. Each span aligns the
// output with ordinary stores and ends in an ordinary, overlapping vector,
// so the lines at its two ends take both kinds of store; where that is a
// large share of the lines, the write-combining buffers are flushed part
// full. Measured on Zen 3, float32, 16M elements of 64 planes, the planes
// kernel alone, streaming against ordinary stores (forward, ms): planes of
// 49 elements 83 against 8.6, 196 18 against 8.3, 250 16 against 8.2, 500
// 7.9 against 7.1, 1000 5.5 against 7.3, 2500 5.5 against 7.3, and of
// whole lines (nothing mixed where the output is aligned) 256 5.6 against
// 7.5, 784 5.2 against 7.5.
const MinStreamSpan = 2048
