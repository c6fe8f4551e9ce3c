package main

import (
	"fmt"
	"io"

	"github.com/klauspost/cpuid/v2"
)

// The limits suite splits each network shape's time into what a call costs
// whatever its size and what each further element costs, to say which of
// the two keeps a shape over issue 12's target. Each shape runs at its own
// batch and at limitsBatch times it (the outer dimension multiplied), with
// copy() of both sizes, all in the same rounds. With T(n) = fixed + n*per
// for the call and for copy():
//
//	fixed     = (k*T(n) - T(k*n)) / (k-1)
//	per-elem  = (T(k*n) - T(n)) / (k*n - n), and its ratio to copy()'s
//
// A shape over its target whose per-element ratio is within it misses by
// its fixed cost; one whose per-element ratio is over it misses in its loop
// (the kernel's work per element). The larger batch can take another plan
// (a kernel that suits more rows), so the split describes the library as a
// caller meets it, not one kernel.

// limitsBatch is the factor of the larger batch.
const limitsBatch = 2

// limitsMaxN bounds the shapes the suite splits, so that the larger batch
// stays in the first-level cache too (2048 float32 of dy, x and dx: 24
// KiB): where k*n left the cache that n fits in, copy()'s cost per element
// rose with it and the split came out with negative fixed costs (a batch
// of 4 from 4096 elements on Zen 3). Beyond it a call's fixed cost is a
// small part of its time anyway.
const limitsMaxN = 1024

// batched is s with its outer dimension multiplied by k: one more image
// (NCHW), rows (NHWC, NC), or elements (shared).
func (s suiteShape) batched(k int) suiteShape {
	dims := append([]int(nil), s.dims...)
	if s.layout == "nchw" && len(dims) == 3 {
		dims = append([]int{k}, dims...)
	} else {
		dims[0] *= k
	}
	return suiteShape{s.net, s.layout, dims, s.f64}
}

// limitsResult is one op on one shape: its ratio to copy() at its own
// batch, and the split of its time.
type limitsResult struct {
	Net      string  `json:"net"`
	Shape    string  `json:"shape"`
	N        int     `json:"n"`
	Op       string  `json:"op"`
	ISA      string  `json:"isa"`
	Ratio    float64 `json:"time_ratio_to_copy"` // at batch 1
	Target   float64 `json:"target"`
	FixedNs  float64 `json:"fixed_ns"`      // the call's cost at no elements
	CopyNs   float64 `json:"copy_fixed_ns"` // copy()'s
	PerRatio float64 `json:"per_element_ratio_to_copy"`
	Limit    string  `json:"limit"` // "met", "fixed cost" or "per element"
}

// limitOf names what keeps ratio over target: nothing, the fixed cost (the
// per-element ratio is within the target), or the work per element.
func limitOf(ratio, perRatio, target float64) string {
	switch {
	case ratio <= target:
		return "met"
	case perRatio <= target:
		return "fixed cost"
	}
	return "per element"
}

// splitTime solves T = fixed + n*per from the times at n and k*n.
func splitTime(t1, tk float64, k int) (fixed, perN float64) {
	return (float64(k)*t1 - tk) / float64(k-1), (tk - t1) / float64(k-1)
}

// runLimitsSuite measures the limits suite on the ISA chosen at start and
// prints its table.
func runLimitsSuite(c config, info io.Writer) (suiteJSON, error) {
	out := suiteJSON{Suite: "limits"}
	ops := networkOps
	var rs []limitsResult
	for _, s := range networkShapes {
		if s.n() > limitsMaxN {
			continue
		}
		progress("measuring limits f32 %s %s", s.net, s.name())
		rs = append(rs, measureLimits(c.isa, s, ops, c.perPoint)...)
	}
	out.Cache = measureCache(c.isa, ops, c.perPoint)
	progress("")
	out.Limits = rs
	printLimits(info, c.isa, rs)
	printCache(info, c.isa, cpuid.CPU.Cache.L1D, ops, out.Cache)
	return out, nil
}

// measureLimits times copy() and every op at s's batch and limitsBatch
// times it, in the same rounds, and splits each op's time.
func measureLimits(isa string, s suiteShape, ops []string, seconds float64) []limitsResult {
	big := s.batched(limitsBatch)
	channels, inner := s.channels()
	small, large := newBuffers[float32](s.n(), channels, inner), newBuffers[float32](big.n(), channels, inner)
	runs := map[string]timed{"copy/1": copyLoop[float32](s.n()), "copy/k": copyLoop[float32](big.n())}
	for _, op := range ops {
		runs[op+"/1"] = onISA(isa, suiteLoop(op, channels, small))
		runs[op+"/k"] = onISA(isa, suiteLoop(op, channels, large))
	}
	times := timeInterleaved(runs, seconds)
	copyFixed, copyPerN := splitTime(times["copy/1"], times["copy/k"], limitsBatch)
	var rs []limitsResult
	for _, op := range ops {
		fixed, perN := splitTime(times[op+"/1"], times[op+"/k"], limitsBatch)
		r := limitsResult{Net: s.net, Shape: s.name(), N: s.n(), Op: op, ISA: isa,
			Ratio: times[op+"/1"] / times["copy/1"], Target: target(op, s.n()),
			FixedNs: fixed, CopyNs: copyFixed, PerRatio: perN / copyPerN}
		r.Limit = limitOf(r.Ratio, r.PerRatio, r.Target)
		rs = append(rs, r)
	}
	return rs
}

// printLimits prints a row per shape and op: the ratio at batch 1 and its
// target, the fixed costs, the per-element ratio and the verdict; then how
// many misses each limit explains.
func printLimits(w io.Writer, isa string, rs []limitsResult) {
	fmt.Fprintf(w, "limits, f32, %s: each shape's time split into a fixed cost and a cost per element (from batch 1 and batch %d, same rounds)\n", isa, limitsBatch)
	fmt.Fprintf(w, "  ratio: time / copy() time at batch 1; per-elem: the cost of a further element / copy()'s\n")
	fmt.Fprintf(w, "%-14s %-10s %6s %-12s %7s %7s %9s %9s %9s  %s\n", "net", "shape", "n", "op", "ratio", "target", "fixed", "copy", "per-elem", "limit")
	count := map[string]int{}
	for _, r := range rs {
		fmt.Fprintf(w, "%-14s %-10s %6d %-12s %6.2fx %6.2fx %9s %9s %8.2fx  %s\n", r.Net, r.Shape, r.N, r.Op, r.Ratio, r.Target,
			fmtNs(r.FixedNs), fmtNs(r.CopyNs), r.PerRatio, r.Limit)
		count[r.Limit]++
	}
	fmt.Fprintf(w, "\nlimits, f32, %s: of %d shape-ops, %d met, %d over by their fixed cost, %d over per element\n\n",
		isa, len(rs), count["met"], count["fixed cost"], count["per element"])
}
