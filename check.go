package prelu

import (
	"fmt"
	"unsafe"
)

// The checks run before any element is written, so that a programmer error
// panics with a clear message and leaves every output as it was.

func fail(format string, args ...any) {
	panic(fmt.Sprintf("prelu: "+format, args...))
}

func checkLen[T any](name string, s []T, wantName string, want int) {
	if len(s) != want {
		fail("len(%s) = %d, want len(%s) = %d", name, len(s), wantName, want)
	}
}

// span is the address range of a slice's elements.
func span[T any](s []T) (lo, hi uintptr) {
	if len(s) == 0 {
		return 0, 0
	}
	var zero T
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return lo, lo + uintptr(len(s))*unsafe.Sizeof(zero)
}

func overlaps[T any](a, b []T) bool {
	alo, ahi := span(a)
	blo, bhi := span(b)
	return alo < bhi && blo < ahi
}

// checkAlias allows out to be exactly in (same start and length) but no
// other overlap.
func checkAlias[T any](outName string, out []T, inName string, in []T) {
	if overlaps(out, in) && !(unsafe.SliceData(out) == unsafe.SliceData(in) && len(out) == len(in)) {
		fail("%s and %s overlap partially: an output may only be the very same slice as an input", outName, inName)
	}
}

// checkDisjoint allows no overlap at all.
func checkDisjoint[T any](outName string, out []T, inName string, in []T) {
	if overlaps(out, in) {
		fail("%s overlaps %s", outName, inName)
	}
}

// checkLayout checks the channel layout [outer][C][inner] of n elements.
func checkLayout(n, channels, inner int) {
	if channels == 0 {
		fail("alpha is empty: ForwardChannels needs one slope per channel")
	}
	if inner < 1 {
		fail("inner = %d, want at least 1", inner)
	}
	// inner > n/channels also catches channels*inner overflowing int.
	if n > 0 && (inner > n/channels || n%(channels*inner) != 0) {
		fail("len(x) = %d is not a multiple of len(alpha)*inner = %d*%d", n, channels, inner)
	}
}
