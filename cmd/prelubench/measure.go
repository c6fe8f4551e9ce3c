package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/prelu-go/prelu"
)

// operation is one measured call, set up for n elements of type T.
type operation struct {
	channels, inner int // the layout; channels 0: shared slope
	bytesPerElem    int // moved per element, in units of the element size
	loop32          func(b *buffers[float32], k int)
	loop64          func(b *buffers[float64], k int)
}

// buffers are an operation's data.
type buffers[T prelu.Float] struct {
	x, dy, out, alpha, dalpha []T
	inner                     int
}

var operations = map[string]operation{
	"forward":          {bytesPerElem: 2, loop32: forward[float32], loop64: forward[float64]},
	"forward-nchw":     {channels: 64, inner: 3136, bytesPerElem: 2, loop32: forwardChannels[float32], loop64: forwardChannels[float64]},
	"forward-nhwc":     {channels: 64, inner: 1, bytesPerElem: 2, loop32: forwardChannels[float32], loop64: forwardChannels[float64]},
	"forward-nhwc-c24": {channels: 24, inner: 1, bytesPerElem: 2, loop32: forwardChannels[float32], loop64: forwardChannels[float64]},
	"backward":         {bytesPerElem: 3, loop32: backward[float32], loop64: backward[float64]},
	"backward-nchw":    {channels: 64, inner: 3136, bytesPerElem: 3, loop32: backwardChannels[float32], loop64: backwardChannels[float64]},
	"backward-nhwc":    {channels: 64, inner: 1, bytesPerElem: 3, loop32: backwardChannels[float32], loop64: backwardChannels[float64]},
}

