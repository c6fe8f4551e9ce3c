package prelu

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// withWorkers sets the number of workers for one test.
func withWorkers(t testing.TB, n int) {
	prev := SetWorkers(n)
	t.Cleanup(func() { SetWorkers(prev) })
}

// withThreshold lowers the size from which calls split, so that small
// slices exercise the parallel path (quickly, under qemu and -race too).
// Shared slopes are cut no finer than where the kernels stream, so the
// kernels stream from a task's size too.
func withThreshold(t testing.TB, bytes int) {
	withParallelBytes(t, bytes)
	streamFrom(t, bytes/tasksAtThreshold)
}

// withParallelBytes sets the threshold alone.
func withParallelBytes(t testing.TB, bytes int) {
	prev := parallelBytes
	parallelBytes = bytes
	t.Cleanup(func() { parallelBytes = prev })
}

// testThreshold is the lowered threshold: tasks of 512 bytes.
const testThreshold = 4096

// splitLayout is a layout [outer][channels][inner] for the parallel tests.
type splitLayout struct{ channels, inner, outer int }

// splitLayouts reach every kind of split at testThreshold, for float32 and
// float64, with slope gradients and without (TestSplitLayoutsReachEveryKind).
var splitLayouts = []splitLayout{
	{1, 1, 3001},    // one slope: runs of elements
	{1, 7, 1000},    // one slope as a channel layout
	{4, 8, 800},     // NCHW, many rows of small planes: runs of rows
	{8, 40, 200},    // many rows of planes that the tasks sum: runs of rows
	{6, 1, 4000},    // channel-last, many rows: runs of rows
	{10, 1, 700},    // rows whose partial sums would outweigh the data: runs of channels
	{100, 37, 1},    // batch 1, many channels: runs of channels
	{700, 3, 3},     // more channels than the rows' partial sums may have: runs of channels
	{3000, 1, 2},    // channel-last, two wide rows: runs of channels
	{2, 1500, 3},    // few large planes: runs within the planes
	{3, 2053, 1},    // odd planes: runs within the planes
	{5, 1, 8},       // too small to split
	{1 << 17, 1, 1}, // slope gradients of more channels than maxPartials: not split
}

func TestSplitLayoutsReachEveryKind(t *testing.T) {
	withThreshold(t, testThreshold)
	for _, size := range []int{4, 8} {
		for _, sums := range []bool{false, true} {
			seen := map[splitKind]bool{}
			for _, l := range splitLayouts {
				n := l.channels * l.inner * l.outer
				sp := splitOf(n, l.channels, l.inner, size, sums)
				seen[sp.kind] = true
				require.LessOrEqual(t, sp.tasks, maxTasks)
				require.LessOrEqual(t, sp.partials(l.channels, sums), max(maxPartials, maxTasks))
			}
			for _, kind := range []splitKind{splitNone, splitElems, splitRows, splitChannels, splitInner} {
				require.True(t, seen[kind], "size %d, sums %v: no layout splits as %d", size, sums, kind)
			}
		}
	}
}

// TestTasksSumEveryKind: the tasks take the slope gradients only of
// layouts whose single call sums them as they do (tasksSum), so that
// splitLayouts must still reach every kind of split with slope gradients
// the tasks sum, on every ISA, or the parallel sums would go untested.
func TestTasksSumEveryKind(t *testing.T) {
	withThreshold(t, testThreshold)
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, size := range []int{4, 8} {
			seen := map[splitKind]bool{}
			for _, l := range splitLayouts {
				n := l.channels * l.inner * l.outer
				sp := splitOf(n, l.channels, l.inner, size, true)
				if l.channels == 1 || sp.tasks < 2 {
					continue
				}
				if size == 4 && tasksSum[float32](isa, n, l.channels, l.inner) ||
					size == 8 && tasksSum[float64](isa, n, l.channels, l.inner) {
					seen[sp.kind] = true
				}
			}
			for _, kind := range []splitKind{splitRows, splitChannels, splitInner} {
				require.True(t, seen[kind], "size %d: no layout whose tasks sum splits as %d", size, kind)
			}
		}
	})
}

