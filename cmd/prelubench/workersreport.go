package main

import (
	"fmt"
	"io"
)

// printWorkers prints the workers suite: a row per size and op (copy()
// first) with the time per call and GB/s on 1 worker and on N, the
// speed-up, the ceiling's (copy() on 1 goroutine over copy() on N) and the
// share of it reached. With N = 1 only the 1-worker columns.
func printWorkers(w io.Writer, isa string, workers int, rs []workersResult) {
	fmt.Fprintf(w, "workers, f32, %s: time per call and GB/s on 1 worker and on %d (prelu.SetWorkers),\n", isa, workers)
	fmt.Fprintf(w, "  speed-up (time on 1 / time on %d), the ceiling's speed-up (copy() of the same n on 1 goroutine\n", workers)
	fmt.Fprintf(w, "  / on %d goroutines, each copying a slice), and the share of the ceiling's speed-up reached\n", workers)
	fmt.Fprintf(w, "  GB/s: 8 bytes per element forward and copy(), 12 backward; nchw: [n/(C*%d)] x C x %d, C = %d (fewer below %s)\n",
		workersInner, workersInner, workersChannels, fmtCount(workersChannels*workersInner))
	if workers < 2 {
		fmt.Fprintf(w, "  -workers 1: no N-worker columns (run with -workers 2 or more to compare)\n")
		fmt.Fprintf(w, "%6s  %-14s %10s %7s\n", "n", "op", "1 worker", "GB/s")
		for _, r := range rs {
			fmt.Fprintf(w, "%6s  %-14s %10s %7.1f\n", fmtCount(r.N), workersOpName(r.Op), fmtNs(r.Ns1), r.GBps1)
		}
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "  ! %d workers slower than 1 by over 5%%, or from n = 16M a speed-up under 85%% of the ceiling's\n", workers)
	fmt.Fprintf(w, "%6s  %-14s %10s %7s %10s %7s %9s %8s %8s\n", "n", "op", "1 worker", "GB/s",
		fmt.Sprintf("%d workers", workers), "GB/s", "speed-up", "ceiling", "reached")
	marked, ops := 0, 0
	for _, r := range rs {
		fmt.Fprintf(w, "%6s  %-14s %10s %7.1f %10s %7.1f %8.2fx %7.2fx", fmtCount(r.N), workersOpName(r.Op),
			fmtNs(r.Ns1), r.GBps1, fmtNs(r.NsN), r.GBpsN, r.SpeedUp, r.Ceiling)
		if r.Op != "copy" {
			ops++
			fmt.Fprintf(w, " %7.0f%%", 100*r.Reached)
		}
		if r.Marked {
			marked++
			fmt.Fprint(w, " !")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "workers, f32, %s: %d of %d rows marked !\n\n", isa, marked, ops)
}

// workersOpName is op as the table shows it.
func workersOpName(op string) string {
	if op == "copy" {
		return "copy()"
	}
	return op
}
