package prelu

import (
	"fmt"
	"math/rand/v2"
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
			for _, n := range []int{64 << 10, 1 << 20} {
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
