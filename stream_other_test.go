//go:build purego || !amd64

package prelu

import "testing"

// Only the amd64 kernels stream; elsewhere there is one path.

func withStreaming(bytes int, f func()) { f() }

func streamFrom(t testing.TB, bytes int) {}

var streamingThresholds = []int{-1}
