package prelu

import "unsafe"

// Channel layouts, x as [outer][C][inner], run on these kinds of kernel,
// chosen per call in O(1) (planChannels) and with no set-up in Go:
//
//   - Ring, when the period P = C*inner is short (at most ringLimit: a
//     few hundred elements): the kernel expands the slopes of one period
//     into a ring in its own stack frame and streams x through it, so
//     channel-last data with small C and small planes of few channels run
//     at the speed of the shared kernel, whatever the period's phase
//     against the vector width. Its float64 sums stay in the frame too.
//     Longer periods of small planes run in segments of planes, or, with
//     slope gradients, in blocks of channels over every row (see
//     ringSegmentsFit).
//   - Pattern, for channel-last rows longer than that: the slopes
//     themselves are the pattern, one row of C at a time.
//   - Planes, for planes of many channels: one broadcast slope per plane.
//   - Rows, where an ISA has them, for the slope gradients of channel-last
//     rows (rowsFit): blocks of channels over every row, sums in registers.
//   - SmallPlanes, where an ISA has them, for planes of 2 to smallPlanesMax
//     elements at batch 1 (smallPlanesFit): each vector permutes its
//     slopes into place from a block's, and the kernel sums the slope
//     gradients itself.
//   - Expanded, for many rows of a period that the Ring kernel would take
//     in segments, from 192 KiB of x (expandFits): the slopes of whole
//     periods expanded once into a pooled buffer, the pattern kernels
//     over x as rows of it.
//
// C = 1 is the shared-slope kernel. Slope gradients that no Ring kernel
// takes are summed in a small float64 buffer in blocks of channels
// (backwardSums).

// genericRingLimit is the longest period given to the pure-Go Ring twins,
// which have no frame to fit: the same order as the SIMD kernels', so that
// the generic code runs the same plans.
const genericRingLimit = 256

// accPad is the room past len(acc) that the AVX2 kernels may add zeros to.
const accPad = 16

func sizeOf[E Float]() int {
	var zero E
	return int(unsafe.Sizeof(zero))
}

// plan is the kind of kernel a channel layout runs on.
type plan uint8

const (
	planShared      plan = iota // one slope: the shared-slope kernel
	planRing                    // the Ring kernel
	planPattern                 // channel-last rows, the slopes as the pattern
	planPlanes                  // one broadcast slope per plane
	planSums                    // slope gradients summed into a buffer in blocks (pattern or planes kernels)
	planRows                    // channel-last slope gradients summed over every row in registers
	planSmallPlanes             // planes of at most smallPlanesMax elements, their slopes permuted into place
	planExpanded                // many rows of periods too long for a ring: the pattern kernels on expanded slopes
)

// planChannels chooses the kernel for n elements of the layout, with slope
// gradients (sums) or without (forward, or dx only). It calls nothing on
// the commonest paths (a call cost about 3 ns of FC 32x10's 51: interleaved
// rounds).
func planChannels[E Float](isa isaID, n, channels, inner int, sums bool) plan {
	size := sizeOf[E]()
	period := channels * inner // no overflow: at most n
	switch {
	case channels == 1:
		return planShared
	case !sums && patternFirst(isa, n, channels, inner, size):
		return planPattern
	case sums && rowsFirst(isa, n, channels, inner, size):
		return planRows
	case shortPlanesFit(isa, n, inner, size, sums):
		return planPlanes
	case smallPlanesFit(isa, n, channels, inner, size, sums):
		return planSmallPlanes
	case !sums && alignedPlanesFit(isa, n, period, inner, size):
		return planPlanes
	case period <= ringLimit(isa, size, sums):
		// A short period: the Ring kernel expands it once. (A single
		// channel-last row without sums, which is the slopes themselves,
		// took the pattern kernel above.)
		return planRing
	case ringSegmentsFit(isa, n, period, inner, size, sums):
		if expandFits(n, period, inner, size) {
			return planExpanded
		}
		return planRing
	case sums:
		return planSums
	case inner == 1:
		return planPattern
	}
	return planPlanes
}

// patternFirst reports whether the pattern kernel takes the layout without
// slope gradients ahead of the other plans: one channel-last row, or a few
// long ones, whose slopes are the pattern, read in place. It and rowsFirst
// are small enough to inline: the exported functions test them before
// they plan, so that the commonest small calls skip planChannels (FC 1x10
// forward 29 -> 17 ns, dx-only 30 -> 24 ns: A/B, 15 rounds).
func patternFirst(isa isaID, n, channels, inner, size int) bool {
	return inner == 1 && (n == channels || patternRows(isa, n, channels, size))
}

