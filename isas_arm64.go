//go:build !purego

package prelu

// compiled lists the ISAs with kernels in this build, worst first.
var compiled = []isaID{isaNEON}
