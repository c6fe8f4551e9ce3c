package prelu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The fuzz targets decode their bytes into a call: element type, length,
// slice offsets, layout (valid, or one of the invalid ones that must panic
// with a "prelu: " message), slopes and values, with ±0, NaN, ±Inf,
// subnormals, ±max and values near zero common. Every ISA the CPU supports
// must agree with the generic code: bit for bit for outputs and dx, and
// within the exact-sum bound for slope gradients.

// decoder reads fuzz bytes; when they run out it continues from a PRNG
// seeded by them, so short inputs still make long slices.
type decoder struct {
	data []byte
	rng  *rand.Rand
}

func newDecoder(data []byte) *decoder {
	var seed [8]byte
	copy(seed[:], data)
	return &decoder{data: data, rng: rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:]), uint64(len(data))))}
}

func (d *decoder) byte() byte {
	if len(d.data) == 0 {
		return byte(d.rng.Uint32())
	}
	b := d.data[0]
	d.data = d.data[1:]
	return b
}

func (d *decoder) intn(n int) int {
	return int(uint16(d.byte())|uint16(d.byte())<<8) % n
}

// value draws an element: mostly from a list of hard cases, else raw bits.
func value[T Float](d *decoder) T {
	sel := d.byte()
	sp := specials[T]()
	switch {
	case int(sel) < 2*len(sp):
		return sp[int(sel)%len(sp)]
	case sel < 200:
		return T(float64(int8(d.byte())) / 16) // small values near zero, both signs
	}
	if isFloat32[T]() {
		return T(math.Float32frombits(uint32(d.byte()) | uint32(d.byte())<<8 | uint32(d.byte())<<16 | uint32(d.byte())<<24))
	}
	var b [8]byte
	for i := range b {
		b[i] = d.byte()
	}
	return T(math.Float64frombits(binary.LittleEndian.Uint64(b[:])))
}

func values[T Float](d *decoder, n int) []T {
	s := window[T](n, d.intn(offsets))
	for i := range s {
		s[i] = value[T](d)
	}
	return s
}

// fuzzLayout is a channel layout, possibly invalid.
type fuzzLayout struct {
	channels, inner, outer int
	invalid                string // "" or what is wrong
}

func decodeLayout(d *decoder) fuzzLayout {
	l := fuzzLayout{channels: 1 + d.intn(70), inner: 1 + d.intn(60), outer: d.intn(4)}
	switch d.byte() % 16 {
	case 0:
		l.inner = 1
	case 1:
		l.channels = 1
	case 2:
		l.invalid = "inner"
		l.inner = -d.intn(3)
	case 3:
		l.invalid = "multiple" // len(x) one past a whole layout
		if l.channels*l.inner == 1 {
			l.channels = 2
		}
	}
	return l
}

// len is the number of elements of x: whole layouts, or one past them for
// the "multiple" error.
func (l fuzzLayout) len() int {
	n := l.outer * l.channels * max(l.inner, 1)
	if l.invalid == "multiple" {
		n++
	}
	return n
}

// panicText is what the panic for an invalid layout must say.
func (l fuzzLayout) panicText() string {
	return map[string]string{"inner": "want at least 1", "multiple": "is not a multiple"}[l.invalid]
}

// fuzzTypes runs one target for both element types, the first byte choosing.
func fuzzTypes(f *testing.F, f32 func(*testing.T, *decoder), f64 func(*testing.T, *decoder)) {
	f.Fuzz(func(t *testing.T, data []byte) {
		d := newDecoder(data)
		if d.byte()&1 == 1 {
			f64(t, d)
		} else {
			f32(t, d)
		}
	})
}

func FuzzForward(f *testing.F) {
	f.Add([]byte{0, 16, 0})
	fuzzTypes(f, fuzzForward[float32], fuzzForward[float64])
}

func fuzzForward[T Float](t *testing.T, d *decoder) {
	n := d.intn(300)
	x, alpha, inPlace := values[T](d, n), value[T](d), d.byte()&1 == 1
	want := make([]T, n)
	forward(isaGeneric, want, x, alpha)
	for _, isa := range supported {
		dst := window[T](n, d.intn(offsets))
		if inPlace {
			copy(dst, x)
			forward(isa, dst, dst, alpha)
		} else {
			forward(isa, dst, x, alpha)
		}
		requireSameSlice(t, want, dst, fmt.Sprintf("%v %T n=%d alpha=%v", isa, alpha, n, alpha))
	}
}

