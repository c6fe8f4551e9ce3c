package prelu

import "unsafe"

// isFloat32 reports whether E is four bytes wide. It is a constant in each
// instantiation, so the untaken branch compiles away.
func isFloat32[E Float]() bool {
	var zero E
	return unsafe.Sizeof(zero) == 4
}

// as reinterprets a slice of one float type as another of the same width:
// a defined type such as `type F32 float32` as float32, or, in an
// instantiation where the widths are known to match, float32 as E.
// It reinterprets the slice header itself, which costs nothing (unsafe.Slice
// would check the length against the address space on every call).
func as[To, From Float](s []From) []To {
	return *(*[]To)(unsafe.Pointer(&s))
}

// grow returns s with length n, reallocated only when its capacity is
// short: the buffers a job or a pool keeps between calls.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
