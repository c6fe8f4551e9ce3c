package emu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prelu-go/prelu/asm/spec"
)

// genCases draws the cases of one kernel: every length 0..70 and a few
// hundreds for the shared layout, a spread of channel counts, plane sizes
// and pattern lengths for the others, each with random slice offsets,
// aliasing, slopes, data and (for outputs) the streaming threshold.
func genCases(k spec.Kernel, isa string, vecBytes int, long bool) []kcase {
	name := k.Name(isa)
	var seed uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		seed = (seed ^ uint64(name[i])) * 1099511628211
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	lanes := vecBytes / k.Size
	reps := 6
	if long {
		reps = 60
	}
	slopeSet := []float64{0, 0.25, 1, -0.5, 2, math.NaN(), math.Inf(1), math.SmallestNonzeroFloat64, 0.01, -3}
	if k.Size == 4 {
		slopeSet[7] = math.SmallestNonzeroFloat32
	}
	var cases []kcase
	add := func(n, channels, inner int) {
		c := kcase{k: k, isa: isa, vecBytes: vecBytes, n: n, channels: channels, inner: inner,
			seed: rng.Uint64(), finite: rng.IntN(2) == 0, stream: 8 << 20}
		for i := range c.offs {
			c.offs[i] = rng.IntN(64 / k.Size)
		}
		if k.Dx {
			c.slope = slopeSet[rng.IntN(len(slopeSet))]
			// Aliasing: the output may be the very same slice as an input.
			switch r := rng.IntN(4); {
			case r == 0:
				c.alias = "x"
			case r == 1 && k.HasValue():
				c.alias = "dy"
			}
			// Streaming stores: from an output of streamThreshold bytes up,
			// when the output is not an input (the kernel checks).
			if rng.IntN(3) == 0 {
				c.stream = rng.IntN(n*k.Size + 1)
			}
		}
		cases = append(cases, c)
	}
	for r := 0; r < reps; r++ {
		switch k.Layout {
		case spec.Shared:
			for n := 0; n <= 70; n++ {
				add(n, 1, 1)
			}
			for _, n := range []int{127, 128, 129, 255, 256, 257, 300, 4*lanes*4 + 3, 517} {
				add(n, 1, 1)
			}
		case spec.Planes:
			// To 129: AVX-512's straight runs take planes of up to eight
			// vectors, 128 float32.
			inners := []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129}
			for i := 0; i < 40; i++ {
				inner := inners[rng.IntN(len(inners))]
				channels := 1 + rng.IntN(6)
				outer := rng.IntN(4)
				if rng.IntN(8) == 0 {
					channels = 20 + rng.IntN(30)
					outer = 1
				}
				add(outer*channels*inner, channels, inner)
			}
			// Planes at the shortest span that streams and just under it,
			// with the threshold at zero: the streaming path with its
			// head and overlapping last vector in every plane, and the
			// cached one.
			for _, inner := range longSpans(k, lanes, rng) {
				channels := 1 + rng.IntN(2)
				add((1+rng.IntN(2))*channels*inner, channels, inner)
				streamAll(cases)
			}
		case spec.Pattern:
			// To 257: AVX-512 holds the slopes of rows of up to 16 vectors
			// in registers, 256 float32.
			plens := []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 130, 255, 256, 257}
			for i := 0; i < 40; i++ {
				p := plens[rng.IntN(len(plens))]
				rows := rng.IntN(4)
				n := rows * p
				if rng.IntN(4) == 0 {
					n += rng.IntN(p) // a partial last row: the reference defines it
				}
				add(n, p, 1)
			}
			for _, p := range longSpans(k, lanes, rng) { // as the planes above
				add((1+rng.IntN(2))*p+rng.IntN(p), p, 1)
				streamAll(cases)
			}
		case spec.Rows:
			// Whole rows of at least 32 bytes, as the spec requires: every
			// remainder against the vector, blocks of rowsUnroll vectors
			// and single ones, groups of channels past the frame's 192,
			// 1 to 5 rows (one chunk of rows) and 17 to 50 (several, the
			// last partial).
			least := 32 / k.Size
			for i := 0; i < 40; i++ {
				channels := least + rng.IntN(5*lanes)
				if rng.IntN(4) == 0 {
					channels = least + rng.IntN(450)
				}
				rows := 1 + rng.IntN(5)
				if i%3 == 0 {
					rows = 17 + rng.IntN(34)
				}
				add(rows*channels, channels, 1)
			}
			// Groups whose last would hold less than a vector (the AVX2
			// kernels end the group before it a vector early), and a
			// last group of exactly a vector.
			for _, channels := range []int{193, 195, 199, 200, 385, 391} {
				add(channels, channels, 1)
				add((17+rng.IntN(4))*channels, channels, 1)
			}
		case spec.SmallPlanes:
			// Whole rows of planes of 1 to SmallPlanesMax elements: every
			// plane size with every count of planes past the last whole
			// block (0 to lanes-1) once, then a spread of channels (blocks
			// of lanes planes and single channels after the groups of
			// four the sums take) over 0 to 4 rows.
			if r == 0 {
				for inner := 1; inner <= spec.SmallPlanesMax; inner++ {
					for extra := range lanes {
						channels := extra + lanes*rng.IntN(3)
						if channels == 0 {
							channels = lanes
						}
						add((1+rng.IntN(2))*channels*inner, channels, inner)
					}
				}
			}
			for i := 0; i < 40; i++ {
				inner := 1 + rng.IntN(spec.SmallPlanesMax)
				channels := 1 + rng.IntN(3*lanes)
				if rng.IntN(6) == 0 {
					channels = 64 + rng.IntN(80)
				}
				add(rng.IntN(5)*channels*inner, channels, inner)
			}
		case spec.Ring:
			limit := spec.RingKernelLimit(vecBytes, k.Size, k.Variant)
			if r == 0 {
				// Every plane size that the library's ringSegmentsFit sends to a
				// Ring kernel in segments (inner > 1, shorter than four
				// vectors and at most the limit, as the spec requires),
				// with the shortest period over the limit: one period (as
				// the sums need), and for dx only, two.
				for inner := 2; inner < 4*lanes && inner <= limit; inner++ {
					channels := max(2, limit/inner+1) // one channel runs the shared kernel
					add(channels*inner, channels, inner)
					if !k.Dalpha {
						add(2*channels*inner, channels, inner)
					}
				}
				// Channel-last rows longer than the limit run in blocks of
				// limit channels over every row, for any number of rows:
				// block edges at every offset against the vector, a last
				// block shorter than a vector, and 1 to 3 rows.
				for _, channels := range []int{limit + 1, limit + lanes - 1, 2*limit + 3, 3 * limit} {
					for outer := 1; outer <= 3; outer++ {
						add(outer*channels, channels, 1)
					}
				}
				// With sums, planes past the limit run by rows too: blocks
				// of the channels whose planes fit, over 1 to 3 rows.
				if k.Dalpha {
					for _, inner := range []int{2, 3, 7, 9} {
						if inner*8 > limit {
							continue
						}
						for _, channels := range []int{limit/inner + 1, 2*(limit/inner) + 3} {
							for outer := 1; outer <= 3; outer++ {
								add(outer*channels*inner, channels, inner)
							}
						}
					}
				}
			}
			for i := 0; i < 40; i++ {
				var channels, inner, outer int
				if i%4 == 3 {
					// A period too long for the frame: the kernel runs it in
					// segments of whole planes; the library does that for
					// planes shorter than four vectors, and with sums only
					// for a single period.
					inner = 2 + rng.IntN(min(4*lanes, limit+1)-2)
					channels = limit/inner + 1 + rng.IntN(40)
					outer = 1
					if !k.Dalpha {
						outer = 1 + rng.IntN(2)
					}
				} else {
					inner = 1 + rng.IntN(24)
					if rng.IntN(4) == 0 {
						inner = 1
					}
					maxC := limit / inner
					if maxC < 1 {
						continue
					}
					channels = 1 + rng.IntN(min(maxC, 12))
					if rng.IntN(6) == 0 {
						channels = maxC // the longest period
					}
					outer = rng.IntN(5)
					if outer == 0 && rng.IntN(2) == 0 {
						outer = 1
					}
				}
				add(outer*channels*inner, channels, inner)
			}
		}
	}
	return cases
}

