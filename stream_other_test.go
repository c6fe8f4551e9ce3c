//go:build purego || !amd64

package prelu

// Only the amd64 kernels stream; elsewhere there is one path.

func withStreaming(bytes int, f func()) { f() }

var streamingThresholds = []int{-1}
