//go:build !purego

package prelu

// addSumsSIMD runs addSums' AVX2 loop unless isa is the pure-Go one; the
// AVX-512 kernels' callers take it too (every CPU with AVX-512F has AVX,
// all it requires). It reports whether it ran.
func addSumsSIMD[E Float](isa isaID, dalpha []E, sums []float64) bool {
	if isa == isaGeneric {
		return false
	}
	if isFloat32[E]() {
		addSumsAVX2F32(as[float32](dalpha), sums)
	} else {
		addSumsAVX2F64(as[float64](dalpha), sums)
	}
	return true
}
