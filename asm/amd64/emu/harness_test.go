package emu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/prelu-go/prelu/asm/spec"
)

// accPad is the room past len(acc) that the kernels may add zeros to (the
// library's accPad, channels.go): acc slices are given with this much
// capacity beyond their length, and the test checks it is left as it was.
const accPad = 16

// kcase is one call of one kernel.
type kcase struct {
	k        spec.Kernel
	isa      string
	vecBytes int
	n        int     // len(x)
	inner    int     // Planes, Ring
	channels int     // len(alpha), len(pattern), len(acc) or len(dalpha)
	alias    string  // "x" or "dy": the output is that very slice; "" disjoint
	slope    float64 // the shared slope
	stream   int     // the value of ·streamThreshold
	offs     [6]int  // each slice's offset in elements from a 64-byte boundary
	finite   bool    // finite data whose products and sums stay finite, else special values
	seed     uint64
	// short makes the region of x this many elements shorter than the
	// length the kernel is given: any such call must fault.
	short int
}

func (c kcase) String() string {
	s := fmt.Sprintf("%s n=%d", c.k.Name(c.isa), c.n)
	if c.k.Layout == spec.Planes || c.k.Layout == spec.Ring || c.k.Layout == spec.Rows || c.k.Layout == spec.SmallPlanes {
		s += fmt.Sprintf(" channels=%d inner=%d", c.channels, c.inner)
	}
	if c.k.Layout == spec.Pattern {
		s += fmt.Sprintf(" pattern=%d", c.channels)
	}
	if c.k.Layout == spec.Shared && c.k.Dx {
		s += fmt.Sprintf(" slope=%v", c.slope)
	}
	if c.alias != "" {
		s += " out=" + c.alias
	}
	s += fmt.Sprintf(" streamThreshold=%d offs=%v finite=%v seed=%d", c.stream, c.offs, c.finite, c.seed)
	if c.short > 0 {
		s += fmt.Sprintf(" short=%d", c.short)
	}
	return s
}

// world is the Go-side data of a call.
type world[E float] struct {
	x, dy, out, alpha, pattern, dalpha []E
	acc                                []float64 // channels + accPad
	slope                              E
}

func (w *world[E]) clone(alias string) *world[E] {
	c := &world[E]{
		x: cloneS(w.x), dy: cloneS(w.dy), alpha: cloneS(w.alpha), pattern: cloneS(w.pattern),
		dalpha: cloneS(w.dalpha), acc: cloneS(w.acc), slope: w.slope,
	}
	switch alias {
	case "x":
		c.out = c.x
	case "dy":
		c.out = c.dy
	default:
		c.out = cloneS(w.out)
	}
	return c
}

