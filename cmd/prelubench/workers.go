package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/prelu-go/prelu"
)

// The workers suite (-suite workers): how much faster large calls get on
// N goroutines (prelu.SetWorkers) than on one, beside the machine's own
// ceiling for the same bytes: copy() of the same n split over N goroutines
// against copy() on one. All of a size's loops are timed in the same
// rounds (timeInterleaved), so a noisy moment hits them alike.

// workersSizes are the float32 element counts of the workers suite; tests
// replace them with tiny ones.
var workersSizes = []int{1 << 18, 1 << 20, 1 << 22, 1 << 24, 1 << 26}

// workersOps are the workers suite's calls, in table order.
var workersOps = []string{"forward", "backward", "forward-nchw", "backward-nchw"}

// The NCHW calls' layout: 64 channels of 64x64 planes, batch
// n/(64*4096); a smaller n has fewer channels (n/4096) and, below one
// plane, one channel of n.
const (
	workersChannels = 64
	workersInner    = 64 * 64
)

// workersLayout is the NCHW layout of n elements.
func workersLayout(n int) (channels, inner int) {
	inner = min(workersInner, n)
	return max(1, min(workersChannels, n/inner)), inner
}

// workersResult is one op (or copy()) at one n, on 1 and on N workers,
// beside copy() on 1 and on N goroutines, all measured in the same rounds.
type workersResult struct {
	Op       string  `json:"op"` // or "copy"
	Type     string  `json:"type"`
	ISA      string  `json:"isa"`
	N        int     `json:"n"`
	Channels int     `json:"channels"` // 0: one shared slope
	Inner    int     `json:"inner"`
	Workers  int     `json:"workers"` // N, the -workers flag
	Ns1      float64 `json:"ns_per_op_1"`
	GBps1    float64 `json:"gb_per_s_1"`
	NsN      float64 `json:"ns_per_op_n,omitempty"` // N > 1 only, as the rest
	GBpsN    float64 `json:"gb_per_s_n,omitempty"`
	SpeedUp  float64 `json:"speed_up,omitempty"` // Ns1 / NsN
	Ceiling  float64 `json:"ceiling,omitempty"`  // copy() on 1 goroutine over copy() on N, in time
	Reached  float64 `json:"of_ceiling,omitempty"`
	Marked   bool    `json:"marked,omitempty"` // "!": see workersMarked
}

// workersMarked is whether a row gets "!": N workers slower than 1 by
// over 5%, or from n = 16M a speed-up under 85% of the ceiling's.
func workersMarked(r workersResult) bool {
	if r.Workers < 2 || r.Op == "copy" {
		return false
	}
	return r.NsN > 1.05*r.Ns1 || r.N >= 1<<24 && r.SpeedUp < 0.85*r.Ceiling
}

// runWorkersSuite measures the workers suite on the ISA chosen at start,
// prints its table and writes its plot (N > 1).
func runWorkersSuite(c config, info io.Writer) (suiteJSON, error) {
	out := suiteJSON{Suite: "workers"}
	rs := measureWorkers(c.isa, c.workers, c.perPoint)
	out.Workers = rs
	printWorkers(info, c.isa, c.workers, rs)
	switch {
	case c.out == "":
	case c.workers < 2:
		fmt.Fprintf(info, "no plot: -workers 1 has no speed-up to draw\n\n")
	default:
		path, err := plotWorkers(c, rs)
		if err != nil {
			return out, fmt.Errorf("plot: %v", err)
		}
		out.Plots = append(out.Plots, path)
		fmt.Fprintf(info, "plot: %s\n\n", path)
	}
	return out, nil
}

// measureWorkers measures every size in turn, each on buffers of its own
// that the garbage collector takes back before the next (64M backward
// needs about 1 GB). It leaves the library on workers workers.
func measureWorkers(isa string, workers int, seconds float64) []workersResult {
	defer prelu.SetWorkers(workers)
	var rs []workersResult
	for _, n := range workersSizes {
		progress("measuring workers f32 n=%s", fmtCount(n))
		rs = append(rs, measureWorkersSize(isa, n, workers, seconds)...)
		runtime.GC() // this size's buffers are garbage now
	}
	progress("")
	return rs
}

