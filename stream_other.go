//go:build purego || !amd64

package prelu

// Only the amd64 kernels stream (stream_amd64.go).
func streamBytes() int { return 0 }
