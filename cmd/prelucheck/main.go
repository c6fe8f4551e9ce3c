// Command prelucheck prints the implementation the prelu package chose on
// this machine and checks every implementation the CPU can run against the
// pure-Go one on random data (see package selfcheck).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/klauspost/cpuid/v2"

	"github.com/prelu-go/prelu"
	"github.com/prelu-go/prelu/cmd/internal/selfcheck"
)

func main() {
	n := flag.Int("n", 1<<16, "elements per check")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()

	fmt.Printf("CPU:       %s (%s/%s)\n", cpuid.CPU.BrandName, runtime.GOOS, runtime.GOARCH)
	fmt.Printf("chosen:    %s", prelu.ISA())
	if limit := os.Getenv("PRELU_ISA"); limit != "" {
		fmt.Printf(" (PRELU_ISA=%s)", limit)
	}
	fmt.Printf("\navailable: %v\n\n", prelu.ISAs())

	failed := false
	for _, isa := range prelu.ISAs() {
		problems := selfcheck.Run(isa, *n, *seed)
		for _, p := range problems {
			fmt.Printf("FAIL %-8s %s\n", isa, p)
		}
		if len(problems) == 0 {
			fmt.Printf("ok   %-8s matches generic: Forward, ForwardChannels (NCHW, NHWC), Backward, BackwardChannels; float32 and float64\n", isa)
		}
		failed = failed || len(problems) > 0
	}
	if err := prelu.SetISA(prelu.ISAs()[0]); err != nil || failed {
		os.Exit(1)
	}
}
