// Command generic writes the dispatch file for builds without assembly
// (purego, and architectures other than amd64 and arm64): every kernel runs
// its pure-Go twin.
package main

import (
	"flag"
	"log"

	"github.com/prelu-go/prelu/asm/spec"
)

func main() {
	out := flag.String("out", "kernels_generic.go", "output file")
	flag.Parse()
	if err := spec.WriteDispatch(*out, "asm/generic", "purego || !(amd64 || arm64)", nil); err != nil {
		log.Fatal(err)
	}
}