func FuzzForwardChannels(f *testing.F) {
	f.Add([]byte{0, 3, 0, 1, 0, 2, 0, 5})
	fuzzTypes(f, fuzzForwardChannels[float32], fuzzForwardChannels[float64])
}

func fuzzForwardChannels[T Float](t *testing.T, d *decoder) {
	l := decodeLayout(d)
	n := l.len()
	x, alpha := values[T](d, n), values[T](d, l.channels)
	what := fmt.Sprintf("%T C=%d inner=%d outer=%d", x, l.channels, l.inner, l.outer)
	if l.invalid != "" {
		for _, isa := range supported {
			dst := window[T](n, 0)
			requirePanic(t, l.panicText(),
				func() { forwardChannels(isa, dst, x, alpha, l.inner) }, what)
			requireSameSlice(t, make([]T, n), dst, what+": written before the panic")
		}
		return
	}
	want := make([]T, n)
	forwardChannels(isaGeneric, want, x, alpha, l.inner)
	for _, isa := range supported {
		dst := window[T](n, d.intn(offsets))
		forwardChannels(isa, dst, x, alpha, l.inner)
		requireSameSlice(t, want, dst, fmt.Sprintf("%v %s", isa, what))
	}
}

func FuzzBackward(f *testing.F) {
	f.Add([]byte{1, 40, 0})
	fuzzTypes(f, fuzzBackward[float32], fuzzBackward[float64])
}

func fuzzBackward[T Float](t *testing.T, d *decoder) {
	n := d.intn(300)
	dy, x, alpha := values[T](d, n), values[T](d, n), value[T](d)
	sum := exactSum(dy, x, 0)
	want := make([]T, n)
	backward(isaGeneric, want, dy, x, alpha)
	for _, isa := range supported {
		what := fmt.Sprintf("%v %T n=%d alpha=%v", isa, alpha, n, alpha)
		dx := window[T](n, d.intn(offsets))
		got := backward(isa, dx, dy, x, alpha)
		requireSameSlice(t, want, dx, what)
		if err := sum.check(float64(got), isFloat32[T]()); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := sum.check(float64(backward(isa, nil, dy, x, alpha)), isFloat32[T]()); err != nil {
			t.Fatalf("%s dx == nil: %v", what, err)
		}
	}
}

func FuzzBackwardChannels(f *testing.F) {
	f.Add([]byte{1, 3, 0, 1, 0, 2, 0, 5})
	fuzzTypes(f, fuzzBackwardChannels[float32], fuzzBackwardChannels[float64])
}

func fuzzBackwardChannels[T Float](t *testing.T, d *decoder) {
	l := decodeLayout(d)
	n := l.len()
	dy, x, alpha, start := values[T](d, n), values[T](d, n), values[T](d, l.channels), make([]T, l.channels)
	for c := range start {
		start[c] = T(float64(int8(d.byte())) / 8) // finite: the sums are checked from it
	}
	variant := d.byte() % 3 // full, dx only, dalpha only
	what := fmt.Sprintf("%T C=%d inner=%d outer=%d variant=%d", x, l.channels, l.inner, l.outer, variant)
	if l.invalid != "" {
		for _, isa := range supported {
			dx, dalpha := window[T](n, 0), append([]T(nil), start...)
			requirePanic(t, l.panicText(),
				func() { backwardChannels(isa, dx, dalpha, dy, x, alpha, l.inner) }, what)
			requireSameSlice(t, make([]T, n), dx, what+": dx written before the panic")
			requireSameSlice(t, start, dalpha, what+": dalpha written before the panic")
		}
		return
	}
	sums := make([]sumCheck, l.channels)
	chDy, chX := make([][]T, l.channels), make([][]T, l.channels)
	for i := range x {
		c := (i / l.inner) % l.channels
		chDy[c], chX[c] = append(chDy[c], dy[i]), append(chX[c], x[i])
	}
	for c := range sums {
		sums[c] = exactSum(chDy[c], chX[c], float64(start[c]))
	}
	want := make([]T, n)
	backwardChannels(isaGeneric, want, nil, dy, x, alpha, l.inner)
	for _, isa := range supported {
		dx, dalpha := window[T](n, d.intn(offsets)), append([]T(nil), start...)
		switch variant {
		case 1:
			dalpha = nil
		case 2:
			dx = nil
		}
		backwardChannels(isa, dx, dalpha, dy, x, alpha, l.inner)
		if dx != nil {
			requireSameSlice(t, want, dx, fmt.Sprintf("%v %s", isa, what))
		}
		for c := range dalpha {
			if err := sums[c].check(float64(dalpha[c]), isFloat32[T]()); err != nil {
				t.Fatalf("%v %s dalpha[%d]: %v", isa, what, c, err)
			}
		}
	}
}