// kernelRun is what one kernel's subtest saw, for the summary.
type kernelRun struct {
	name   string
	cases  int
	failed bool
}

var (
	summaryMu sync.Mutex
	summary   []kernelRun
	totalOps  sync.Map // mnemonic -> *atomic.Int64
)

// TestKernels runs every kernel of asm/spec, for both ISAs, in the
// emulator against the reference. The AVX2 kernels also run natively in
// the root package's tests against the same reference, which cross-checks
// the emulator's instruction semantics; the AVX-512 kernels can only be
// tested here on a machine without AVX-512.
func TestKernels(t *testing.T) {
	start := time.Now()
	t.Run("all", func(t *testing.T) {
		eachKernel(t, func(t *testing.T, f *File, k spec.Kernel, isa string, vecBytes int, fn *Func) {
			name := k.Name(isa)
			cases := genCases(k, isa, vecBytes, *long && !testing.Short())
			ops := map[string]int{}
			fails := 0
			for _, c := range cases {
				if err := run(c, f, fn, runOpts{strictFrame: true, ops: ops}); err != nil {
					fails++
					if fails <= 3 || testing.Verbose() {
						t.Error(err)
					}
				}
			}
			if fails > 3 {
				t.Errorf("... %d of %d cases failed", fails, len(cases))
			}
			for op, n := range ops {
				v, _ := totalOps.LoadOrStore(op, new(atomic.Int64))
				v.(*atomic.Int64).Add(int64(n))
			}
			summaryMu.Lock()
			summary = append(summary, kernelRun{name, len(cases), fails > 0})
			summaryMu.Unlock()
		})
	})
	sort.Slice(summary, func(i, j int) bool { return summary[i].name < summary[j].name })
	var passed, failed []string
	cases := 0
	for _, r := range summary {
		cases += r.cases
		if r.failed {
			failed = append(failed, r.name)
		} else {
			passed = append(passed, fmt.Sprintf("%s(%d)", r.name, r.cases))
		}
	}
	var ops []string
	totalOps.Range(func(k, v any) bool {
		ops = append(ops, fmt.Sprintf("%s:%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	sort.Strings(ops)
	t.Logf("%d kernels, %d cases in %v", len(summary), cases, time.Since(start).Round(time.Millisecond))
	t.Logf("passed: %s", strings.Join(passed, " "))
	if len(failed) > 0 {
		t.Logf("FAILED: %s", strings.Join(failed, " "))
	}
	t.Logf("instructions executed: %s", strings.Join(ops, " "))
}

// longSpans are two span lengths in elements: one at least
// spec.MinStreamSpan bytes, which streams, and one just short of it.
func longSpans(k spec.Kernel, lanes int, rng *rand.Rand) []int {
	at := spec.MinStreamSpan / k.Size
	return []int{at + rng.IntN(2*lanes), at - 1 - rng.IntN(lanes)}
}

// streamAll sets the streaming threshold of the last case to zero, and
// its output apart from the inputs, where the kernel has an output: its
// output streams wherever the spans are long enough.
func streamAll(cases []kcase) {
	if c := &cases[len(cases)-1]; c.k.Dx {
		c.stream, c.alias = 0, ""
	}
}
