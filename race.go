//go:build race

package prelu

import (
	"runtime"
	"unsafe"
)

// The race detector does not see memory that assembly touches. These tell
// it which ranges each kernel reads and writes, so that a data race through
// a kernel is reported like one in Go code.

// raceEnabled reports whether this is a -race build.
const raceEnabled = true

func raceRead[T Float](s []T) {
	if len(s) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
	}
}

func raceWrite[T Float](s []T) {
	if len(s) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
	}
}