// TestSplitThresholdHoldsWithLargeCaches: however late a machine's
// kernels start to stream, a call at the threshold is still cut.
func TestSplitThresholdHoldsWithLargeCaches(t *testing.T) {
	streamFrom(t, 1<<30)
	for _, size := range []int{4, 8} {
		n := defaultParallelBytes / size
		require.GreaterOrEqual(t, splitOf(n, 1, 1, size, true).tasks, 2)
		require.GreaterOrEqual(t, splitOf(n, 64, n/64, size, true).tasks, 2)
	}
}

// TestSplitCoversEveryElementOnce runs every task of every test layout
// with a recording call and checks that the tasks cover each element and
// each channel's partial sums exactly once.
func TestSplitCoversEveryElementOnce(t *testing.T) {
	withThreshold(t, testThreshold)
	for _, l := range splitLayouts {
		n := l.channels * l.inner * l.outer
		sp := splitOf(n, l.channels, l.inner, 4, false)
		if sp.tasks < 2 {
			continue
		}
		// Forward on x = element index with slope -1 writes -index where
		// a task covered the element (x <= 0 takes the slope: use -i-1).
		x, dst := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(-i - 1)
		}
		alpha := make([]float32, l.channels)
		for c := range alpha {
			alpha[c] = float32(c + 2)
		}
		c := call[float32]{isa: isaGeneric, op: opForward, out: dst, x: x, alpha: alpha, inner: l.inner, sp: sp}
		if l.channels == 1 {
			c.alpha, c.a = nil, 2
		}
		for k := range sp.tasks {
			c.task(k, nil)
		}
		for i := range dst {
			want := float32(-i-1) * alpha[(i/l.inner)%l.channels]
			require.Equal(t, want, dst[i], "%+v split %+v: element %d", l, sp, i)
		}
	}
}

// TestWorkersGiveIdenticalResults: every exported operation gives the same
// bits with 1, 2, 3, 4 and 7 workers, on every ISA, in float32 and
// float64, for every kind of split; outputs match the reference and slope
// gradients its bound.
func TestWorkersGiveIdenticalResults(t *testing.T) {
	withThreshold(t, testThreshold)
	t.Run("float32", func(t *testing.T) { testWorkersGiveIdenticalResults[float32](t, splitLayouts, true, 2, 3, 4, 7) })
	t.Run("float64", func(t *testing.T) { testWorkersGiveIdenticalResults[float64](t, splitLayouts, true, 2, 3, 4, 7) })
}

// TestWorkersAtTheRealThreshold does the same around the threshold
// itself: one element below it (not split), at it, and above it. The
// slope gradients' bound is checked at testThreshold, on the same code.
func TestWorkersAtTheRealThreshold(t *testing.T) {
	if raceEnabled {
		t.Skip("millions of elements through the race detector's instrumentation: the same code runs at testThreshold in TestWorkersGiveIdenticalResults")
	}
	for _, size := range []int{4, 8} {
		at := defaultParallelBytes / size
		layouts := []splitLayout{{1, 1, at - 1}, {1, 1, at}, {8, at / 8 / 4, 4}, {64, 49, at/64/49 + 1}}
		if size == 4 {
			t.Run("float32", func(t *testing.T) { testWorkersGiveIdenticalResults[float32](t, layouts, false, 2) })
		} else {
			t.Run("float64", func(t *testing.T) { testWorkersGiveIdenticalResults[float64](t, layouts, false, 2) })
		}
	}
}

// results are one operation's outputs: out (dst or dx) and the slope
// gradients (dalpha, or Backward's return value as dalpha[0]).
type results[T Float] struct{ out, dalpha []T }

