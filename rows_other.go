//go:build purego || !amd64

package prelu

// rowsKernels[isa] says whether isa has Rows kernels: none here.
var rowsKernels [len(isaNames)]bool

// backwardRowsKernel is never planned here (rowsKernels is all false).
func backwardRowsKernel[E Float](isa isaID, dx, dalpha, dy, x, alpha []E) {
	panic("prelu: no Rows kernels in this build")
}
