package prelu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Benchmarks are named for benchstat: Benchmark<Op>/<type>/isa=<isa>/.../n=<n>.
// SetBytes counts the bytes each call moves (8 per float32 element forward:
// one read, one write; 12 backward), so that MB/s compares directly with
// BenchmarkCopy of the same n, which moves 8 bytes per float32 element.

var benchSizes = []int{16, 256, 4 << 10, 64 << 10, 1 << 20, 16 << 20}

// randomData has random signs, so that the generic code pays for its
// branch mispredictions as it would on real activations.
func randomData[T Float](n int) []T {
	rng := rand.New(rand.NewPCG(uint64(n), 99))
	s := make([]T, n)
	for i := range s {
		s[i] = T(rng.NormFloat64())
	}
	return s
}

// output allocates an output slice and writes it once, so that page faults
// of fresh memory are not timed.
func output[T Float](n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func sizeOfT[T Float]() int64 {
	if isFloat32[T]() {
		return 4
	}
	return 8
}

// eachISA runs a sub-benchmark per supported ISA.
func eachISA(b *testing.B, body func(b *testing.B, isa isaID)) {
	for _, isa := range supported {
		b.Run("isa="+isa.String(), func(b *testing.B) { body(b, isa) })
	}
}

func BenchmarkCopy(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, dst := randomData[float32](n), output[float32](n)
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				copy(dst, x)
			}
		})
	}
}

func BenchmarkForward(b *testing.B) {
	b.Run("f32", benchForward[float32])
	b.Run("f64", benchForward[float64])
}

func benchForward[T Float](b *testing.B) {
	eachISA(b, func(b *testing.B, isa isaID) {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
				x, dst := randomData[T](n), output[T](n)
				b.SetBytes(2 * sizeOfT[T]() * int64(n))
				for b.Loop() {
					forward(isa, dst, x, 0.25)
				}
			})
		}
	})
}

func BenchmarkForwardInPlace(b *testing.B) {
	eachISA(b, func(b *testing.B, isa isaID) {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
				x := randomData[float32](n)
				b.SetBytes(8 * int64(n))
				for b.Loop() {
					forward(isa, x, x, 1) // slope 1 keeps the data as it is
				}
			})
		}
	})
}

// channelLayouts are the layouts of the channel benchmarks: NCHW with 64
// channels of several plane sizes, and channel-last with several C.
var channelLayouts = []struct {
	name            string
	channels, inner int
}{
	{"nchw-c=64-inner=3136", 64, 3136}, {"nchw-c=64-inner=49", 64, 49}, {"nchw-c=64-inner=7", 64, 7},
	{"nhwc-c=3", 3, 1}, {"nhwc-c=24", 24, 1}, {"nhwc-c=40", 40, 1}, {"nhwc-c=64", 64, 1}, {"nhwc-c=100", 100, 1},
}

// layoutSizes rounds n down to whole [C][inner] blocks.
func layoutSize(n, channels, inner int) int {
	return max(1, n/(channels*inner)) * channels * inner
}

func BenchmarkForwardChannels(b *testing.B) {
	b.Run("f32", benchForwardChannels[float32])
	b.Run("f64", benchForwardChannels[float64])
}

func benchForwardChannels[T Float](b *testing.B) {
	eachISA(b, func(b *testing.B, isa isaID) {
		for _, l := range channelLayouts {
			for _, n := range []int{64 << 10, 1 << 20, 16 << 20} {
				n := layoutSize(n, l.channels, l.inner)
				b.Run(fmt.Sprintf("%s/n=%d", l.name, n), func(b *testing.B) {
					x, dst, alpha := randomData[T](n), output[T](n), randomData[T](l.channels)
					b.SetBytes(2 * sizeOfT[T]() * int64(n))
					for b.Loop() {
						forwardChannels(isa, dst, x, alpha, l.inner)
					}
				})
			}
		}
	})
}