// testWorkersGiveIdenticalResults checks every operation on each layout
// with one worker against the reference (slope gradients against the
// exact sums only if exact: they cost far more than the kernels), and with
// each of workers against one worker, bit for bit.
func testWorkersGiveIdenticalResults[T Float](t *testing.T, layouts []splitLayout, exact bool, workers ...int) {
	rng := rand.New(rand.NewPCG(41, 42))
	type data struct {
		l                   splitLayout
		x, dy, alpha, start []T
		sums                []sumCheck // per channel, from start
		shared              sumCheck
	}
	cases := make([]data, len(layouts))
	for li, l := range layouts {
		n := l.channels * l.inner * l.outer
		d := data{l: l, x: make([]T, n), dy: make([]T, n), alpha: make([]T, l.channels), start: make([]T, l.channels)}
		fill := fillFinite[T]
		if li%3 == 2 {
			fill = fillSpecial[T]
		}
		fill(rng, d.x)
		fill(rng, d.dy)
		sl := slopes[T]()
		for c := range d.alpha {
			d.alpha[c] = sl[rng.IntN(len(sl))]
			d.start[c] = T(rng.NormFloat64())
		}
		if exact {
			d.sums = channelSums(d.dy, d.x, l.channels, l.inner, d.start)
			d.shared = exactSum(d.dy, d.x, 0)
		}
		cases[li] = d
	}
	defer SetWorkers(SetWorkers(1))
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, d := range cases {
			l, x, dy, alpha, start, n := d.l, d.x, d.dy, d.alpha, d.start, len(d.x)
			// The same output slices for every run: with non-temporal
			// stores the kernels align their output, so a sum depends on
			// its address (not on the workers).
			outBuf, dalphaBuf := make([]T, n), make([]T, len(start))
			out := func() []T { clear(outBuf); return outBuf }
			sums := func() []T { copy(dalphaBuf, start); return dalphaBuf }
			ops := map[string]func() results[T]{
				"Forward": func() results[T] {
					forward(isa, out(), x, alpha[0])
					return results[T]{out: outBuf}
				},
				"ForwardChannels": func() results[T] {
					forwardChannels(isa, out(), x, alpha, l.inner)
					return results[T]{out: outBuf}
				},
				"Backward": func() results[T] {
					s := backward(isa, out(), dy, x, alpha[0])
					return results[T]{outBuf, []T{s}}
				},
				"Backward/dx nil": func() results[T] {
					return results[T]{dalpha: []T{backward(isa, nil, dy, x, alpha[0])}}
				},
				"Layer dx only": func() results[T] {
					backwardDx(isa, out(), dy, x, alpha[0])
					return results[T]{out: outBuf}
				},
				"BackwardChannels": func() results[T] {
					backwardChannels(isa, out(), sums(), dy, x, alpha, l.inner)
					return results[T]{outBuf, dalphaBuf}
				},
				"BackwardChannels/dalpha nil": func() results[T] {
					backwardChannels(isa, out(), nil, dy, x, alpha, l.inner)
					return results[T]{out: outBuf}
				},
				"BackwardChannels/dx nil": func() results[T] {
					backwardChannels(isa, nil, sums(), dy, x, alpha, l.inner)
					return results[T]{dalpha: dalphaBuf}
				},
			}
			for name, run := range ops {
				what := fmt.Sprintf("%s %T %+v", name, alpha[0], l)
				SetWorkers(1)
				want := run()
				want = results[T]{slices.Clone(want.out), slices.Clone(want.dalpha)}
				checkAgainstReference(t, what, name, want, x, dy, alpha, l.inner, d.sums, d.shared)
				for _, w := range workers {
					SetWorkers(w)
					got := run()
					requireSameBits(t, want.out, got.out, fmt.Sprintf("%s, %d workers: out", what, w))
					requireSameBits(t, want.dalpha, got.dalpha, fmt.Sprintf("%s, %d workers: dalpha", what, w))
				}
			}
		}
	})
}

// requireSameBits fails unless the slices are identical bit for bit, NaN
// payloads included: the same kernels ran on the same elements.
func requireSameBits[T Float](t *testing.T, want, got []T, what string) {
	t.Helper()
	require.Equal(t, len(want), len(got), what)
	for i := range want {
		if bitsOf(want[i]) != bitsOf(got[i]) {
			t.Fatalf("%s: element %d is %#x, with 1 worker %#x", what, i, bitsOf(got[i]), bitsOf(want[i]))
		}
	}
}