// ringRowsFirst reports whether planChannels gives channel-last rows
// without slope gradients that patternFirst did not take the Ring kernel:
// a period (the channels) within its limit. Small enough to inline, as
// planesFirst: the exported functions test both before they plan, so
// that these calls skip planChannels and the call into it too.
func ringRowsFirst(isa isaID, channels, inner, size int) bool {
	return inner == 1 && channels <= ringLimit(isa, size, false)
}

// planesFirst reports whether planChannels gives a layout of planes
// (inner > 1, more than one channel) without slope gradients the planes
// kernel: where it runs them as straight runs (shortPlanesFit), or planes
// longer than SmallPlanes and the Ring kernel's segments take, in a
// period longer than its limit.
func planesFirst(isa isaID, n, channels, inner, size int) bool {
	// Past planes that ringSegmentsFit takes without sums, and the Ring
	// limit read as smallPlanesFit reads it: calling either would put
	// planesFirst over the inliner's budget.
	return shortPlanesFit(isa, n, inner, size, false) ||
		inner > smallPlanesMax && inner*size > ringPlaneBytes[isa][size>>3] && channels*inner > ringLimits[isa][size>>3][0]
}

// rowsFirst reports whether the Rows kernel takes the layout's slope
// gradients ahead of the other plans (rowsFit).
func rowsFirst(isa isaID, n, channels, inner, size int) bool {
	return inner == 1 && rowsFit(isa, n, channels, size)
}

// ringSegmentsFit reports whether isa's Ring kernel takes a layout whose
// period (channels*inner elements) is longer than its limit; small enough
// to inline into planChannels. It takes planes of at
// most ringPlaneBytes bytes, which the Ring kernel runs in segments of
// whole planes. Slope gradients (sums) take the limit of the fused kernel,
// so that the gradient comes out the same whether dx is computed or not;
// past the limit only in blocks of at least minSegment planes, each over
// every row before its sums are added (so that each channel's sum is added
// once), and over several rows only where the ISA's kernels do that (each
// block folds its sums: 64 planes of 49 took 5.9 us in blocks of two
// against 1.5 us on the planes kernel). Without sums, channel-last rows
// are the slopes themselves: the pattern kernel reads them in place, with
// nothing to expand.
func ringSegmentsFit(isa isaID, n, period, inner, size int, sums bool) bool {
	limit := ringLimit(isa, size, sums)
	if inner == 1 {
		// Rows longer than the limit, with sums: in blocks of channels
		// over every row, where the buffered sums would need blocks too.
		// Measured on AVX2, float32, backward, rows x channels, Ring
		// rows against buffered sums: 32x512 7.2 vs 9.4 us, 49x512 11.7
		// vs 15.9, 196x256 24.5 vs 26.0, 1x512 0.5 vs 0.9; but 784x128
		// 50 vs 37 and 32x128 1.84 vs 1.71, where one buffered call
		// covers every row.
		return sums && ringRows[isa] && period > largeSums // channels, for rows
	}
	if sums {
		// Blocks of at least minSegment planes, over every row where the
		// ISA's kernels take several rows (4 rows x 64 planes of 2x2 on
		// AVX2: 4.1 us on the planes kernel).
		return inner*minSegment <= limit && (n == period || ringPlaneRows[isa])
	}
	return inner <= limit && inner*size <= ringPlaneBytes[isa][size>>3]
}

