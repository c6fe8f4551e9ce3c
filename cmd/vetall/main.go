// Command vetall runs go vet's analyzers (the suite of cmd/vet) on packages
// for the GOOS and GOARCH in its environment (-test=false leaves out the
// test files).
//
// Unlike go vet, it type-checks every dependency from source instead of
// compiling it for export data, so vetting for all of `go tool dist list`
// does not mean compiling the standard library 47 times: that is what lets
// CI vet every target within its time budget. Build tags come from GOFLAGS:
//
//	GOOS=plan9 GOARCH=arm GOFLAGS=-tags=purego go run ./cmd/vetall -test=false .
package main

import (
	"golang.org/x/tools/go/analysis/multichecker"
	"golang.org/x/tools/go/analysis/suite/vet"
)

func main() { multichecker.Main(vet.Suite...) }