func cloneS[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// newWorld draws the data of a case.
func newWorld[E float](c kcase) *world[E] {
	rng := rand.New(rand.NewPCG(c.seed, 0x9e3779b97f4a7c15))
	k := c.k
	fill := func(s []E) {
		if c.finite {
			fillFinite(rng, s)
		} else {
			fillSpecial(rng, s)
		}
	}
	w := &world[E]{slope: E(c.slope)}
	w.x = make([]E, c.n)
	fill(w.x)
	if k.HasValue() {
		w.dy = make([]E, c.n)
		fill(w.dy)
	}
	slopeSet := slopes[E]()
	drawSlopes := func(n int) []E {
		s := make([]E, n)
		for i := range s {
			if rng.IntN(2) == 0 {
				s[i] = slopeSet[rng.IntN(len(slopeSet))]
			} else {
				s[i] = E(rng.NormFloat64())
			}
			if c.finite && (s[i] != s[i] || math.IsInf(float64(s[i]), 0)) {
				s[i] = 0.5
			}
		}
		return s
	}
	if k.Dx {
		switch c.alias {
		case "x":
			w.out = w.x
		case "dy":
			w.out = w.dy
		default:
			// Garbage, so that an element the kernel fails to write shows.
			w.out = make([]E, c.n)
			for i := range w.out {
				w.out[i] = E(rng.NormFloat64() * 1e6)
			}
		}
		switch k.Layout {
		case spec.Planes, spec.Ring, spec.Rows, spec.SmallPlanes:
			w.alpha = drawSlopes(c.channels)
		case spec.Pattern:
			w.pattern = drawSlopes(c.channels)
		}
	}
	if k.Dalpha {
		switch k.Layout {
		case spec.Planes, spec.Pattern:
			w.acc = make([]float64, c.channels+accPad)
			for i := range w.acc {
				if i < c.channels && rng.IntN(3) == 0 {
					w.acc[i] = 0
				} else {
					w.acc[i] = rng.NormFloat64()
				}
				if i >= c.channels && w.acc[i] == 0 {
					w.acc[i] = 1
				}
			}
		case spec.Ring, spec.Rows, spec.SmallPlanes:
			w.dalpha = make([]E, c.channels)
			for i := range w.dalpha {
				w.dalpha[i] = E(rng.NormFloat64())
			}
		}
	}
	return w
}

// reference runs the pure-Go kernel on w and returns the shared kernels'
// sum.
func reference[E float](c kcase, w *world[E]) float64 {
	k, inner := c.k, c.inner
	acc := w.acc
	if acc != nil {
		acc = acc[:c.channels]
	}
	switch k.Kind + string(k.Layout) + k.Suffix {
	case "forward":
		forwardGeneric(w.out, w.x, w.slope)
	case "forwardPlanes":
		forwardPlanesGeneric(w.out, w.x, w.alpha, inner)
	case "forwardPattern":
		forwardPatternGeneric(w.out, w.x, w.pattern)
	case "forwardRing":
		forwardRingGeneric(w.out, w.x, w.alpha, inner)
	case "backward":
		return backwardGeneric(w.out, w.dy, w.x, w.slope)
	case "backwardPlanes":
		backwardPlanesGeneric(w.out, w.dy, w.x, w.alpha, acc, inner)
	case "backwardPattern":
		backwardPatternGeneric(w.out, w.dy, w.x, w.pattern, acc)
	case "backwardRing":
		backwardRingGeneric(w.out, w.dy, w.x, w.alpha, w.dalpha, inner)
	case "backwardDx":
		backwardDxGeneric(w.out, w.dy, w.x, w.slope)
	case "backwardPlanesDx":
		backwardPlanesDxGeneric(w.out, w.dy, w.x, w.alpha, inner)
	case "backwardPatternDx":
		backwardPatternDxGeneric(w.out, w.dy, w.x, w.pattern)
	case "backwardRingDx":
		backwardRingDxGeneric(w.out, w.dy, w.x, w.alpha, inner)
	case "backwardDalpha":
		return backwardDalphaGeneric(w.dy, w.x)
	case "backwardPlanesDalpha":
		backwardPlanesDalphaGeneric(w.dy, w.x, acc, inner)
	case "backwardPatternDalpha":
		backwardPatternDalphaGeneric(w.dy, w.x, acc)
	case "backwardRingDalpha":
		backwardRingDalphaGeneric(w.dy, w.x, w.dalpha, inner)
	// The SmallPlanes kernels have the Ring kernels' slopes and sums.
	case "forwardSmallPlanes":
		forwardRingGeneric(w.out, w.x, w.alpha, inner)
	case "backwardSmallPlanes":
		backwardRingGeneric(w.out, w.dy, w.x, w.alpha, w.dalpha, inner)
	case "backwardSmallPlanesDx":
		backwardRingDxGeneric(w.out, w.dy, w.x, w.alpha, inner)
	case "backwardSmallPlanesDalpha":
		backwardRingDalphaGeneric(w.dy, w.x, w.dalpha, inner)
	case "backwardRows":
		backwardRingGeneric(w.out, w.dy, w.x, w.alpha, w.dalpha, 1)
	case "backwardRowsDalpha":
		backwardRingDalphaGeneric(w.dy, w.x, w.dalpha, 1)
	default:
		panic("no reference for " + k.Base())
	}
	return 0
}

func elemBytes[E float](s []E) []byte {
	var b []byte
	for _, v := range s {
		if isFloat32[E]() {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
		} else {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(v)))
		}
	}
	return b
}

func bytesElems[E float](b []byte) []E {
	var out []E
	if isFloat32[E]() {
		for i := 0; i+4 <= len(b); i += 4 {
			out = append(out, E(math.Float32frombits(binary.LittleEndian.Uint32(b[i:]))))
		}
	} else {
		for i := 0; i+8 <= len(b); i += 8 {
			out = append(out, E(math.Float64frombits(binary.LittleEndian.Uint64(b[i:]))))
		}
	}
	return out
}

