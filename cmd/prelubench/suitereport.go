package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// printSuite prints one table per ISA: a row per shape with copy()'s time
// and, per op, the time per call and its ratio to copy()'s. For the SIMD
// ISAs, "!" marks a ratio over issue 12's target and "+" a backward variant
// slower than the full backward pass of the same shape (by over 5%).
func printSuite(w io.Writer, name, elem string, shapes []suiteShape, ops, isas []string, rs []suiteResult) {
	type key struct{ net, shape, op, isa string }
	byKey := map[key]suiteResult{}
	for _, r := range rs {
		byKey[key{r.Net, r.Shape, r.Op, r.ISA}] = r
	}
	for _, isa := range isas {
		fmt.Fprintf(w, "%s, %s, %s: time per call, and time / copy() time of the same n (lower is better)\n", name, elem, isa)
		if isa != "generic" {
			fmt.Fprintf(w, "  ! over issue 12's target (forward 1.5x from n=256, else 2x; backward 2.25x from n=1024, else 3x)\n")
			if slices.Contains(ops, "dx-only") || slices.Contains(ops, "dalpha-only") {
				fmt.Fprintf(w, "  + slower than the full backward of the same shape\n")
			}
		}
		fmt.Fprintf(w, "%-14s %-12s %8s %9s", "net", "shape", "n", "copy()")
		for _, op := range ops {
			fmt.Fprintf(w, "  %-19s", op)
		}
		fmt.Fprintln(w)
		for _, s := range shapes {
			first := byKey[key{s.net, s.name(), ops[0], isa}]
			fmt.Fprintf(w, "%-14s %-12s %8d %9s", s.net, s.name(), s.n(), fmtNs(first.CopyNsPerOp))
			full, hasFull := byKey[key{s.net, s.name(), "backward", isa}]
			for _, op := range ops {
				r := byKey[key{s.net, s.name(), op, isa}]
				mark := ""
				if isa != "generic" {
					if r.Ratio > r.Target {
						mark += "!"
					}
					if hasFull && (op == "dx-only" || op == "dalpha-only") && r.NsPerOp > 1.05*full.NsPerOp {
						mark += "+"
					}
				}
				fmt.Fprintf(w, "  %9s %6.2fx%-2s", fmtNs(r.NsPerOp), r.Ratio, mark)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
}

// printSums prints the time per op summed over each network's shapes, per
// ISA, and its ratio to copy()'s summed time.
func printSums(w io.Writer, name, elem string, ops, isas []string, sums []suiteSum) {
	type key struct{ net, op, isa string }
	byKey := map[key]suiteSum{}
	var nets []string
	for _, s := range sums {
		byKey[key{s.Net, s.Op, s.ISA}] = s
		if len(nets) == 0 || nets[len(nets)-1] != s.Net {
			nets = append(nets, s.Net)
		}
	}
	fmt.Fprintf(w, "%s, %s: time summed per network, and its ratio to copy()'s summed time\n", name, elem)
	fmt.Fprintf(w, "%-14s %-8s %6s %9s", "net", "isa", "shapes", "copy()")
	for _, op := range ops {
		fmt.Fprintf(w, "  %-17s", op)
	}
	fmt.Fprintln(w)
	for _, net := range nets {
		for _, isa := range isas {
			first := byKey[key{net, ops[0], isa}]
			fmt.Fprintf(w, "%-14s %-8s %6d %9s", net, isa, first.Shapes, fmtNs(first.CopyNsPerOp))
			for _, op := range ops {
				s := byKey[key{net, op, isa}]
				fmt.Fprintf(w, "  %9s %6.2fx", fmtNs(s.NsPerOp), s.Ratio)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w)
}

// printMisses counts, per SIMD ISA and op, the shapes over issue 12's
// target, with the worst.
func printMisses(w io.Writer, name, elem string, ops, isas []string, rs []suiteResult) {
	for _, isa := range isas {
		if isa == "generic" {
			continue
		}
		var parts []string
		for _, op := range ops {
			misses, total := 0, 0
			var worst suiteResult
			for _, r := range rs {
				if r.ISA != isa || r.Op != op {
					continue
				}
				total++
				if r.Ratio > r.Target {
					misses++
					if r.Ratio/r.Target > worst.Ratio/max(worst.Target, 1) {
						worst = r
					}
				}
			}
			p := fmt.Sprintf("%s %d of %d", op, misses, total)
			if misses > 0 {
				p += fmt.Sprintf(" (worst %s %s %.2fx)", worst.Net, worst.Shape, worst.Ratio)
			}
			parts = append(parts, p)
		}
		fmt.Fprintf(w, "%s, %s, %s over issue 12's targets: %s\n", name, elem, isa, strings.Join(parts, "; "))
	}
	fmt.Fprintln(w)
}

// fmtNs formats a time in ns with a unit that keeps 3-4 digits.
func fmtNs(ns float64) string {
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.1fns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.2fµs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.2fms", ns/1e6)
	}
	return fmt.Sprintf("%.2fs", ns/1e9)
}