// channelSums returns each channel's exact slope gradient plus start[c].
func channelSums[T Float](dy, x []T, channels, inner int, start []T) []sumCheck {
	chDy, chX := make([][]T, channels), make([][]T, channels)
	for i := range x {
		c := (i / inner) % channels
		chDy[c], chX[c] = append(chDy[c], dy[i]), append(chX[c], x[i])
	}
	sums := make([]sumCheck, channels)
	for c := range sums {
		sums[c] = exactSum(chDy[c], chX[c], float64(start[c]))
	}
	return sums
}

// checkAgainstReference checks one operation's results against the
// definition: outputs bit for bit, slope gradients within the bound.
func checkAgainstReference[T Float](t *testing.T, what, name string, r results[T], x, dy, alpha []T, inner int, sums []sumCheck, shared sumCheck) {
	t.Helper()
	perChannel := strings.HasSuffix(name, "Channels") || strings.Contains(name, "Channels/")
	slope := func(i int) T {
		if perChannel {
			return alpha[(i/inner)%len(alpha)]
		}
		return alpha[0]
	}
	if r.out != nil {
		for i := range r.out {
			want := dxOracle(dy[i], x[i], slope(i))
			if strings.HasPrefix(name, "Forward") {
				want = oracle(x[i], slope(i))
			}
			if !sameBits(want, r.out[i]) {
				t.Fatalf("%s: element %d is %v, want %v", what, i, r.out[i], want)
			}
		}
	}
	switch {
	case r.dalpha == nil || sums == nil:
	case perChannel:
		for c, d := range r.dalpha {
			require.NoError(t, sums[c].check(float64(d), isFloat32[T]()), "%s: dalpha[%d]", what, c)
		}
	default:
		require.NoError(t, shared.check(float64(r.dalpha[0]), isFloat32[T]()), "%s: dalpha", what)
	}
}

// TestLargeSlicesAreNotOnTheStack checks what the parallel path relies on
// (see parallelBytes): the compiler puts no variable of maxStackVar bytes
// or more on a goroutine stack, so slices of parallelBytes are on the
// heap, where they do not move while workers use them. A compiler that
// raised its limit would fail here.
func TestLargeSlicesAreNotOnTheStack(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates; allocations are counted in the normal build")
	}
	require.Equal(t, 1.0, testing.AllocsPerRun(5, func() {
		var b [maxStackVar + 1]byte
		keep(b[:])
	}), "a variable of more than maxStackVar bytes stays on the stack")
	require.Equal(t, 1.0, testing.AllocsPerRun(5, func() {
		var b [defaultParallelBytes / 4]float32
		Forward(b[:], b[:], 0.5)
	}), "a variable of parallelBytes stays on the stack")
	// And below the limit, stack buffers stay on the stack: the exported
	// functions do not make their arguments escape.
	require.Zero(t, testing.AllocsPerRun(5, func() {
		var b [maxStackVar/4 - 64]float32
		Forward(b[:], b[:], 0.5)
	}))
}

//go:noinline
func keep(b []byte) { b[0]++ }

// TestParallelAllocatesNothing: split calls take pooled jobs and idle
// helpers; after the first call nothing is allocated.
func TestParallelAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates; allocations are counted in the normal build")
	}
	withThreshold(t, testThreshold)
	withWorkers(t, 2)
	x, out := make([]float32, 20000), make([]float32, 20000)
	alpha, dalpha := make([]float32, 10), make([]float32, 10)
	calls := map[string]func(){
		"Forward":          func() { Forward(out, x, 0.5) },
		"ForwardChannels":  func() { ForwardChannels(out, x, alpha, 1) },
		"Backward":         func() { Backward(out, x, x, 0.5) },
		"BackwardChannels": func() { BackwardChannels(out, dalpha, x, x, alpha, 1) },
		"planes":           func() { BackwardChannels(out, dalpha[:2], x, x, alpha[:2], 10000) },
	}
	for name, call := range calls {
		call()
		require.Zerof(t, testing.AllocsPerRun(50, call), "%s allocates", name)
	}
}

