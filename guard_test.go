//go:build linux

package prelu

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// guarded is one page of memory with an inaccessible page directly before
// and after it: a kernel that reads or writes one byte outside its slice
// kills the test with a fault.
type guarded struct {
	mapping, page []byte
}

func newGuarded(t *testing.T) *guarded {
	ps := os.Getpagesize()
	m, err := unix.Mmap(-1, 0, 3*ps, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	g := &guarded{mapping: m, page: m[ps : 2*ps]}
	if err := unix.Mprotect(g.page, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(m) })
	return g
}

// at returns n elements that start right after the preceding guard page
// (atEnd false) or end right at the following one (atEnd true), filled
// with random values.
func guardedSlice[T Float](g *guarded, n int, atEnd bool, rng *rand.Rand) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	start := 0
	if atEnd {
		start = len(g.page) - n*size
	}
	s := unsafe.Slice((*T)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(g.page)), start)), n)
	for i := range s {
		s[i] = T(rng.NormFloat64())
	}
	return s
}

func TestGuardPages(t *testing.T) {
	t.Run("f32", testGuardPages[float32])
	t.Run("f64", testGuardPages[float64])
}

func testGuardPages[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	regions := map[string]*guarded{}
	for _, name := range []string{"out", "dy", "x", "alpha", "dalpha"} {
		regions[name] = newGuarded(t)
	}
	forEachISA(t, func(t *testing.T, isa isaID) {
		for _, threshold := range streamingThresholds {
			if threshold < 0 {
				guardPagesOnce[T](t, isa, regions, rng)
			} else {
				withStreaming(threshold, func() { guardPagesOnce[T](t, isa, regions, rng) })
			}
		}
	})
}

// guardPagesOnce runs every kernel for every length up to five of the
// widest vectors (16 float32) plus one.
func guardPagesOnce[T Float](t *testing.T, isa isaID, regions map[string]*guarded, rng *rand.Rand) {
	const maxLen = 5*16 + 1
	// Past them, a page's worth and a little less: planes and rows long
	// enough to stream (2 KiB and more), ending at the guard aligned and
	// not.
	page := len(regions["x"].page) / int(unsafe.Sizeof(T(0)))
	for n := 0; n <= page; n++ {
		if n == maxLen+1 {
			n = page - 3
		}
		for _, atEnd := range []bool{false, true} {
			at := func(role string, n int) []T { return guardedSlice[T](regions[role], n, atEnd, rng) }
			what := fmt.Sprintf("n=%d atEnd=%v", n, atEnd)
			x, dy, out := at("x", n), at("dy", n), at("out", n)
			want := make([]T, n)
			forward(isaGeneric, want, x, 0.25)
			forward(isa, out, x, 0.25)
			requireSameSlice(t, want, out, what)
			backward(isa, out, dy, x, 0.25)
			backward(isa, nil, dy, x, 0.25)
			for _, l := range guardLayouts(n) {
				alpha, dalpha := at("alpha", l[0]), at("dalpha", l[0])
				forwardChannels(isa, out, x, alpha, l[1])
				backwardChannels(isa, out, dalpha, dy, x, alpha, l[1])
				backwardChannels(isa, out, nil, dy, x, alpha, l[1])
				backwardChannels(isa, nil, dalpha, dy, x, alpha, l[1])
			}
		}
	}
}

// guardLayouts are the (channels, inner) layouts of n elements tested at
// the guard pages: channel-last with C = n (the slopes read as a pattern
// that ends at the guard), one plane of n, and small C and planes.
func guardLayouts(n int) [][2]int {
	if n == 0 {
		return [][2]int{{1, 1}, {3, 5}}
	}
	ls := [][2]int{{n, 1}, {1, n}}
	for _, c := range []int{2, 3, 5, 9, 16} { // 9 and 16: several rows of at least a vector
		if n%c == 0 {
			ls = append(ls, [2]int{c, 1}, [2]int{c, n / c})
		}
	}
	if n%7 == 0 {
		ls = append(ls, [2]int{1, 7})
	}
	return ls
}
