// Command prelubench measures the prelu kernels against the machine's memory
// bandwidth: for each operation, size and implementation it reports GB/s, ns
// per element and the ratio to Go's copy() of the same n, measured in the
// same run (8 bytes per float32 element forward and for copy, 12 backward).
// It prints the CPU and why the ISA was chosen, checks every kernel against
// the pure-Go code first, and writes SVG (or PNG) plots of GB/s against n.
//
//	go run ./cmd/prelubench                 # the default: under a minute
//	go run ./cmd/prelubench -json > r.json  # machine-readable
//	go run ./cmd/prelubench -ops forward -sizes 1024,1048576 -time 1s
//	go run ./cmd/prelubench -suite networks # real networks' layers (about a minute)
//	go run ./cmd/prelubench -suite shapes   # channel counts and planes beyond them
//	go run ./cmd/prelubench -suite workers  # large calls on 1 goroutine and on -workers
//	go run ./cmd/prelubench -workers 1      # any mode with the library on one goroutine
//
// With -suite networks or shapes it measures, per shape, the time per call
// of forward, backward and the backward variants and their ratio to copy()
// of the same n (time over copy's time: lower is better), sums the times
// per network, and plots the ratios per shape.
//
// -workers N sets prelu.SetWorkers(N) for every measurement of the run (the
// default is prelu.Workers(): GOMAXPROCS, capped by PRELU_WORKERS), and the
// JSON records it. -suite workers times float32 calls of 256K to 64M
// elements (forward and backward, shared slope and NCHW) on 1 worker and
// on N, beside the machine's ceiling: copy() of the same n on 1 goroutine
// and split over N, timed in the same rounds. It prints each speed-up,
// the ceiling's and the share of it reached, marks with "!" the calls that
// N workers make slower (by over 5%) or that reach under 85% of the
// ceiling's speed-up from n = 16M, and plots the speed-ups against n to
// <out>-workers.svg. It runs on the ISA chosen at start, and needs about
// 1 GB of memory.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/cpuid/v2"

	"github.com/prelu-go/prelu"
	"github.com/prelu-go/prelu/cmd/internal/selfcheck"
)

type config struct {
	ops, isas []string
	elem      string
	sizes     []int
	perPoint  float64 // seconds
	out       string
	png       bool
	json      bool
	suites    []string
	workers   int    // prelu.SetWorkers for the run
	isa       string // the ISA chosen at start (-suite workers runs on it)
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fatalf("%v", err)
	}
}