func BenchmarkBackward(b *testing.B) {
	b.Run("f32", benchBackward[float32])
	b.Run("f64", benchBackward[float64])
}

func benchBackward[T Float](b *testing.B) {
	eachISA(b, func(b *testing.B, isa isaID) {
		for _, variant := range []string{"full", "dalpha-only"} {
			for _, n := range benchSizes {
				b.Run(fmt.Sprintf("%s/n=%d", variant, n), func(b *testing.B) {
					dy, x := randomData[T](n), randomData[T](n + 1)[1:]
					var dx []T
					bytes := 2 * sizeOfT[T]() * int64(n)
					if variant == "full" {
						dx = output[T](n)
						bytes += sizeOfT[T]() * int64(n)
					}
					b.SetBytes(bytes)
					for b.Loop() {
						backward(isa, dx, dy, x, 0.25)
					}
				})
			}
		}
	})
}

// BenchmarkBackwardChannels covers the three variants of the fused kernel
// and, for comparison, the two-pass way peers use: a dx pass, then a
// separate reduction over dy and x, built from this library's own kernels.
func BenchmarkBackwardChannels(b *testing.B) {
	b.Run("f32", benchBackwardChannels[float32])
	b.Run("f64", benchBackwardChannels[float64])
}

func benchBackwardChannels[T Float](b *testing.B) {
	eachISA(b, func(b *testing.B, isa isaID) {
		for _, l := range channelLayouts {
			for _, n := range []int{64 << 10, 1 << 20, 16 << 20} {
				n := layoutSize(n, l.channels, l.inner)
				for _, variant := range []string{"full", "dx-only", "dalpha-only", "two-pass"} {
					b.Run(fmt.Sprintf("%s/%s/n=%d", l.name, variant, n), func(b *testing.B) {
						dy, x, alpha := randomData[T](n), randomData[T](n + 1)[1:], randomData[T](l.channels)
						dx, dalpha := output[T](n), output[T](l.channels)
						size := sizeOfT[T]() * int64(n)
						// Bytes of the fused call, so that MB/s compare across variants.
						b.SetBytes(map[string]int64{"full": 3 * size, "dx-only": 3 * size, "dalpha-only": 2 * size, "two-pass": 3 * size}[variant])
						for b.Loop() {
							switch variant {
							case "full":
								backwardChannels(isa, dx, dalpha, dy, x, alpha, l.inner)
							case "dx-only":
								backwardChannels(isa, dx, nil, dy, x, alpha, l.inner)
							case "dalpha-only":
								backwardChannels(isa, nil, dalpha, dy, x, alpha, l.inner)
							case "two-pass":
								backwardChannels(isa, dx, nil, dy, x, alpha, l.inner)
								backwardChannels(isa, nil, dalpha, dy, x, alpha, l.inner)
							}
						}
					})
				}
			}
		}
	})
}

// The shape suite of issue 12: BenchmarkNetworks runs the PReLU layers of
// real networks at batch 1, BenchmarkShapes a sweep beyond them, each
// operation beside copy() of the same n. cmd/prelubench -suite networks and
// -suite shapes measure the same table (cmd/prelubench/shapes.go), through
// the exported API; its TestShapesMatchBenchmarks fails when the copies of
// the declarations below differ.
//
// The names read, for benchstat:
//
//	BenchmarkNetworks/f32/net=iresnet/shape=64x112x112/op=forward/isa=avx2
//	BenchmarkNetworks/f32/net=iresnet/shape=64x112x112/op=copy
//	BenchmarkShapes/f32/layout=channel-last/shape=4x17/op=backward/isa=avx2

// suiteShape is one PReLU layer: a group (the network, or the layout of the
// sweep), the layout of its dimensions, and the dimensions.
type suiteShape struct {
	net    string
	layout string // "nchw": [N] C H W; "nhwc": H W C; "nc": N C; "shared": n, one slope
	dims   []int
	f64    bool // also measured in float64
}