// FuzzWorkers cuts calls at a fuzzed threshold: every ISA must give the
// same bits on one worker and on several, and match the reference.
func FuzzWorkers(f *testing.F) {
	f.Add([]byte{0, 3, 0, 1, 0, 2, 0, 5, 9, 1})
	fuzzTypes(f, fuzzWorkers[float32], fuzzWorkers[float64])
}

func fuzzWorkers[T Float](t *testing.T, d *decoder) {
	l := decodeLayout(d)
	l.invalid, l.inner, l.outer = "", max(l.inner, 1), 1+l.outer*d.intn(8)
	n := l.len()
	withThreshold(t, 64<<d.intn(7)) // 64 B to 4 KiB: tasks of 8 to 512 bytes
	withWorkers(t, 1)
	workers := 2 + d.intn(6)
	dy, x, alpha, start := values[T](d, n), values[T](d, n), values[T](d, l.channels), make([]T, l.channels)
	for c := range start {
		start[c] = T(float64(int8(d.byte())) / 8)
	}
	names := []string{"ForwardChannels", "BackwardChannels", "BackwardChannels/dalpha nil", "BackwardChannels/dx nil", "Backward"}
	name := names[d.intn(len(names))]
	what := fmt.Sprintf("%s %T C=%d inner=%d outer=%d, %d workers", name, x, l.channels, l.inner, l.outer, workers)
	var sums []sumCheck
	var shared sumCheck
	if strings.HasPrefix(name, "Backward") {
		sums, shared = channelSums(dy, x, l.channels, l.inner, start), exactSum(dy, x, 0)
	}
	// The same output slices for every run: with non-temporal stores the
	// kernels align their output, so a sum depends on its address (not on
	// the workers).
	outBuf, dalphaBuf := window[T](n, 1), make([]T, len(start))
	for _, isa := range supported {
		run := func() results[T] {
			out, dalpha := outBuf, dalphaBuf
			clear(out)
			copy(dalpha, start)
			switch name {
			case "ForwardChannels":
				forwardChannels(isa, out, x, alpha, l.inner)
				dalpha = nil
			case "BackwardChannels":
				backwardChannels(isa, out, dalpha, dy, x, alpha, l.inner)
			case "BackwardChannels/dalpha nil":
				backwardChannels(isa, out, nil, dy, x, alpha, l.inner)
				dalpha = nil
			case "BackwardChannels/dx nil":
				backwardChannels(isa, nil, dalpha, dy, x, alpha, l.inner)
				out = nil
			case "Backward":
				dalpha = []T{backward(isa, out, dy, x, alpha[0])}
			}
			return results[T]{slices.Clone(out), slices.Clone(dalpha)}
		}
		SetWorkers(1)
		want := run()
		SetWorkers(workers)
		got := run()
		requireSameBits(t, want.out, got.out, fmt.Sprintf("%v %s: out", isa, what))
		requireSameBits(t, want.dalpha, got.dalpha, fmt.Sprintf("%v %s: dalpha", isa, what))
		checkAgainstReference(t, fmt.Sprintf("%v %s", isa, what), name, want, x, dy, alpha, l.inner, sums, shared)
	}
}

// TestFuzzDecoderCoversLayouts guards the decoder against drift: random
// inputs must reach valid and invalid layouts and every special value.
func TestFuzzDecoderCoversLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	seen := map[string]bool{}
	for range 2000 {
		data := make([]byte, rng.IntN(64))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		d := newDecoder(data)
		l := decodeLayout(d)
		seen["layout:"+l.invalid] = true
		v := value[float32](d)
		seen[fmt.Sprint("nan:", math.IsNaN(float64(v)))] = true
	}
	for _, k := range []string{"layout:", "layout:inner", "layout:multiple", "nan:true", "nan:false"} {
		if !seen[k] {
			t.Errorf("decoder never produced %s (saw %v)", k, strings.Join(keys(seen), " "))
		}
	}
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