// ringPlaneBytes[isa][size == 8] is the longest plane, in bytes, that
// isa's Ring kernels take without slope gradients when the period is longer
// than the limit; longer planes run on the planes kernel. On AVX2 it was 255
// (64 planes against the planes kernel, float32: 25 elements 337 vs 581 ns,
// 49: 535 vs 700, 64: 694 vs 492) until the planes kernel lost its masked
// remainder (see the generator's overlapper). Since then, forward, 128
// planes, ns, Ring vs planes, float32: 8 elements 202 vs 572, 12: 332 vs
// 695, 16: 415 vs 948, 20: 969 vs 1000, 25: 1225 vs 1136, 36: ~1300 vs
// ~900, 512 planes of 49: ~6300 vs ~5300; float64: 8: 430 vs 1050, 12: 914
// vs 1280, 16: 966 vs 1141 (64 planes: 470 vs 290), 20: 1322 vs 1165, 49:
// ~13000 vs ~7300; MTCNN 128x3x3, float64, forward, 15 rounds: 807 ns on
// Ring, 1029 on planes. So up to 16 elements on Ring. AVX-512 the same
// (Ice Lake, kernels alone, fastest of 31, 64 planes unless marked, ns,
// Ring vs planes): float32 17 elements 209 vs 160, 20: 221 vs 145, 25: 280
// vs 213, 36: 341 vs 208, 4x64x24 868 vs 739, 512 planes of 49: 4835 vs
// 3643, 24 and 32 about even; float64 20: 453 vs 341, 25: 492 vs 346,
// 4x32x12 375 vs 382, 4x32x16 410 vs 445. NEON keeps the earlier limit:
// it cannot be timed here.
var ringPlaneBytes = [len(isaNames)][2]int{
	isaGeneric: {255, 255},
	isaAVX2:    {16 * 4, 16 * 8},
	isaAVX512:  {16 * 4, 16 * 8},
	isaNEON:    {255, 255},
}

// patternRows reports whether isa's pattern kernel takes a few channel-last
// rows of at least a vector each, which the Ring kernel would take too:
// there it need not expand the slopes first. Measured on AVX2, forward,
// rows x channels, ns, pattern vs Ring: float32 4x10 15 vs 19, 4x16 17 vs
// 18, 4x64 23 vs 31, 2x100 18 vs 31; float64 4x10 19 vs 20, 4x64 36 vs 50,
// 2x100 30 vs 50; but 8x24 35 vs 25, 32x10 87 vs 36: the Ring kernel's
// set-up pays from about eight rows. Rows of at most two vectors run with
// no per-row tests (the generator's shortRows), to twelve rows (kernels
// alone, fastest of 15, float32: 8x10 21.8 vs 36.4, 12x10 29.5 vs 40.6,
// 12x8 33.3 vs 33.3, 12x16 32.5 vs 43.3; but 16x8 42.0 vs 36.4). On
// AVX-512 (Ice Lake, kernels alone, fastest of 31, ns, pattern vs Ring),
// whose masked row ends need no shortRows: float32 2x3 23 vs 42, 4x10 23
// vs 55, 8x10 29 vs 50, 8x24 34 vs 36, 4x40 25 vs 34, 4x100 39 vs 54,
// 8x128 64 vs 85, 32x128 219 vs 267, 8x256 116 vs 164; float64 8x3 30 vs
// 43, 8x16 25 vs 25, 32x64 222 vs 226, 16x128 216 vs 239; but float32
// 32x10 68 vs 58, 16x16 50 vs 34, 8x40 44 vs 39, 8x100 87 vs 75, float64
// 16x10 58 vs 41: the Ring kernel's set-up pays from about eight rows of
// up to 128 bytes and from four rows of more, but no longer from 512
// bytes, where both run at the caches' speed. Since the pattern kernel
// holds the slopes of rows of up to 16 vectors in registers
// (heldSlopeRows), rows of whole vectors take it at any count (forward,
// pattern vs Ring: float32 32x64 83 vs 140, 16x64 51 vs 83, 1000x16 1411
// vs 1550, 196x256 4196 vs 4612; float64 16x32 43 vs 68, 32x64 153 vs
// 247); rows that end inside a vector do not, each row's vectors off
// their alignment and its last one masked (1000x10 1921 vs 939, 64x24 235
// vs 136, 100x8 131 vs 91). NEON keeps a single row (not measured).
func patternRows(isa isaID, n, channels, size int) bool {
	bytes := channels * size
	if isa == isaAVX512 {
		return bytes >= 24 && (n <= 4*channels || bytes <= 128 && n <= 8*channels || bytes >= 512 || bytes&63 == 0)
	}
	return isa == isaAVX2 && bytes >= 32 && (n <= 4*channels || bytes <= 64 && n <= 12*channels)
}

