//go:build purego || !(amd64 || arm64)

package prelu

// compiled lists the ISAs with kernels in this build: none beyond generic.
var compiled []isaID
