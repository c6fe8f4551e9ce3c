package prelu

import (
	"fmt"
	"math/bits"
	"unsafe"
)

// The checks run before any element is written, so that a programmer error
// panics with a clear message and leaves every output as it was. Each check
// is small enough to inline into the callers; the failures, which format
// the message, are kept out of line with plain arguments, so that the
// checks cost a few compares on the fast path.

//go:noinline
func fail(format string, args ...any) {
	panic(fmt.Sprintf("prelu: "+format, args...))
}

//go:noinline
func failLen(name string, got int, wantName string, want int) {
	fail("len(%s) = %d, want len(%s) = %d", name, got, wantName, want)
}

//go:noinline
func failAlias(outName, inName string) {
	fail("%s and %s overlap partially: an output may only be the very same slice as an input", outName, inName)
}

//go:noinline
func failDisjoint(outName, inName string) {
	fail("%s overlaps %s", outName, inName)
}

func checkLen[T any](name string, s []T, wantName string, want int) {
	if len(s) != want {
		failLen(name, len(s), wantName, want)
	}
}

// checkAlias allows out to be exactly in (same start and length) but no
// other overlap.
func checkAlias[T any](outName string, out []T, inName string, in []T) {
	if partlyOverlaps(out, in) {
		failAlias(outName, inName)
	}
}

// checkDisjoint allows no overlap at all.
func checkDisjoint[T any](outName string, out []T, inName string, in []T) {
	if overlaps(out, in) {
		failDisjoint(outName, inName)
	}
}

// checkLayout checks the channel layout [outer][C][inner] of n elements:
// with one division at most, none for a single period or a power of two.
func checkLayout(n, channels, inner int) {
	if !layoutOK(n, channels, inner) {
		failLayout(n, channels, inner)
	}
}

//go:noinline
func failLayout(n, channels, inner int) {
	if channels == 0 {
		fail("alpha is empty: ForwardChannels needs one slope per channel")
	}
	if inner < 1 {
		fail("inner = %d, want at least 1", inner)
	}
	// inner > n/channels also catches channels*inner overflowing int.
	fail("len(x) = %d is not a multiple of len(alpha)*inner = %d*%d", n, channels, inner)
}

// overlaps reports whether two slices share memory, inlined on the fast
// path.
func overlaps[T any](a, b []T) bool {
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	size := unsafe.Sizeof(*new(T))
	return len(a) > 0 && len(b) > 0 && pa < pb+uintptr(len(b))*size && pb < pa+uintptr(len(a))*size
}

// wholeOf reports whether n is a multiple of period (at least 1), without
// a division for one slope or a power of two: a 64-bit division was a
// tenth of a frozen shared slope's call at n = 16.
func wholeOf(n, period uint64) bool {
	if period&(period-1) == 0 {
		return n&(period-1) == 0
	}
	return n%period == 0
}

// layoutOK reports whether n elements make whole periods of channels*inner
// (both at least 1; none overflowing), or none: small enough to inline, so
// that the exported functions call nothing before their kernel.
func layoutOK(n, channels, inner int) bool {
	hi, period := bits.Mul64(uint64(channels), uint64(inner))
	return channels != 0 && inner >= 1 &&
		(n == 0 || hi == 0 && (period == uint64(n) || period < uint64(n) && wholeOf(uint64(n), period)))
}

// misused is the end of every misuse function: its checks were to panic
// with a message; reaching here means the fast test and the messages
// disagree, which is a bug in the library.
func misused() {
	panic("prelu: internal error: an argument check failed without its message")
}

// raceCall tells the race detector what a call reads (dy, x, alpha) and
// writes (out: dst or dx; dalpha); nil slices are nothing, and without
// -race the whole call compiles away.
func raceCall[T Float](out, dalpha, dy, x, alpha []T) {
	raceRead(dy)
	raceRead(x)
	raceRead(alpha)
	raceWrite(out)
	raceWrite(dalpha)
}

// straddles reports whether two slices of the same length, bytes long,
// overlap without being the same slice: partlyOverlaps for equal lengths,
// cheap enough for forwardOK to inline.
func straddles(a, b unsafe.Pointer, bytes uintptr) bool {
	pa, pb := uintptr(a), uintptr(b)
	return pa != pb && pa < pb+bytes && pb < pa+bytes
}

// partlyOverlaps reports whether out and in share memory without being
// the very same slice: the one overlap an output may have with an input.
// It is small enough to inline into the exported functions' fast path.
func partlyOverlaps[T any](out, in []T) bool {
	return overlaps(out, in) && (unsafe.SliceData(out) != unsafe.SliceData(in) || len(out) != len(in))
}
