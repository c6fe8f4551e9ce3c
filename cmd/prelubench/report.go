package main

import (
	"fmt"
	"io"
	"strings"
)

// printTable prints one operation: a row per n, per ISA GB/s, ns per
// element and the ratio to copy() of the same n.
func printTable(w io.Writer, op string, c config, rs []result) {
	fmt.Fprintf(w, "%s (%s): GB/s, ns/element, ratio to copy()\n", op, c.elem)
	fmt.Fprintf(w, "%10s %18s", "n", "copy()")
	for _, isa := range c.isas {
		fmt.Fprintf(w, " %26s", isa)
	}
	fmt.Fprintln(w)
	byN := map[int]map[string]result{}
	var ns []int
	for _, r := range rs {
		if byN[r.N] == nil {
			byN[r.N] = map[string]result{}
			ns = append(ns, r.N)
		}
		byN[r.N][r.ISA] = r
	}
	for _, n := range ns {
		cp := byN[n]["copy"]
		fmt.Fprintf(w, "%10d %7.1f %6.3fns   ", n, cp.GBps, cp.NsPerElem)
		for _, isa := range c.isas {
			r := byN[n][isa]
			fmt.Fprintf(w, " %7.1f %6.3fns %5.2fx   ", r.GBps, r.NsPerElem, r.Ratio)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, strings.Repeat("-", 30))
}