// name is the dimensions joined by "x", as in the benchmark names.
func (s suiteShape) name() string {
	parts := make([]string, len(s.dims))
	for i, d := range s.dims {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

// n is the number of elements.
func (s suiteShape) n() int {
	n := 1
	for _, d := range s.dims {
		n *= d
	}
	return n
}

// channels and inner are the layout as ForwardChannels takes it; channels 0
// is a shared slope (Forward and Backward).
func (s suiteShape) channels() (channels, inner int) {
	d := s.dims
	switch s.layout {
	case "nchw":
		return d[len(d)-3], d[len(d)-2] * d[len(d)-1]
	case "nhwc", "nc":
		return d[len(d)-1], 1
	}
	return 0, 1
}

// networkShapes are the PReLU layers of real networks at batch 1.
var networkShapes = []suiteShape{
	// ArcFace iresnet, NCHW (C x H x W).
	{"iresnet", "nchw", []int{64, 112, 112}, false},
	{"iresnet", "nchw", []int{64, 56, 56}, false},
	{"iresnet", "nchw", []int{128, 56, 56}, false},
	{"iresnet", "nchw", []int{128, 28, 28}, false},
	{"iresnet", "nchw", []int{256, 28, 28}, false},
	{"iresnet", "nchw", []int{256, 14, 14}, false},
	{"iresnet", "nchw", []int{512, 14, 14}, false},
	{"iresnet", "nchw", []int{512, 7, 7}, true},
	// MobileFaceNet-style, channel-last (H x W x C).
	{"mobilefacenet", "nhwc", []int{56, 56, 64}, false},
	{"mobilefacenet", "nhwc", []int{28, 28, 128}, false},
	{"mobilefacenet", "nhwc", []int{14, 14, 256}, false},
	{"mobilefacenet", "nhwc", []int{7, 7, 512}, true},
	// MTCNN, NCHW (C x H x W): PNet, RNet, ONet.
	{"mtcnn", "nchw", []int{10, 10, 10}, false},
	{"mtcnn", "nchw", []int{16, 3, 3}, false},
	{"mtcnn", "nchw", []int{32, 1, 1}, false},
	{"mtcnn", "nchw", []int{28, 22, 22}, false},
	{"mtcnn", "nchw", []int{48, 9, 9}, false},
	{"mtcnn", "nchw", []int{64, 3, 3}, false},
	{"mtcnn", "nchw", []int{32, 46, 46}, false},
	{"mtcnn", "nchw", []int{64, 21, 21}, false},
	{"mtcnn", "nchw", []int{64, 8, 8}, false},
	{"mtcnn", "nchw", []int{128, 3, 3}, true},
	// Fully connected rows (N x C, channel-last), batch 1, 4 and 32.
	{"fc", "nc", []int{1, 10}, false},
	{"fc", "nc", []int{1, 64}, false},
	{"fc", "nc", []int{1, 128}, true},
	{"fc", "nc", []int{1, 256}, false},
	{"fc", "nc", []int{1, 512}, false},
	{"fc", "nc", []int{4, 10}, false},
	{"fc", "nc", []int{4, 64}, true},
	{"fc", "nc", []int{4, 128}, false},
	{"fc", "nc", []int{4, 256}, false},
	{"fc", "nc", []int{4, 512}, false},
	{"fc", "nc", []int{32, 10}, true},
	{"fc", "nc", []int{32, 64}, false},
	{"fc", "nc", []int{32, 128}, false},
	{"fc", "nc", []int{32, 256}, false},
	{"fc", "nc", []int{32, 512}, false},
	// One slope shared by every element.
	{"shared", "shared", []int{16}, true},
	{"shared", "shared", []int{64}, false},
	{"shared", "shared", []int{256}, false},
	{"shared", "shared", []int{1000}, false},
	{"shared", "shared", []int{4096}, true},
}

// sweepShapes go beyond the sample: odd channel counts channel-last, and
// small planes NCHW, with N > 1.
func sweepShapes() []suiteShape {
	var s []suiteShape
	for _, c := range []int{2, 3, 10, 17, 24, 100, 1000} {
		for _, n := range []int{1, 4, 32} {
			s = append(s, suiteShape{"channel-last", "nc", []int{n, c}, false})
		}
	}
	for _, hw := range []int{1, 2, 3, 5, 7} {
		for _, c := range []int{16, 64, 512} {
			for _, n := range []int{1, 4} {
				s = append(s, suiteShape{"nchw", "nchw", []int{n, c, hw, hw}, false})
			}
		}
	}
	return s
}

// networkOps and sweepOps are the operations of each suite; copy() runs
// beside them as op=copy.
var (
	networkOps = []string{"forward", "backward", "dx-only", "dalpha-only"}
	sweepOps   = []string{"forward", "backward"}
)

func BenchmarkNetworks(b *testing.B) {
	var f64 []suiteShape
	for _, s := range networkShapes {
		if s.f64 {
			f64 = append(f64, s)
		}
	}
	b.Run("f32", func(b *testing.B) { benchSuite[float32](b, "net", networkShapes, networkOps) })
	b.Run("f64", func(b *testing.B) { benchSuite[float64](b, "net", f64, networkOps) })
}

func BenchmarkShapes(b *testing.B) {
	b.Run("f32", func(b *testing.B) { benchSuite[float32](b, "layout", sweepShapes(), sweepOps) })
}

// benchSuite runs every shape: copy() of its n, then each op on each ISA.
// group is the key of the shape's group in the names ("net" or "layout").
func benchSuite[T Float](b *testing.B, group string, shapes []suiteShape, ops []string) {
	for _, s := range shapes {
		b.Run(fmt.Sprintf("%s=%s/shape=%s", group, s.net, s.name()), func(b *testing.B) {
			n := s.n()
			b.Run("op=copy", func(b *testing.B) {
				x, dst := randomData[T](n), output[T](n)
				b.SetBytes(2 * sizeOfT[T]() * int64(n))
				for b.Loop() {
					copy(dst, x)
				}
			})
			for _, op := range ops {
				b.Run("op="+op, func(b *testing.B) {
					eachISA(b, func(b *testing.B, isa isaID) { benchSuiteOp[T](b, isa, s, op) })
				})
			}
		})
	}
}

// benchSuiteOp times one op on one shape. The bytes are those of the
// fused call: 2 elements forward and dalpha-only, 3 backward and dx-only.
// A shared slope's dx-only runs BackwardChannels with one slope, the
// exported way to freeze a shared slope.
func benchSuiteOp[T Float](b *testing.B, isa isaID, s suiteShape, op string) {
	n := s.n()
	channels, inner := s.channels()
	x, dy := randomData[T](n), randomData[T](n + 1)[:n] // another seed, same alignment
	dst, dalpha := output[T](n), output[T](max(channels, 1))
	alpha := randomData[T](max(channels, 1))
	elems := map[string]int64{"forward": 2, "backward": 3, "dx-only": 3, "dalpha-only": 2}[op]
	b.SetBytes(elems * sizeOfT[T]() * int64(n))
	shared := channels == 0
	switch {
	case op == "forward" && shared:
		for b.Loop() {
			forward(isa, dst, x, 0.25)
		}
	case op == "forward":
		for b.Loop() {
			forwardChannels(isa, dst, x, alpha, inner)
		}
	case op == "backward" && shared:
		for b.Loop() {
			backward(isa, dst, dy, x, 0.25)
		}
	case op == "backward":
		for b.Loop() {
			backwardChannels(isa, dst, dalpha, dy, x, alpha, inner)
		}
	case op == "dx-only":
		for b.Loop() {
			backwardChannels(isa, dst, nil, dy, x, alpha, inner)
		}
	case op == "dalpha-only" && shared:
		for b.Loop() {
			backward(isa, nil, dy, x, 0.25)
		}
	case op == "dalpha-only":
		for b.Loop() {
			backwardChannels(isa, nil, dalpha, dy, x, alpha, inner)
		}
	default:
		b.Fatalf("unknown op %q", op)
	}
}

// BenchmarkWorkers measures large float32 calls with one worker and with
// GOMAXPROCS (at least 2), beside copy() of the same n by one goroutine and
// by as many goroutines on equal parts: the speed-up the memory path
// allows. cut=none is one kernel call (the threshold out of reach), as
// every call below the threshold runs; cut=forced lowers the threshold to
// n itself, so that calls below it are cut as at the threshold: against
// cut=none it shows where splitting starts to pay.
func BenchmarkWorkers(b *testing.B) {
	procs := max(runtime.GOMAXPROCS(0), 2)
	for _, n := range []int{256 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20, 16 << 20, 64 << 20} {
		x, dy, out := randomData[float32](n), randomData[float32](n), output[float32](n)
		for _, w := range []int{1, procs} {
			b.Run(fmt.Sprintf("op=copy/n=%d/cut=none/workers=%d", n, w), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					copyParts(out, x, w)
				}
			})
		}
		channels := min(64, max(n/4096, 1))
		alpha, dalpha := randomData[float32](channels), make([]float32, channels)
		ops := []struct {
			name  string
			bytes int
			run   func()
		}{
			{"forward/layout=shared", 8, func() { Forward(out, x, 0.25) }},
			{"backward/layout=shared", 12, func() { Backward(out, dy, x, 0.25) }},
			{"forward/layout=nchw", 8, func() { ForwardChannels(out, x, alpha, 4096) }},
			{"backward/layout=nchw", 12, func() { BackwardChannels(out, dalpha, dy, x, alpha, 4096) }},
		}
		cut := "forced"
		if 4*n >= defaultParallelBytes {
			cut = "default"
		}
		for _, op := range ops {
			for _, v := range []struct {
				cut     string
				workers int
			}{{"none", 1}, {cut, 1}, {cut, procs}} {
				b.Run(fmt.Sprintf("op=%s/n=%d/cut=%s/workers=%d", op.name, n, v.cut, v.workers), func(b *testing.B) {
					withWorkers(b, v.workers)
					switch v.cut {
					case "none":
						withParallelBytes(b, math.MaxInt)
					case "forced":
						withParallelBytes(b, 4*n)
					}
					b.SetBytes(int64(op.bytes * n))
					for b.Loop() {
						op.run()
					}
				})
			}
		}
	}
}