func opNames() []string {
	var names []string
	for n := range operations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// The operations call the library k times in a loop of their own, as
// copy() is timed, so that small n do not time an indirect call per call.

func forward[T prelu.Float](b *buffers[T], k int) {
	for range k {
		prelu.Forward(b.out, b.x, 0.25)
	}
}

func backward[T prelu.Float](b *buffers[T], k int) {
	for range k {
		prelu.Backward(b.out, b.dy, b.x, 0.25)
	}
}

func forwardChannels[T prelu.Float](b *buffers[T], k int) {
	for range k {
		prelu.ForwardChannels(b.out, b.x, b.alpha, b.inner)
	}
}

func backwardChannels[T prelu.Float](b *buffers[T], k int) {
	for range k {
		prelu.BackwardChannels(b.out, b.dalpha, b.dy, b.x, b.alpha, b.inner)
	}
}

func newBuffers[T prelu.Float](n, channels, inner int) *buffers[T] {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	fill := func(n int) []T {
		s := make([]T, n)
		for i := range s {
			s[i] = T(rng.NormFloat64()) // random signs: no branch is predictable
		}
		return s
	}
	return &buffers[T]{x: fill(n), dy: fill(n), out: fill(n), alpha: fill(max(channels, 1)), dalpha: fill(max(channels, 1)), inner: inner}
}

// result is one measured point.
type result struct {
	Op        string  `json:"op"`
	Type      string  `json:"type"`
	ISA       string  `json:"isa"`     // or "copy"
	Workers   int     `json:"workers"` // prelu.Workers()
	N         int     `json:"n"`
	NsPerOp   float64 `json:"ns_per_op"`
	NsPerElem float64 `json:"ns_per_elem"`
	GBps      float64 `json:"gb_per_s"`
	CopyGBps  float64 `json:"copy_gb_per_s"`
	Ratio     float64 `json:"ratio_to_copy"` // GB/s over copy's GB/s of the same n
}

// measureOp measures op at every size for copy() and every ISA, the copy of
// each size in the same rounds as the kernels.
func measureOp(c config, op string) []result {
	o := operations[op]
	var results []result
	seen := map[int]bool{}
	for _, n := range c.sizes {
		if o.channels > 0 {
			block := o.channels * o.inner
			n = max(1, n/block) * block
		}
		if seen[n] {
			continue // sizes that round to the same whole layouts
		}
		seen[n] = true
		size := map[string]int{"f32": 4, "f64": 8}[c.elem]
		var runs map[string]timed
		if c.elem == "f32" {
			runs = setup(o, o.loop32, n, c.isas)
		} else {
			runs = setup(o, o.loop64, n, c.isas)
		}
		progress("measuring %s n=%d", op, n)
		times := timeInterleaved(runs, c.perPoint)
		copyGBps := float64(2*size*n) / times["copy"]
		for _, isa := range append([]string{"copy"}, c.isas...) {
			bytes := float64(o.bytesPerElem * size * n)
			if isa == "copy" {
				bytes = float64(2 * size * n)
			}
			gbps := bytes / times[isa]
			results = append(results, result{Op: op, Type: c.elem, ISA: isa, Workers: prelu.Workers(), N: n, NsPerOp: times[isa],
				NsPerElem: times[isa] / float64(n), GBps: gbps, CopyGBps: copyGBps, Ratio: gbps / copyGBps})
		}
	}
	progress("")
	return results
}

// timed is a loop of k calls to time, and what to do before each batch.
type timed struct {
	before func()
	loop   func(k int)
}

// copyLoop times copy() of n elements.
func copyLoop[T prelu.Float](n int) timed {
	src, dst := make([]T, n), make([]T, n)
	for i := range src {
		src[i] = T(i%7) - 3
	}
	copy(dst, src) // touch the pages before timing
	return timed{func() {}, func(k int) {
		for range k {
			copy(dst, src)
		}
	}}
}

// onISA is a loop run with isa selected.
func onISA(isa string, loop func(k int)) timed {
	return timed{
		before: func() {
			if err := prelu.SetISA(isa); err != nil {
				fatalf("%v", err)
			}
		},
		loop: loop,
	}
}

// setup makes the calls to time: copy() of n elements, and op on each ISA.
func setup[T prelu.Float](o operation, loop func(*buffers[T], int), n int, isas []string) map[string]timed {
	b := newBuffers[T](n, o.channels, o.inner)
	runs := map[string]timed{"copy": copyLoop[T](n)}
	for _, isa := range isas {
		runs[isa] = onISA(isa, func(k int) { loop(b, k) })
	}
	return runs
}

// timeInterleaved returns ns per call of each function: it calibrates a
// batch size, then times batches in rounds that visit every function in
// turn (in a new random order each round), so that a noisy moment hits
// them all, and takes medians.
func timeInterleaved(runs map[string]timed, seconds float64) map[string]float64 {
	// Batches of about 3 ms (7 to 25 rounds): short enough that most escape
	// a preemption on a busy machine, and the median ignores those that don't.
	rounds := min(25, max(7, int(seconds/0.003)))
	// Calibrate on 2 ms, or less for a very short -time (tests).
	enough := min(2*time.Millisecond, time.Duration(seconds*1e9/20))
	batch := map[string]int{}
	for name, t := range runs {
		t.before()
		k := 1
		for {
			start := time.Now()
			t.loop(k)
			if d := time.Since(start); d > enough || k > 1<<24 {
				per := float64(d) / float64(k)
				batch[name] = max(1, int(seconds*1e9/float64(rounds)/per))
				break
			}
			k *= 4
		}
	}
	samples := map[string][]float64{}
	for range rounds {
		for name, t := range runs {
			t.before()
			k := batch[name]
			start := time.Now()
			t.loop(k)
			samples[name] = append(samples[name], float64(time.Since(start))/float64(k))
		}
	}
	med := map[string]float64{}
	for name, s := range samples {
		slices.Sort(s)
		med[name] = s[len(s)/2]
	}
	return med
}

// progress shows what is being measured on a terminal's stderr, each
// message replacing the last; elsewhere it prints nothing but the messages'
// lines, so logs stay readable.
func progress(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if f, ok := progressTo.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(f, "\r%-60s\r%s", "", msg)
	} else if msg != "" {
		fmt.Fprintln(progressTo, msg)
	}
}

// progressTo is where progress writes: the command's stderr.
var progressTo io.Writer = os.Stderr

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
