package prelu

import (
	"testing"
)

// TestLayoutsCoverEveryPlan: the layouts that the reference tests run
// (channelCounts × inners × outers) reach every kind of kernel on every
// ISA, forward and with slope gradients, so that no kernel the planner can
// choose goes untested.
func TestLayoutsCoverEveryPlan(t *testing.T) {
	t.Run("f32", testLayoutsCoverEveryPlan[float32])
	t.Run("f64", testLayoutsCoverEveryPlan[float64])
}

func testLayoutsCoverEveryPlan[T Float](t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		forward, sums := map[plan]int{}, map[plan]int{}
		short := 0 // planes run as straight runs of vectors (shortPlanesFit)
		count := func() {
			for _, channels := range append(channelCounts, 600, 1100) {
				for _, inner := range inners {
					for _, outer := range outers(channels, inner) {
						n := outer * channels * inner
						p := planChannels[T](isa, n, channels, inner, false)
						forward[p]++
						if p == planPlanes && shortPlanesFit(isa, n, inner, sizeOf[T](), false) {
							short++
						}
						sums[planChannels[T](isa, n, channels, inner, true)]++
					}
				}
			}
		}
		count()
		want := []plan{planShared, planRing, planPattern, planPlanes}
		wantSums := []plan{planShared, planRing, planSums}
		if ringLimit(isa, sizeOf[T](), false) == 0 {
			t.Logf("%v has no Ring kernels", isa)
			want, wantSums = []plan{planShared, planPattern, planPlanes}, []plan{planShared, planSums}
		}
		if rowsKernels[isa] {
			wantSums = append(wantSums, planRows)
		} else {
			t.Logf("%v has no Rows kernels", isa)
		}
		if smallPlanesKernels[isa] {
			want, wantSums = append(want, planSmallPlanes), append(wantSums, planSmallPlanes)
		} else {
			t.Logf("%v has no SmallPlanes kernels", isa)
		}
		// With the Expanded plan lowered to the test layouts' sizes, as the
		// reference tests run it (eachPlanning).
		expandFrom(t, 0)
		count()
		if ringLimit(isa, sizeOf[T](), true) > 0 {
			// Without slope gradients the SmallPlanes kernels come first
			// where they do not stream (TestExpandedMatchesReference runs
			// the Expanded forward pass directly).
			wantSums = append(wantSums, planExpanded)
		}
		for _, p := range want {
			if forward[p] == 0 {
				t.Errorf("no test layout runs plan %d forward (have %v)", p, forward)
			}
		}
		for _, p := range wantSums {
			if sums[p] == 0 {
				t.Errorf("no test layout runs plan %d with slope gradients (have %v)", p, sums)
			}
		}
		if shortPlaneBytes[isa] == 0 {
			t.Logf("%v runs no planes as straight runs", isa)
		} else if short == 0 {
			t.Errorf("no test layout runs the planes kernel's straight runs")
		}
		t.Logf("forward %v (straight runs of planes: %d), with sums %v", forward, short, sums)
	})
}

// TestRingNeverTooLong: whatever the layout, the planner sends a Ring
// kernel only planes that fit its frame (inner <= ringLimit), and slope
// gradients over a period longer than the limit for several rows only to
// kernels that take rows.
func TestRingNeverTooLong(t *testing.T) {
	for _, isa := range supported {
		for _, size := range []int{4, 8} {
			for _, sums := range []bool{false, true} {
				limit := ringLimit(isa, size, sums)
				for channels := 1; channels <= 70; channels++ {
					for inner := 1; inner <= 130; inner++ {
						for _, outer := range []int{1, 2} {
							n := outer * channels * inner
							var p plan
							if size == 4 {
								p = planChannels[float32](isa, n, channels, inner, sums)
							} else {
								p = planChannels[float64](isa, n, channels, inner, sums)
							}
							if p != planRing {
								continue
							}
							if inner > limit {
								t.Fatalf("%v size %d: Ring for inner %d > limit %d", isa, size, inner, limit)
							}
							rowsOK := ringPlaneRows[isa] || inner == 1 && ringRows[isa]
							if sums && channels*inner > limit && outer > 1 && !rowsOK {
								t.Fatalf("%v size %d: Ring sums over %d periods, which its kernels cannot take", isa, size, outer)
							}
						}
					}
				}
			}
		}
	}
}

// TestFirstChoicesArePlans: the exported functions run the pattern, Rows,
// SmallPlanes, Ring and planes kernels without planning where
// patternFirst, rowsFirst, smallPlanesFit, ringRowsFirst and planesFirst
// say so; for every test layout these must be planChannels' own choices.
func TestFirstChoicesArePlans(t *testing.T) {
	t.Run("f32", testFirstChoicesArePlans[float32])
	t.Run("f64", testFirstChoicesArePlans[float64])
}