// copyParts copies src to dst in parts equal parts, one per goroutine (the
// caller's included).
func copyParts(dst, src []float32, parts int) {
	var wg sync.WaitGroup
	step := (len(src) + parts - 1) / parts
	for lo := step; lo < len(src); lo += step {
		hi := min(lo+step, len(src))
		wg.Go(func() { copy(dst[lo:hi], src[lo:hi]) })
	}
	copy(dst[:step], src[:step])
	wg.Wait()
}

// BenchmarkCallers runs the same large calls from several goroutines at
// once and one after another: callers that share the workers must finish
// no later together than in turn.
func BenchmarkCallers(b *testing.B) {
	const n, callers = 16 << 20, 4
	x, dy := randomData[float32](n), randomData[float32](n)
	outs := make([][]float32, callers)
	for i := range outs {
		outs[i] = output[float32](n)
	}
	alpha := randomData[float32](64)
	call := func(i int) {
		d := make([]float32, 64)
		BackwardChannels(outs[i], d, dy, x, alpha, 4096)
	}
	b.Run("mode=sequential", func(b *testing.B) {
		b.SetBytes(12 * n * callers)
		for b.Loop() {
			for i := range callers {
				call(i)
			}
		}
	})
	b.Run("mode=concurrent", func(b *testing.B) {
		b.SetBytes(12 * n * callers)
		for b.Loop() {
			var wg sync.WaitGroup
			for i := range callers {
				wg.Go(func() { call(i) })
			}
			wg.Wait()
		}
	})
}
