//go:build !purego

package prelu

import "github.com/klauspost/cpuid/v2"

// streamThreshold is the output size in bytes from which the shared-slope
// kernels write their output with non-temporal stores (the assembly reads
// it). Below it the output is likely to be read again soon from the cache;
// above it the cache cannot hold it anyway, and skipping the
// read-for-ownership of every output line saves a third of the traffic.
var streamThreshold = chooseStreamThreshold(cpuid.CPU.Cache.L3)

// chooseStreamThreshold picks a quarter of the last-level cache, or 8 MiB
// when the size reported is unknown or implausible (virtual machines report
// odd values). Measured on an AMD Zen 5 VM (L3 not reported, 32 MiB per
// CCD): float32 Forward out of place, AVX-512, cached against streaming
// stores, GB/s: 4 MiB output 71 vs 62 (streaming loses while the data fit
// in cache), 8 MiB 47 vs 72, 16 MiB 38 vs 61, 32 MiB 28 vs 33, 64 MiB
// 29 vs 32; Backward 86 vs 77, 47 vs 66, 35 vs 50, then even.
func chooseStreamThreshold(l3 int) int {
	const fallback = 8 << 20
	if l3 < 2<<20 || l3 > 1<<30 {
		return fallback
	}
	return l3 / 4
}

// streamBytes is the output size from which the shared-slope kernels
// stream: the parallel path cuts no smaller tasks (split.go).
func streamBytes() int { return streamThreshold }
