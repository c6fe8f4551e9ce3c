package main

import (
	"strconv"
	"strings"
)

// The shape suite of issue 12. The same declarations (suiteShape, its
// methods, networkShapes and sweepShapes) are in the root package's
// bench_test.go for BenchmarkNetworks and BenchmarkShapes: cmd is a module
// of its own and sees only the exported API, so the table is written twice,
// and TestShapesMatchBenchmarks (shapes_test.go) fails when the two differ.

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
