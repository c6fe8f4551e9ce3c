//go:build !purego

package prelu

// rowsKernels[isa] says whether isa has Rows kernels: the slope gradients
// of channel-last rows of at least a vector, summed over every row in
// registers and added to dalpha by the kernel, with no buffer.
var rowsKernels = [len(isaNames)]bool{isaAVX2: true}

// backwardRowsKernel runs isa's Rows kernel: dx (unless nil) and the slope
// gradients of x as [rows][len(alpha)], added to dalpha. The planner sends
// it only layouts with at least a vector of channels (rowsFit).
func backwardRowsKernel[E Float](isa isaID, dx, dalpha, dy, x, alpha []E) {
	if isFloat32[E]() {
		if dx == nil {
			backwardRowsDalphaAVX2F32(as[float32](dy), as[float32](x), as[float32](dalpha))
		} else {
			backwardRowsAVX2F32(as[float32](dx), as[float32](dy), as[float32](x), as[float32](alpha), as[float32](dalpha))
		}
		return
	}
	if dx == nil {
		backwardRowsDalphaAVX2F64(as[float64](dy), as[float64](x), as[float64](dalpha))
	} else {
		backwardRowsAVX2F64(as[float64](dx), as[float64](dy), as[float64](x), as[float64](alpha), as[float64](dalpha))
	}
}