// TestHelpersDoNotLeak: helpers start on demand, never exceed the
// workers, and exit when the number is lowered.
func TestHelpersDoNotLeak(t *testing.T) {
	withThreshold(t, testThreshold)
	withWorkers(t, 1)
	waitGoroutines := func(want int) int {
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return runtime.NumGoroutine()
	}
	// Helpers of earlier tests have been told to stop; let them exit.
	base := runtime.NumGoroutine()
	for quiet := 0; quiet < 50; quiet++ {
		time.Sleep(time.Millisecond)
		if n := runtime.NumGoroutine(); n != base {
			base, quiet = n, 0
		}
	}
	x, out := make([]float32, 50000), make([]float32, 50000)
	Forward(out, x, 0.5)
	require.Equal(t, base, runtime.NumGoroutine(), "one worker started goroutines")

	SetWorkers(4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			out := make([]float32, len(x))
			for range 50 {
				Forward(out, x, 0.5)
				Backward(out, x, x, 0.5)
			}
		})
	}
	wg.Wait()
	require.LessOrEqual(t, waitGoroutines(base+3), base+3, "more helpers than workers-1")

	SetWorkers(1)
	require.Equal(t, base, waitGoroutines(base), "helpers outlived SetWorkers(1)")
}

// TestConcurrentLargeCalls: several goroutines making split calls at once
// all finish, with the results of one worker.
func TestConcurrentLargeCalls(t *testing.T) {
	withThreshold(t, testThreshold)
	withWorkers(t, 1)
	const callers, n, channels = 6, 30000, 6
	rng := rand.New(rand.NewPCG(43, 44))
	x, dy := make([]float64, n), make([]float64, n)
	fillFinite(rng, x)
	fillFinite(rng, dy)
	alpha := []float64{0.1, -0.2, 0.3, 0, 2, 0.25}
	wantDx, wantD := make([]float64, n), make([]float64, channels)
	BackwardChannels(wantDx, wantD, dy, x, alpha, 100)
	wantShared := Backward(nil, dy, x, 0.3)

	SetWorkers(3)
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for w := range callers {
		wg.Go(func() {
			dx := make([]float64, n)
			for range 30 {
				d := make([]float64, channels)
				BackwardChannels(dx, d, dy, x, alpha, 100)
				if fmt.Sprint(d) != fmt.Sprint(wantD) || fmt.Sprint(dx[:50]) != fmt.Sprint(wantDx[:50]) {
					errs[w] = fmt.Errorf("caller %d: dalpha %v, want %v", w, d, wantD)
					return
				}
				if s := Backward(nil, dy, x, 0.3); s != wantShared {
					errs[w] = fmt.Errorf("caller %d: Backward %v, want %v", w, s, wantShared)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}

// TestMisuseOfLargeCallsPanicsInTheCaller: the checks run before any task,
// in the caller's goroutine (a panic in a helper would kill the process),
// and leave the output untouched.
func TestMisuseOfLargeCallsPanicsInTheCaller(t *testing.T) {
	withThreshold(t, testThreshold)
	withWorkers(t, 4)
	x, out := make([]float32, 20000), make([]float32, 19999)
	for i := range x {
		x[i] = -1
	}
	require.PanicsWithValue(t, "prelu: len(dst) = 19999, want len(x) = 20000", func() { Forward(out, x, 0.5) })
	require.PanicsWithValue(t, "prelu: len(x) = 20000 is not a multiple of len(alpha)*inner = 3*1",
		func() { ForwardChannels(x, x, []float32{1, 2, 3}, 1) })
	for _, v := range out {
		require.Zero(t, v)
	}
}

func TestSetWorkers(t *testing.T) {
	withWorkers(t, 3)
	require.Equal(t, 3, SetWorkers(0))
	require.Equal(t, 1, Workers(), "n <= 1 means one worker")
	require.Equal(t, 1, SetWorkers(-5))
	require.Equal(t, 1, SetWorkers(5))
	require.Equal(t, 5, Workers())

	procs := runtime.GOMAXPROCS(0)
	require.Equal(t, procs, defaultWorkers(""))
	require.Equal(t, procs, defaultWorkers("junk"))
	require.Equal(t, 1, defaultWorkers("1"))
	require.Equal(t, 1, defaultWorkers("0"))
	require.Equal(t, min(procs, 2), defaultWorkers(" 2 "))
	require.Equal(t, procs, defaultWorkers("100000"), "PRELU_WORKERS caps GOMAXPROCS, it does not raise it")
}
