// Command pipes times the loops of pipes_amd64.s (written by gen.py) in
// cycles of this core, against a chain of dependent ADDQ (one cycle each,
// timed before and after every loop), and prints for each the fastest and
// the median of its rounds: the machine is shared, and the fastest round
// is the better estimate of a loop's throughput.
package main

import (
	"flag"
	"fmt"
	"sort"
	"time"
	"unsafe"

	"golang.org/x/sys/cpu"
)

type loop struct {
	name   string
	per    int    // units per iteration
	unit   string // what a unit is: an instruction, or a vector of 8 or 16 float32
	f      func(n int, p *float32)
	avx512 bool // runs only where the CPU has AVX-512F
}

// second is the second fastest of 9 runs of n iterations, in ns per iteration.
func second(f func(int, *float32), n int, p *float32) float64 {
	var ts []float64
	for range 9 {
		t := time.Now()
		f(n, p)
		ts = append(ts, float64(time.Since(t).Nanoseconds())/float64(n))
	}
	sort.Float64s(ts)
	return ts[1]
}

func main() {
	quick := flag.Bool("quick", false, "one short round: a check that every loop runs, not a measurement")
	flag.Parse()
	buf := make([]float32, 1024)
	for i := range buf {
		buf[i] = float32(i%7) - 3.5
	}
	p := (*float32)(unsafe.Pointer(&buf[0]))
	calibration := loops[0]
	var run []loop
	for _, l := range loops[1:] {
		if l.avx512 && !cpu.X86.HasAVX512F {
			fmt.Printf("skipped (this CPU lacks AVX-512F): %s\n", l.name)
			continue
		}
		run = append(run, l)
	}
	n, rounds := 100000, 21
	if *quick {
		n, rounds = 1000, 1
	}
	cycles := make([][]float64, len(run))
	var ghz []float64
	for range rounds {
		for i, l := range run {
			before := second(calibration.f, n, p) / float64(calibration.per) // ns a cycle
			t := second(l.f, n, p)
			after := second(calibration.f, n, p) / float64(calibration.per)
			cycles[i] = append(cycles[i], t/((before+after)/2)/float64(l.per))
			ghz = append(ghz, 2/(before+after))
		}
	}
	sort.Float64s(ghz)
	fmt.Printf("clock (from the ADDQ chain): median %.2f GHz, %.2f to %.2f; %d rounds\n", ghz[len(ghz)/2], ghz[0], ghz[len(ghz)-1], rounds)
	fmt.Printf("%-44s %8s %8s  %s\n", "loop", "fastest", "median", "cycles per")
	for i, l := range run {
		c := cycles[i]
		sort.Float64s(c)
		fmt.Printf("%-44s %8.2f %8.2f  %s\n", l.name, c[0], c[len(c)/2], l.unit)
	}
}
