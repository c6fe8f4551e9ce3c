package prelu

import (
	"fmt"
	"unsafe"
)

// The checks run before any element is written, so that a programmer error
// panics with a clear message and leaves every output as it was. Each check
// is small enough to inline; the failures are kept out of line.

//go:noinline
func fail(format string, args ...any) {
	panic(fmt.Sprintf("prelu: "+format, args...))
}

func checkLen[T any](name string, s []T, wantName string, want int) {
	if len(s) != want {
		fail("len(%s) = %d, want len(%s) = %d", name, len(s), wantName, want)
	}
}

// overlap reports whether two slices share memory, and whether they are the
// very same slice.
func overlap[T any](a, b []T) (any, same bool) {
	if len(a) == 0 || len(b) == 0 {
		return false, false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	size := unsafe.Sizeof(a[0])
	return pa < pb+uintptr(len(b))*size && pb < pa+uintptr(len(a))*size, pa == pb && len(a) == len(b)
}

// checkAlias allows out to be exactly in (same start and length) but no
// other overlap.
func checkAlias[T any](outName string, out []T, inName string, in []T) {
	if any, same := overlap(out, in); any && !same {
		fail("%s and %s overlap partially: an output may only be the very same slice as an input", outName, inName)
	}
}

// checkDisjoint allows no overlap at all.
func checkDisjoint[T any](outName string, out []T, inName string, in []T) {
	if any, _ := overlap(out, in); any {
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
