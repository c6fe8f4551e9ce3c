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
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
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
}

func main() {
	var c config
	ops := flag.String("ops", "forward,forward-nchw,forward-nhwc,backward,backward-nchw",
		"operations: "+strings.Join(opNames(), ","))
	isas := flag.String("isas", strings.Join(prelu.ISAs(), ","), "implementations to measure")
	flag.StringVar(&c.elem, "type", "f32", "element type: f32 or f64")
	sizes := flag.String("sizes", "16,256,4096,65536,1048576,16777216", "element counts (rounded to whole layouts for channel ops)")
	flag.Float64Var(&c.perPoint, "time", 0.08, "seconds of measurement per point")
	flag.StringVar(&c.out, "out", "prelubench", "plots are written to <out>-<op>.svg (or .png); empty for none")
	flag.BoolVar(&c.png, "png", false, "write PNG instead of SVG")
	flag.BoolVar(&c.json, "json", false, "print results as JSON on stdout (progress goes to stderr)")
	flag.Parse()
	c.ops, c.isas = split(*ops), split(*isas)
	for _, s := range split(*sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fatalf("bad size %q", s)
		}
		c.sizes = append(c.sizes, n)
	}
	for _, op := range c.ops {
		if _, ok := operations[op]; !ok {
			fatalf("unknown operation %q (have %s)", op, strings.Join(opNames(), ", "))
		}
	}
	if c.elem != "f32" && c.elem != "f64" {
		fatalf("-type must be f32 or f64")
	}

	info := os.Stdout
	if c.json {
		info = os.Stderr
	}
	describe(info)
	if !selfCheck(info, c.isas) {
		os.Exit(1)
	}
	var results []result
	for _, op := range c.ops {
		rs := measureOp(c, op)
		results = append(results, rs...)
		printTable(info, op, c, rs)
		if c.out != "" {
			path, err := plotOp(c, op, rs)
			if err != nil {
				fatalf("plot: %v", err)
			}
			fmt.Fprintf(info, "plot: %s\n\n", path)
		}
	}
	if c.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			fatalf("%v", err)
		}
	}
}

// describe prints the machine and the reasons behind the ISA choice.
func describe(w *os.File) {
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
	fmt.Fprintf(w, "ISA:      %s (%s)\n\n", prelu.ISA(), why)
}

func selfCheck(w *os.File, isas []string) bool {
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
