//go:build !purego

package prelu

import "github.com/klauspost/cpuid/v2"

// streamThreshold is the output size in bytes from which the shared-slope
// kernels write their output with non-temporal stores (the assembly reads
// it). Below it the output is likely to be read again soon from the cache;
// above it the cache cannot hold it anyway, and skipping the
// read-for-ownership of every output line saves a third of the traffic.
var streamThreshold = chooseStreamThreshold(cpuid.CPU.Cache.L3)

// chooseStreamThreshold picks the last-level cache size, or 16 MiB when the
// size reported is unknown or implausible (virtual machines report odd
// values).
func chooseStreamThreshold(l3 int) int {
	const fallback = 16 << 20
	if l3 < 2<<20 || l3 > 1<<30 {
		return fallback
	}
	return l3
}