// rowsFit reports whether isa's Rows kernel takes the slope gradients of
// n elements of channel-last rows of channels elements of size bytes: rows
// of at least a vector, and either few rows of little data, where the
// other plans' set-up dominates, or rows longer than the buffered sums
// take in one block, where the Ring kernel's blocks pass over every row
// too. With many rows of fewer channels the Rows kernel's passes over a
// chunk of rows, one per 128 bytes of channels, and its overlapping last
// vector cost more than they save. Measured on AVX2, float32, rows x
// channels, full backward, ns, Rows against the plan before (Ring, or
// buffered sums from 93 channels, or Ring blocks from 209): 1x128 106 vs
// 241, 4x10 89 vs 159, 4x128 156 vs 273, 8x16 55 vs 78, 32x64 484 vs 531,
// 32x100 922 vs 1186, 32x10 about even; 49x512 7.7 vs 9.1 us, 196x256 16.2
// vs 20.7 us, 784x512 169 vs 268 us; but 64x12 386 vs 290, 784x128 36 vs
// 30 us, 1000x100 34 vs 29 us, 3136x9 20 vs 11 us, 3136x64 about even.
//
// Many rows of more than 208 channels go to the Rows kernels only where
// these run in chunks of rows (amd64). NEON's pass over every row once per
// block of 16 channels, so NEON keeps the Ring kernel's blocks of 132
// channels there (it cannot be timed here).
//
// On AVX-512, which carries a block's float64 sums in registers and a
// group's in its frame, the Rows kernel takes any number of rows below the
// parallel threshold (whose tasks sum with the buffered kernels) where
// rows are whole vectors or longer than the Ring kernel's limit with slope
// gradients. Measured on
// Ice Lake, kernels through the planner, rows x channels, ns, Rows against
// buffered sums or Ring, fused and dalpha-only: float32 512x64 6782 vs
// 12618 and 4439 vs 10608, 340x96 6276 vs 12170 and 4810 vs 9397, 784x128
// 30.4 vs 40.7 us and 17.2 vs 33.9, 1568x128 88 vs 96 us and 44 vs 69,
// 100x100 3192 vs 5026 and 2339 vs 3925, 1000x16 (Ring) 3345 vs 4495 and
// 2797 vs 3894; float64 1000x8 1921 vs 3141 and 1188 vs 2228, 100x100 3626
// vs 4884 and 2184 vs 3028. Rows ending inside a vector within the Ring
// limit stay there (float32 1000x10 5364 vs 3181, 3136x24 22.4 vs 19.9 us,
// 300x8 928 vs 737; float64 1000x10 about even). Only within one group
// (rowsGroup): with two, many rows took longer fused (4096x200 float32
// 414 vs 369 us).
func rowsFit(isa isaID, n, channels, size int) bool {
	return rowsKernels[isa] && channels*size >= 32 &&
		(n <= 32*channels && n*size <= 16<<10 || channels > largeSums && rowsChunks[isa] ||
			isa == isaAVX512 && channels <= rowsGroup && n*size < parallelBytes && (channels*size&63 == 0 || channels > ringLimits[isaAVX512][size>>3][1]))
}

// rowsGroup is how many channels the amd64 Rows kernels' frame holds the
// sums of between chunks of rows: the generator's rowsGroup
// (asm/amd64/rows.go); more channels run in several groups.
const rowsGroup = 192

// smallPlanesFit reports whether isa's SmallPlanes kernels take n elements
// of planes of inner elements: a single period (batch 1, where the other
// plans' set-up or per-plane work dominates), a few periods with slope
// gradients, or, without them, periods longer than the Ring kernel takes
// whole. Measured on AVX2, float32, rows x channels x inner, ns, SmallPlanes
// against the plan before (A/B, 6-10 rounds): backward 1x128x9 535 vs 1032,
// 1x16x4 65 vs 138, 1x32x12 173 vs 320, 2x64x9 537 vs 745, 4x16x9 327 vs
// 420; forward 1x128x9 125 vs 181, 1x3x9 30 vs 51, 2x64x9 230 vs 309,
// 256x128x9 40 vs 62 us. But where the Ring kernel expands a short period
// once for many rows it is faster without slope gradients (forward 8x16x9
// 155 vs 104, 32x16x9 534 vs 390), and over many rows the sums, which read
// each group of channels row by row, fall behind (dalpha only 64x128x9 28.7
// vs 21.1 us). Outputs large enough to stream keep the kernels that
// stream them (the SmallPlanes kernels do not). Without slope gradients,
// planes that the planes kernel runs as straight runs of vectors
// (shortPlanesFit) go there.
func smallPlanesFit(isa isaID, n, channels, inner, size int, sums bool) bool {
	if !smallPlanesKernels[isa] || inner < 2 || inner > smallPlanesMax || n*size >= streamBytes() ||
		!sums && shortPlaneBytes[isa] != 0 && shortPlaneLength(inner*size) { // shortPlanesFit, inlined
		return false
	}
	period := channels * inner
	if sums {
		return n <= 4*period
	}
	return n == period || period > ringLimits[isa][size>>3][0] // ringLimit(isa, size, false), cheaper to inline
}

