package prelu

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestMisuse: every invalid call panics with its own "prelu: " message
// before writing anything.
func TestMisuse(t *testing.T) {
	buf := make([]float32, 64)
	x, dy := buf[0:12], buf[12:24]
	out := make([]float32, 12)
	alpha, dalpha := []float32{1, 2, 3}, make([]float32, 3)
	cases := []struct {
		name, want string
		call       func(isa isaID)
	}{
		{"Forward short dst", "len(dst) = 11, want len(x) = 12",
			func(isa isaID) { forward(isa, out[:11], x, 0.5) }},
		{"Forward dst overlaps x ahead", "dst and x overlap partially",
			func(isa isaID) { forward(isa, buf[1:13], x, 0.5) }},
		{"Forward dst overlaps x behind", "dst and x overlap partially",
			func(isa isaID) { forward(isa, buf[0:12], buf[1:13], 0.5) }},
		{"ForwardChannels short dst", "len(dst) = 11, want len(x) = 12",
			func(isa isaID) { forwardChannels(isa, out[:11], x, alpha, 1) }},
		{"ForwardChannels dst overlaps x", "dst and x overlap partially",
			func(isa isaID) { forwardChannels(isa, buf[3:15], x, alpha, 1) }},
		{"ForwardChannels dst overlaps alpha", "dst overlaps alpha",
			func(isa isaID) { forwardChannels(isa, buf[24:36], x, buf[30:33], 1) }},
		{"ForwardChannels empty alpha", "alpha is empty",
			func(isa isaID) { forwardChannels(isa, out, x, nil, 1) }},
		{"ForwardChannels inner 0", "inner = 0, want at least 1",
			func(isa isaID) { forwardChannels(isa, out, x, alpha, 0) }},
		{"ForwardChannels negative inner", "inner = -4, want at least 1",
			func(isa isaID) { forwardChannels(isa, out, x, alpha, -4) }},
		{"ForwardChannels not a multiple", "len(x) = 12 is not a multiple of len(alpha)*inner = 3*5",
			func(isa isaID) { forwardChannels(isa, out, x, alpha, 5) }},
		{"ForwardChannels C*inner overflows", fmt.Sprintf("len(x) = 12 is not a multiple of len(alpha)*inner = 3*%d", math.MaxInt/2),
			func(isa isaID) { forwardChannels(isa, out, x, alpha, math.MaxInt/2) }},
		{"ForwardChannels inner beyond len(x)", "len(x) = 12 is not a multiple of len(alpha)*inner = 3*8",
			func(isa isaID) { forwardChannels(isa, out, x, alpha, 8) }},
		{"Backward short dy", "len(dy) = 11, want len(x) = 12",
			func(isa isaID) { backward(isa, out, dy[:11], x, 0.5) }},
		{"Backward short dx", "len(dx) = 13, want len(x) = 12",
			func(isa isaID) { backward(isa, buf[30:43], dy, x, 0.5) }},
		{"Backward dx overlaps dy", "dx and dy overlap partially",
			func(isa isaID) { backward(isa, buf[13:25], dy, x, 0.5) }},
		{"Backward dx overlaps x", "dx and x overlap partially",
			func(isa isaID) { backward(isa, buf[2:14], buf[30:42], x, 0.5) }},
		{"BackwardChannels short dalpha", "len(dalpha) = 2, want len(alpha) = 3",
			func(isa isaID) { backwardChannels(isa, out, dalpha[:2], dy, x, alpha, 1) }},
		{"BackwardChannels dx overlaps alpha", "dx overlaps alpha",
			func(isa isaID) { backwardChannels(isa, buf[40:52], dalpha, dy, x, buf[50:53], 1) }},
		{"BackwardChannels dx overlaps dalpha", "dx overlaps dalpha",
			func(isa isaID) { backwardChannels(isa, buf[40:52], buf[51:54], dy, x, alpha, 1) }},
		{"BackwardChannels dalpha overlaps dy", "dalpha overlaps dy",
			func(isa isaID) { backwardChannels(isa, out, buf[20:23], dy, x, alpha, 1) }},
		{"BackwardChannels dalpha overlaps x", "dalpha overlaps x",
			func(isa isaID) { backwardChannels(isa, out, buf[0:3], dy, x, alpha, 1) }},
		{"BackwardChannels dalpha is alpha", "dalpha overlaps alpha",
			func(isa isaID) { backwardChannels(isa, out, alpha, dy, x, alpha, 1) }},
		{"BackwardChannels bad layout", "len(x) = 12 is not a multiple of len(alpha)*inner = 3*3",
			func(isa isaID) { backwardChannels(isa, out, dalpha, dy, x, alpha, 3) }},
		{"BackwardChannels empty alpha", "alpha is empty",
			func(isa isaID) { backwardChannels[float32](isa, out, nil, dy, x, nil, 1) }},
	}
	forEachISA(t, func(t *testing.T, isa isaID) {
		for i := range buf {
			buf[i] = float32(i) - 20
		}
		for _, c := range cases {
			before := append([]float32(nil), buf...)
			outBefore := append([]float32(nil), out...)
			alphaBefore, dalphaBefore := append([]float32(nil), alpha...), append([]float32(nil), dalpha...)
			requirePanic(t, c.want, func() { c.call(isa) }, c.name)
			require.Equalf(t, before, buf, "%s wrote to memory before panicking", c.name)
			require.Equal(t, outBefore, out, c.name)
			require.Equal(t, alphaBefore, alpha, c.name)
			require.Equal(t, dalphaBefore, dalpha, c.name)
		}
	})
}

