package main

import (
	"fmt"
	"io"
)

// The cache part of the limits suite: a shared slope's calls at sizes
// around the first-level data cache, with copy() of the same n, so that
// the table shows where each operation's slices stop fitting. copy() and
// Forward touch two slices, dx-only and the full backward three (dy, x,
// dx), so that at the same n the backward family leaves the cache first:
// on Zen 3 (32 KiB) dx-only's cost per element rose by half from about
// 3000 float32 (35 KiB), Forward's from about 4000 (31 KiB), while
// copy()'s (REP MOVSB) stayed level.

// cacheSizes are the element counts of the cache table: 8 KiB to 64 KiB
// of float32 a slice.
var cacheSizes = []int{2048, 3072, 4096, 6144, 8192, 16384}

// cacheResult is one op at one n: its time per element, the bytes its
// slices span, and its ratio to copy() of the same n.
type cacheResult struct {
	N        int     `json:"n"`
	Op       string  `json:"op"`
	ISA      string  `json:"isa"`
	SetBytes int     `json:"working_set_bytes"`
	PsPerN   float64 `json:"ps_per_element"`
	Ratio    float64 `json:"time_ratio_to_copy"`
}

// cacheSlices is how many slices of n elements op reads and writes.
func cacheSlices(op string) int {
	switch op {
	case "copy", "forward", "dalpha-only":
		return 2
	}
	return 3 // backward, dx-only: dy, x and dx
}

// measureCache times copy() and every op, one slope, at each cache size,
// each size's runs in the same rounds.
func measureCache(isa string, ops []string, seconds float64) []cacheResult {
	var rs []cacheResult
	for _, n := range cacheSizes {
		progress("measuring limits f32 cache %d", n)
		b := newBuffers[float32](n, 0, 1)
		runs := map[string]timed{"copy": copyLoop[float32](n)}
		for _, op := range ops {
			runs[op] = onISA(isa, suiteLoop(op, 0, b))
		}
		times := timeInterleaved(runs, seconds)
		for _, op := range append([]string{"copy"}, ops...) {
			rs = append(rs, cacheResult{N: n, Op: op, ISA: isa, SetBytes: 4 * n * cacheSlices(op),
				PsPerN: times[op] * 1e3 / float64(n), Ratio: times[op] / times["copy"]})
		}
	}
	return rs
}

// printCache prints a row per n: each op's time per element, the KiB its
// slices span and its ratio to copy().
func printCache(w io.Writer, isa string, l1 int, ops []string, rs []cacheResult) {
	fmt.Fprintf(w, "limits, f32, %s, one slope: time per element around the first-level data cache (%s), and the KiB each call's slices span\n", isa, kib(l1))
	fmt.Fprintf(w, "%6s", "n")
	cols := append([]string{"copy"}, ops...)
	for _, op := range cols {
		fmt.Fprintf(w, "  %-24s", op)
	}
	fmt.Fprintln(w)
	for i := 0; i < len(rs); i += len(cols) {
		fmt.Fprintf(w, "%6d", rs[i].N)
		for _, r := range rs[i : i+len(cols)] {
			fmt.Fprintf(w, "  %-24s", fmt.Sprintf("%5.0fps %5.2fx %6s", r.PsPerN, r.Ratio, kib(r.SetBytes)))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// kib formats bytes in KiB, or "?" for an unknown size.
func kib(bytes int) string {
	if bytes <= 0 {
		return "?"
	}
	return fmt.Sprintf("%dKiB", bytes>>10)
}