func f64Bytes(s []float64) []byte {
	var b []byte
	for _, v := range s {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func bytesF64(b []byte) []float64 {
	var out []float64
	for i := 0; i+8 <= len(b); i += 8 {
		out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
	}
	return out
}

// Addresses of the emulated memory. Regions are far apart, so that a stray
// access cannot land in a neighbor.
const (
	argBase   = 0x0100_0000
	stackBase = 0x0200_0000
	dataBase  = 0x0300_0000
	sliceBase = 0x1000_0000
	sliceStep = 0x0010_0000
)

// options of a run, for the tests that break things on purpose.
type runOpts struct {
	// strictFrame makes a read of a frame byte that the kernel has not
	// written an error (the frame is garbage on entry).
	strictFrame bool
	ops         map[string]int
}

// emulate runs c on fn (a kernel of the file, or a mutated copy) and
// compares the results with the reference; it returns the first
// discrepancy or fault.
func emulate[E float](c kcase, f *File, fn *Func, o runOpts) error {
	w := newWorld[E](c)
	want := w.clone(c.alias)
	wantSum := reference(c, want)
	_ = wantSum // the sums are checked against the exact sum, not the reference's order

	size := c.k.Size
	mem := NewMemory()
	fr := layout(c.k)
	args := make([]byte, fr.size)
	// Each slice parameter gets its own region, unless it is the output
	// aliasing an input.
	regionOf := map[string]*Region{}
	slot := 0
	place := func(name string, b []byte, writable bool, off int) (*Region, error) {
		r := &Region{Name: name, Base: uint64(sliceBase + slot*sliceStep + off), Bytes: b, Writable: writable}
		slot++
		return r, mem.Map(r)
	}
	outName := c.k.Out()
	params := c.k.Params()
	// Inputs first, so that an aliased output can reuse its input's region.
	for pass := 0; pass < 2; pass++ {
		for i, p := range params {
			if p.Kind != "slice" && p.Kind != "acc" {
				continue
			}
			isOut := p.Name == outName
			if isOut != (pass == 1) {
				continue
			}
			var b []byte
			var n int
			writable := false
			switch p.Name {
			case "x":
				b, n = elemBytes(w.x), len(w.x)
				writable = c.alias == "x"
				if c.short > 0 {
					b = b[:(n-c.short)*size]
				}
			case "dy":
				b, n = elemBytes(w.dy), len(w.dy)
				writable = c.alias == "dy"
			case "alpha":
				b, n = elemBytes(w.alpha), len(w.alpha)
			case "pattern":
				b, n = elemBytes(w.pattern), len(w.pattern)
			case "dalpha":
				b, n, writable = elemBytes(w.dalpha), len(w.dalpha), true
			case "acc":
				b, n, writable = f64Bytes(w.acc), c.channels, true
			case outName:
				n = len(w.out)
				if c.alias != "" {
					regionOf[p.Name] = regionOf[c.alias]
					break
				}
				b, writable = elemBytes(w.out), true
			}
			r := regionOf[p.Name]
			if r == nil {
				var err error
				if r, err = place(p.Name, b, writable, c.offs[i%len(c.offs)]*size); err != nil {
					return err
				}
				regionOf[p.Name] = r
			}
			capacity := n
			if p.Kind == "acc" {
				capacity = n + accPad
			}
			off := fr.offs[i]
			binary.LittleEndian.PutUint64(args[off:], r.Base)
			binary.LittleEndian.PutUint64(args[off+8:], uint64(n))
			binary.LittleEndian.PutUint64(args[off+16:], uint64(capacity))
		}
	}
	for i, p := range params {
		off := fr.offs[i]
		switch p.Kind {
		case "scalar":
			if size == 4 {
				binary.LittleEndian.PutUint32(args[off:], math.Float32bits(float32(w.slope)))
			} else {
				binary.LittleEndian.PutUint64(args[off:], math.Float64bits(float64(w.slope)))
			}
		case "int":
			binary.LittleEndian.PutUint64(args[off:], uint64(c.inner))
		}
	}
	if fr.ret >= 0 {
		// Garbage where the result goes.
		binary.LittleEndian.PutUint64(args[fr.ret:], math.Float64bits(12345.678))
	}
	argRegion := &Region{Name: "args", Base: argBase, Bytes: args, Writable: true}
	if err := mem.Map(argRegion); err != nil {
		return err
	}
	stack := &Region{Name: "frame", Base: stackBase, Bytes: make([]byte, fn.Frame), Writable: true}
	for i := range stack.Bytes {
		stack.Bytes[i] = 0xff // a NaN of either width, and -1
	}
	if o.strictFrame {
		stack.Written = make([]bool, fn.Frame)
	}
	if err := mem.Map(stack); err != nil {
		return err
	}
	addr := uint64(dataBase)
	for _, name := range sortedKeys(f.Data) {
		if _, err := mem.MapSymbol(name, addr, cloneS(f.Data[name].Bytes), false); err != nil {
			return err
		}
		addr += uint64(len(f.Data[name].Bytes)+4095) / 4096 * 4096
	}
	thr := make([]byte, 8)
	binary.LittleEndian.PutUint64(thr, uint64(c.stream))
	if _, err := mem.MapSymbol("streamThreshold", addr, thr, false); err != nil {
		return err
	}

	// A generous bound on the instructions of a call (a few per element,
	// the ring's expansion, the set-up), so that a kernel that loops
	// forever fails in milliseconds.
	m := &Machine{Mem: mem, Ops: o.ops, MaxSteps: 200_000 + 100*(c.n+c.channels*c.inner)}
	if err := m.Call(fn, argBase, stackBase); err != nil {
		return fmt.Errorf("%v: %w", c, err)
	}

	// Compare.
	if c.k.Dx {
		got := bytesElems[E](regionOf[outName].Bytes)
		if err := sameSlice(want.out, got); err != nil {
			return fmt.Errorf("%v: %s: %v", c, outName, err)
		}
	}
	if c.alias == "" {
		// Inputs are read-only regions; nothing to check.
		_ = 0
	}
	isF32 := size == 4
	switch {
	case c.k.Returns():
		got := math.Float64frombits(binary.LittleEndian.Uint64(args[fr.ret:]))
		if err := exactSum(w.dy, w.x, 0).check(got, false); err != nil {
			return fmt.Errorf("%v: returned sum: %v", c, err)
		}
	case c.k.Dalpha && (c.k.Layout == spec.Planes || c.k.Layout == spec.Pattern):
		got := bytesF64(regionOf["acc"].Bytes)
		for ch := 0; ch < c.channels; ch++ {
			dy, x := termsOf(c, w.dy, w.x, ch)
			if err := exactSum(dy, x, w.acc[ch]).check(got[ch], false); err != nil {
				return fmt.Errorf("%v: acc[%d]: %v", c, ch, err)
			}
		}
		for i := c.channels; i < len(got); i++ {
			if math.Float64bits(got[i]) != math.Float64bits(w.acc[i]) {
				return fmt.Errorf("%v: acc[%d], in the padding past len(acc), changed from %v to %v", c, i, w.acc[i], got[i])
			}
		}
	case c.k.Dalpha && (c.k.Layout == spec.Ring || c.k.Layout == spec.Rows || c.k.Layout == spec.SmallPlanes):
		got := bytesElems[E](regionOf["dalpha"].Bytes)
		for ch := 0; ch < c.channels; ch++ {
			dy, x := termsOf(c, w.dy, w.x, ch)
			if err := exactSum(dy, x, float64(w.dalpha[ch])).check(float64(got[ch]), isF32); err != nil {
				return fmt.Errorf("%v: dalpha[%d]: %v", c, ch, err)
			}
		}
	}
	return nil
}

// termsOf gathers the elements whose slope gradient goes to channel ch.
func termsOf[E float](c kcase, dy, x []E, ch int) ([]E, []E) {
	var tdy, tx []E
	for i := range x {
		var owner int
		switch c.k.Layout {
		case spec.Pattern:
			owner = i % c.channels
		default:
			owner = (i / c.inner) % c.channels
		}
		if owner == ch {
			tdy, tx = append(tdy, dy[i]), append(tx, x[i])
		}
	}
	return tdy, tx
}

// sameSlice fails on the first element that is not bit-identical; any NaN
// matches any NaN.
func sameSlice[E float](want, got []E) error {
	if len(want) != len(got) {
		return fmt.Errorf("len %d, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameBits(want[i], got[i]) {
			return fmt.Errorf("element %d of %d is %v (%#x), want %v (%#x)", i, len(want), got[i], bitsOf(got[i]), want[i], bitsOf(want[i]))
		}
	}
	return nil
}

func sameBits[E float](a, b E) bool {
	if a != a && b != b {
		return true
	}
	return bitsOf(a) == bitsOf(b)
}

func bitsOf[E float](v E) uint64 {
	if isFloat32[E]() {
		return uint64(math.Float32bits(float32(v)))
	}
	return math.Float64bits(float64(v))
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// run dispatches on the element type.
func run(c kcase, f *File, fn *Func, o runOpts) error {
	if c.k.Size == 4 {
		return emulate[float32](c, f, fn, o)
	}
	return emulate[float64](c, f, fn, o)
}