func testFirstChoicesArePlans[T Float](t *testing.T) {
	size := sizeOf[T]()
	for _, isa := range append(compiled, isaGeneric) {
		taken := 0
		for _, channels := range append(channelCounts, 600, 1100) {
			for _, inner := range inners {
				for _, outer := range outers(channels, inner) {
					n := outer * channels * inner
					if channels == 1 {
						continue // the exported functions test that first
					}
					if patternFirst(isa, n, channels, inner, size) {
						taken++
						if p := planChannels[T](isa, n, channels, inner, false); p != planPattern {
							t.Errorf("%v C=%d inner=%d outer=%d: patternFirst, but the plan is %d", isa, channels, inner, outer, p)
						}
					}
					for _, sums := range []bool{false, true} {
						if smallPlanesFit(isa, n, channels, inner, size, sums) {
							taken++
							if p := planChannels[T](isa, n, channels, inner, sums); p != planSmallPlanes {
								t.Errorf("%v C=%d inner=%d outer=%d sums=%v: smallPlanesFit, but the plan is %d", isa, channels, inner, outer, sums, p)
							}
						}
					}
					// After patternFirst and smallPlanesFit, as the exported
					// functions test them.
					if !patternFirst(isa, n, channels, inner, size) && !smallPlanesFit(isa, n, channels, inner, size, false) {
						if ringRowsFirst(isa, channels, inner, size) {
							taken++
							if p := planChannels[T](isa, n, channels, inner, false); p != planRing {
								t.Errorf("%v C=%d inner=%d outer=%d: ringRowsFirst, but the plan is %d", isa, channels, inner, outer, p)
							}
						}
						if planesFirst(isa, n, channels, inner, size) {
							taken++
							if p := planChannels[T](isa, n, channels, inner, false); p != planPlanes {
								t.Errorf("%v C=%d inner=%d outer=%d: planesFirst, but the plan is %d", isa, channels, inner, outer, p)
							}
						}
					}
					if rowsFirst(isa, n, channels, inner, size) {
						taken++
						if p := planChannels[T](isa, n, channels, inner, true); p != planRows {
							t.Errorf("%v C=%d inner=%d outer=%d: rowsFirst, but the plan is %d", isa, channels, inner, outer, p)
						}
					}
				}
			}
		}
		if taken == 0 {
			t.Errorf("%v: no test layout takes a first choice", isa)
		}
		// The Ring and planes first choices over a grid of layouts too,
		// around every limit they restate.
		ring, planes := 0, 0
		for channels := 2; channels <= 70; channels++ {
			for inner := 1; inner <= 130; inner++ {
				for _, outer := range []int{1, 2, 5} {
					n := outer * channels * inner
					if patternFirst(isa, n, channels, inner, size) || smallPlanesFit(isa, n, channels, inner, size, false) {
						continue
					}
					p := planChannels[T](isa, n, channels, inner, false)
					if ringRowsFirst(isa, channels, inner, size) {
						ring++
						if p != planRing {
							t.Fatalf("%v C=%d inner=%d outer=%d: ringRowsFirst, but the plan is %d", isa, channels, inner, outer, p)
						}
					}
					if planesFirst(isa, n, channels, inner, size) {
						planes++
						if p != planPlanes {
							t.Fatalf("%v C=%d inner=%d outer=%d: planesFirst, but the plan is %d", isa, channels, inner, outer, p)
						}
					}
				}
			}
		}
		if ring == 0 && ringLimit(isa, size, false) > 0 || planes == 0 {
			t.Errorf("%v: the grid reaches ringRowsFirst %d times, planesFirst %d", isa, ring, planes)
		}
	}
}

// TestRowsTakeManyRowsOnAVX512: AVX-512's Rows kernel takes the slope
// gradients of channel-last rows at any count of rows below the parallel
// threshold, where rows are whole vectors or past the Ring kernel's limit
// (rowsFit); rows ending inside a vector within that limit keep the Ring
// kernel, and calls at the threshold the buffered sums, whose tasks the
// parallel path cuts. A planner-only test: it runs on any CPU, in the
// builds that have the AVX-512 kernels.
func TestRowsTakeManyRowsOnAVX512(t *testing.T) {
	if !rowsKernels[isaAVX512] {
		t.Skip("this build has no AVX-512 kernels (purego or not amd64): its planner has no AVX-512 tables")
	}
	for _, c := range []struct {
		rows, channels int
		want           plan
	}{
		{784, 128, planRows}, {3136, 64, planRows}, {1000, 16, planRows}, {100, 100, planRows},
		{1000, 10, planRing}, {3136, 24, planRing},
		{(16 << 20) / (4 * 128), 128, planSums}, {4096, 200, planSums},
	} {
		if p := planChannels[float32](isaAVX512, c.rows*c.channels, c.channels, 1, true); p != c.want {
			t.Errorf("float32 %dx%d: plan %d, want %d", c.rows, c.channels, p, c.want)
		}
		if p := planChannels[float32](isaAVX2, c.rows*c.channels, c.channels, 1, true); p == planRows && c.rows > 32 {
			t.Errorf("float32 %dx%d: AVX2 takes the Rows kernel, whose many rows it measured slower", c.rows, c.channels)
		}
	}
	for _, c := range []struct {
		rows, channels int
		want           plan
	}{
		{1000, 8, planRows}, {100, 100, planRows}, {784, 40, planRows},
		{1000, 10, planRing},
		{(16 << 20) / (8 * 128), 128, planSums},
	} {
		if p := planChannels[float64](isaAVX512, c.rows*c.channels, c.channels, 1, true); p != c.want {
			t.Errorf("float64 %dx%d: plan %d, want %d", c.rows, c.channels, p, c.want)
		}
	}
}
