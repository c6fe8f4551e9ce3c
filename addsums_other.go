//go:build purego || !amd64

package prelu

// addSumsSIMD reports that there is no vector loop for addSums here.
func addSumsSIMD[E Float](isa isaID, dalpha []E, sums []float64) bool { return false }