// run is the command with its arguments and where its output goes.
func run(args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("prelubench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ops := fs.String("ops", "forward,forward-nchw,forward-nhwc,backward,backward-nchw",
		"operations: "+strings.Join(opNames(), ","))
	isas := fs.String("isas", strings.Join(prelu.ISAs(), ","), "implementations to measure (-suite workers: the one chosen at start)")
	fs.StringVar(&c.elem, "type", "f32", "element type: f32 or f64 (ignored by -suite)")
	sizes := fs.String("sizes", "16,256,4096,65536,1048576,16777216", "element counts (rounded to whole layouts for channel ops)")
	fs.Float64Var(&c.perPoint, "time", 0.08, "seconds of measurement per point")
	fs.StringVar(&c.out, "out", "prelubench", "plots are written to <out>-<op>.svg (or .png); empty for none")
	fs.BoolVar(&c.png, "png", false, "write PNG instead of SVG")
	fs.BoolVar(&c.json, "json", false, "print results as JSON on stdout (progress goes to stderr)")
	suiteFlag := fs.String("suite", "", "instead of -ops and -sizes, measure the suite(s): "+strings.Join(suiteNames(), ",")+
		" (the layers of real networks, a sweep of channel counts and planes, large calls on 1 worker and on -workers, or the small layers' time split into fixed and per-element costs)")
	fs.IntVar(&c.workers, "workers", prelu.Workers(), "goroutines per call (prelu.SetWorkers) for every measurement; "+
		"-suite workers compares them with 1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.workers < 1 {
		return fmt.Errorf("-workers must be at least 1")
	}
	c.isa = prelu.ISA()
	c.ops, c.isas, c.suites = split(*ops), split(*isas), split(*suiteFlag)
	for _, s := range split(*sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("bad size %q", s)
		}
		c.sizes = append(c.sizes, n)
	}
	for _, op := range c.ops {
		if _, ok := operations[op]; !ok {
			return fmt.Errorf("unknown operation %q (have %s)", op, strings.Join(opNames(), ", "))
		}
	}
	for _, s := range c.suites {
		if _, ok := suites[s]; !ok {
			return fmt.Errorf("unknown suite %q (have %s)", s, strings.Join(suiteNames(), ", "))
		}
	}
	if c.elem != "f32" && c.elem != "f64" {
		return fmt.Errorf("-type must be f32 or f64")
	}
	for _, isa := range c.isas {
		if !slices.Contains(prelu.ISAs(), isa) {
			return fmt.Errorf("ISA %q cannot run here (have %s)", isa, strings.Join(prelu.ISAs(), ", "))
		}
	}

	info := stdout
	if c.json {
		info = stderr
	}
	defer prelu.SetWorkers(prelu.SetWorkers(c.workers))
	progressTo = stderr
	describe(info)
	if !selfCheck(info, c.isas) {
		return fmt.Errorf("self-check failed")
	}
	if len(c.suites) > 0 {
		return runSuites(c, info, stdout)
	}
	var results []result
	for _, op := range c.ops {
		rs := measureOp(c, op)
		results = append(results, rs...)
		printTable(info, op, c, rs)
		if c.out != "" {
			path, err := plotOp(c, op, rs)
			if err != nil {
				return fmt.Errorf("plot: %v", err)
			}
			fmt.Fprintf(info, "plot: %s\n\n", path)
		}
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	}
	return nil
}

// describe prints the machine and the reasons behind the ISA choice.
func describe(w io.Writer) {
	fmt.Fprintf(w, "CPU:      %s, %d logical cores, %s/%s, L2 %d KiB, L3 %d MiB\n", cpuid.CPU.BrandName,
		cpuid.CPU.LogicalCores, runtime.GOOS, runtime.GOARCH, cpuid.CPU.Cache.L2>>10, cpuid.CPU.Cache.L3>>20)
	fmt.Fprintf(w, "features: %s\n", strings.Join(cpuid.CPU.FeatureSet(), " "))
	for _, im := range prelu.Implementations() {
		status := "available"
		if len(im.Missing) > 0 {
			status = "missing " + strings.Join(im.Missing, ", ")
		}
		needs := "nothing"
		if len(im.Requires) > 0 {
			needs = strings.Join(im.Requires, ", ")
		}
		fmt.Fprintf(w, "  %-8s needs %-28s %s\n", im.Name, needs, status)
	}
	why := "the best available"
	if limit := os.Getenv("PRELU_ISA"); limit != "" {
		why = "the best available not above PRELU_ISA=" + limit
	}
	fmt.Fprintf(w, "ISA:      %s (%s)\n", prelu.ISA(), why)
	env := ""
	if v, ok := os.LookupEnv("PRELU_WORKERS"); ok {
		env = ", PRELU_WORKERS=" + v
	}
	fmt.Fprintf(w, "workers:  %d per large call (GOMAXPROCS %d%s)\n\n", prelu.Workers(), runtime.GOMAXPROCS(0), env)
}

func selfCheck(w io.Writer, isas []string) bool {
	chosen := prelu.ISA()
	defer prelu.SetISA(chosen)
	ok := true
	for _, isa := range isas {
		problems := selfcheck.Run(isa, 1<<15, 1)
		for _, p := range problems {
			fmt.Fprintf(w, "self-check FAIL %s: %s\n", isa, p)
		}
		ok = ok && len(problems) == 0
	}
	if ok {
		fmt.Fprintf(w, "self-check: %s match the pure-Go kernels\n\n", strings.Join(isas, ", "))
	}
	return ok
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "prelubench: "+format+"\n", args...)
	os.Exit(2)
}