// shortPlanesFit reports whether isa's planes kernel takes planes of inner
// elements without slope gradients ahead of the SmallPlanes and Ring
// kernels: planes that it runs as straight runs of vectors
// (shortPlaneBytes), of a length shortPlaneLength takes, in outputs too
// small to stream (the Ring kernel streams them). Measured on AVX2, forward, kernels alone, rows x
// channels x inner, ns, planes against the plan before: float32 1x16x16
// 37 vs 45 (SmallPlanes), 1x64x16 67 vs 95, 4x16x16 116 vs 146 (Ring),
// 16x16x16 443 vs 450, 1x16x25 58 vs 117 (Ring), 4x16x25 121 vs 124;
// float64 1x128x9 186 vs 211, 1x64x9 97 vs 106, 1x16x12 42 vs 58, 4x16x12
// 125 vs 219 (Ring), 16x16x12 601 vs 669, 4x16x16 208 vs 260. Shorter
// planes stay where they were: float32 1x128x9 SmallPlanes 104 vs 149,
// 16x16x12 Ring 344 vs 442, 1x16x12 37 vs 40; float64 16x16x6 Ring 171 vs
// 257. dx-only float64 3x3 planes (72 bytes, two vectors and a quarter,
// whose last vector overlaps most of the one before) took as long on the
// planes kernel as on SmallPlanes, or longer (1x128x9 223 vs 221, 351 vs
// 292 on a busy stretch; forward 185 vs 212), so SmallPlanes keep them.
func shortPlanesFit(isa isaID, n, inner, size int, sums bool) bool {
	bytes := inner * size
	return !sums && shortPlaneLength(bytes) && bytes <= shortPlaneBytes[isa] && n*size < streamBytes()
}

// shortPlaneLength reports whether shortPlanesFit takes planes of bytes
// bytes: at least three AVX2 vectors, or exactly two.
func shortPlaneLength(bytes int) bool { return bytes >= 96 || bytes == 64 }

// alignedPlanesFit reports whether isa's planes kernel takes a single
// period of planes of inner elements without slope gradients, past those
// shortPlanesFit takes, ahead of the Ring kernel: AVX-512's, whose planes
// kernel runs planes of a vector to eight as one aligned stream, for
// planes longer than SmallPlanes take (float32 17 to 23 elements).
// Measured on Ice Lake, forward, kernels alone, fastest of 2x31, ns,
// planes vs Ring: 1x16x17 29 vs 57-61, 1x16x20 29 vs 56, 1x8x20 18 vs 34;
// but over several rows of the period the Ring kernel expands once, it
// can be faster (8x16x20 173 vs 229).
func alignedPlanesFit(isa isaID, n, period, inner, size int) bool {
	return isa == isaAVX512 && n == period && inner > smallPlanesMax && n*size < streamBytes()
}

// minSegment is the fewest planes per segment worth a Ring kernel's
// segments with slope gradients.
const minSegment = 8

// addSums adds float64 sums to the slope gradients, rounding once: with
// the vector loop of isa where there is one (addSumsSIMD), else with the
// loops below, which it matches bit for bit. The loops are written per
// type: the generic one ran at half their speed (128 float32: 185 against
// 85-105 ns).
func addSums[E Float](isa isaID, dalpha []E, sums []float64) {
	dalpha = dalpha[:len(sums)]
	if addSumsSIMD(isa, dalpha, sums) {
		return
	}
	if isFloat32[E]() {
		addSums32(as[float32](dalpha), sums)
	} else {
		addSums64(as[float64](dalpha), sums)
	}
}

func addSums32(dalpha []float32, sums []float64) {
	dalpha = dalpha[:len(sums)]
	for c, s := range sums {
		dalpha[c] = float32(float64(dalpha[c]) + s)
	}
}

func addSums64(dalpha []float64, sums []float64) {
	dalpha = dalpha[:len(sums)]
	for c, s := range sums {
		dalpha[c] += s
	}
}

// part is s[lo:hi], or nil for a nil s (an output that is not wanted).
func part[E Float](s []E, lo, hi int) []E {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}