// workersBytes is how many bytes a float32 call of op moves per element.
func workersBytes(op string) int {
	if strings.HasPrefix(op, "backward") {
		return 12
	}
	return 8 // forward, copy
}

// measureWorkersSize times, for one n, each op on 1 and on workers
// workers and copy() on 1 and on workers goroutines (loops named
// "<op>/<workers>"; copy() shares the ops' x and output).
func measureWorkersSize(isa string, n, workers int, seconds float64) []workersResult {
	channels, inner := workersLayout(n)
	n = n / (channels * inner) * (channels * inner)
	b := newBuffers[float32](n, channels, inner) // every page written: none faults while timed
	counts := []int{1}
	if workers > 1 {
		counts = append(counts, workers)
	}
	runs := map[string]timed{}
	for _, w := range counts {
		for _, op := range workersOps {
			runs[fmt.Sprintf("%s/%d", op, w)] = warmed(onWorkers(isa, w, workersLoop(op, channels, b)))
		}
		runs[fmt.Sprintf("copy/%d", w)] = warmed(timed{func() {}, copyParts(b.out, b.x, w)})
	}
	times := timeInterleaved(runs, seconds)

	var rs []workersResult
	ceiling := 0.0
	if workers > 1 {
		ceiling = times["copy/1"] / times[fmt.Sprintf("copy/%d", workers)]
	}
	for _, op := range append([]string{"copy"}, workersOps...) {
		r := workersResult{Op: op, Type: "f32", ISA: isa, N: n, Inner: 1, Workers: workers}
		if strings.HasSuffix(op, "-nchw") {
			r.Channels, r.Inner = channels, inner
		}
		bytes := float64(workersBytes(op) * n)
		r.Ns1 = times[op+"/1"]
		r.GBps1 = bytes / r.Ns1
		if workers > 1 {
			r.NsN = times[fmt.Sprintf("%s/%d", op, workers)]
			r.GBpsN = bytes / r.NsN
			r.SpeedUp = r.Ns1 / r.NsN
			r.Ceiling = ceiling
			r.Reached = r.SpeedUp / ceiling
		}
		r.Marked = workersMarked(r)
		rs = append(rs, r)
	}
	return rs
}

// workersLoop is op of the workers suite called k times: the shared-slope
// calls, or "-nchw" with channels slopes.
func workersLoop(op string, channels int, b *buffers[float32]) func(k int) {
	if base, ok := strings.CutSuffix(op, "-nchw"); ok {
		return suiteLoop(base, channels, b)
	}
	return suiteLoop(op, 0, b)
}

// onWorkers is a loop run on isa with the library on workers workers.
func onWorkers(isa string, workers int, loop func(k int)) timed {
	t := onISA(isa, loop)
	return timed{
		before: func() {
			t.before()
			prelu.SetWorkers(workers)
		},
		loop: loop,
	}
}

// warmed makes one untimed call of t after t.before: a change of the
// worker count stops or starts the library's helper goroutines, and a
// call that finds none idle runs alone, so a batch of one large call would
// otherwise time one worker. It also leaves every loop's batch after a
// call of its own, whatever ran before.
func warmed(t timed) timed {
	return timed{
		before: func() {
			t.before()
			t.loop(1)
		},
		loop: t.loop,
	}
}

// copyParts is copy(dst, src) k times, each cut into parts slices (whole
// cache lines) copied at once: by the calling goroutine and parts-1 others
// started for that copy.
func copyParts(dst, src []float32, parts int) func(k int) {
	const line = 16 // float32 per 64-byte line
	bounds := make([]int, parts+1)
	for i := range parts {
		bounds[i] = i * len(src) / parts &^ (line - 1)
	}
	bounds[parts] = len(src)
	return func(k int) {
		for range k {
			var wg sync.WaitGroup
			for i := 1; i < parts; i++ {
				lo, hi := bounds[i], bounds[i+1]
				wg.Go(func() { copy(dst[lo:hi], src[lo:hi]) })
			}
			copy(dst[:bounds[1]], src[:bounds[1]])
			wg.Wait()
		}
	}
}

// fmtCount formats an element count in K (1024) or M (1<<20) when exact.
func fmtCount(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprint(n)
}