// requirePanic requires f to panic with a string that starts "prelu: " and
// contains want.
func requirePanic(t *testing.T, want string, f func(), name string) {
	t.Helper()
	defer func() {
		r := recover()
		msg, ok := r.(string)
		require.Truef(t, ok, "%s: panicked with %v (%T), want a string", name, r, r)
		require.Truef(t, strings.HasPrefix(msg, "prelu: "), "%s: message %q lacks the prefix", name, msg)
		require.Containsf(t, msg, want, "%s", name)
	}()
	f()
	t.Fatalf("%s: did not panic", name)
}

// TestValidEdgeCases: calls that look odd but are valid do not panic.
func TestValidEdgeCases(t *testing.T) {
	forEachISA(t, func(t *testing.T, isa isaID) {
		require.NotPanics(t, func() { forward[float32](isa, nil, nil, 1) })
		require.NotPanics(t, func() { forwardChannels(isa, []float64{}, []float64{}, []float64{1}, 5) })
		require.NotPanics(t, func() { forwardChannels(isa, []float64{}, []float64{}, []float64{1}, math.MaxInt) })
		require.Zero(t, backward[float32](isa, nil, nil, nil, 1))
		require.NotPanics(t, func() { backwardChannels[float32](isa, nil, nil, []float32{1}, []float32{-1}, []float32{2}, 1) })
		// A huge plane with a tiny outer: inner near the int limit is
		// only valid for an empty x, but one plane as long as x is fine.
		x := []float32{-1, 2, -3}
		dst := make([]float32, 3)
		forwardChannels(isa, dst, x, []float32{0.5}, 3)
		require.Equal(t, []float32{-0.5, 2, -1.5}, dst)
	})
}

// TestStraddles checks forwardOK's overlap test against partlyOverlaps for
// slices of equal length at every offset in a buffer, both ways round.
func TestStraddles(t *testing.T) {
	buf := make([]float32, 16)
	for n := 0; n <= 5; n++ {
		for i := 0; i+n <= len(buf); i++ {
			for j := 0; j+n <= len(buf); j++ {
				out, in := buf[i:i+n], buf[j:j+n]
				got := straddles(unsafe.Pointer(unsafe.SliceData(out)), unsafe.Pointer(unsafe.SliceData(in)), uintptr(n)*4)
				require.Equal(t, partlyOverlaps(out, in), got, "n=%d at %d and %d", n, i, j)
			}
		}
	}
}
