//go:build arm64 && !purego && linux

package prelu

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestNEONRingRows runs the eight NEON Ring kernels directly on
// channel-last rows (inner = 1) longer than each kernel's limit, which
// they take in blocks of channels over every row, against their pure-Go
// twins: dx bit for bit, each channel's slope gradient within the sums'
// tolerance, over one to four whole rows and over rows whose last is cut
// short. Every slice ends at an inaccessible page, so that a kernel that
// reads or writes past one faults.
func TestNEONRingRows(t *testing.T) {
	t.Run("f32", testNEONRingRows[float32])
	t.Run("f64", testNEONRingRows[float64])
}

// neonRing are one element type's NEON Ring kernels, their twins and
// their limits (spec.RingLimit for 16-byte vectors).
type neonRing[T Float] struct {
	forward, forwardGo         func(dst, x, alpha []T, inner int)
	backward, backwardGo       func(dx, dy, x, alpha, dalpha []T, inner int)
	backwardDx, backwardDxGo   func(dx, dy, x, alpha []T, inner int)
	backwardDa, backwardDaGo   func(dy, x, dalpha []T, inner int)
	limit, fusedLimit, daLimit int
}

func neonRingKernels[T Float]() neonRing[T] {
	if isFloat32[T]() {
		k := neonRing[float32]{
			forwardRingNEONF32, forwardRingGeneric[float32],
			backwardRingNEONF32, backwardRingGeneric[float32],
			backwardRingDxNEONF32, backwardRingDxGeneric[float32],
			backwardRingDalphaNEONF32, backwardRingDalphaGeneric[float32],
			456, 132, 212,
		}
		return any(k).(neonRing[T])
	}
	k := neonRing[float64]{
		forwardRingNEONF64, forwardRingGeneric[float64],
		backwardRingNEONF64, backwardRingGeneric[float64],
		backwardRingDxNEONF64, backwardRingDxGeneric[float64],
		backwardRingDalphaNEONF64, backwardRingDalphaGeneric[float64],
		228, 106, 226,
	}
	return any(k).(neonRing[T])
}

// atGuard returns n elements that end right at an inaccessible page.
func atGuard[T Float](t *testing.T, n int) []T {
	ps := os.Getpagesize()
	bytes := n * sizeOf[T]()
	pages := (bytes + ps - 1) / ps
	m, err := unix.Mmap(-1, 0, (pages+1)*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(m) })
	if err := unix.Mprotect(m[pages*ps:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	b := m[pages*ps-bytes : pages*ps]
	if n == 0 {
		return []T{}
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}

// ringData returns x and dy of n elements and the slopes, their gradients
// and the gradients' start of channels, each slice at a guard page (start
// aside) and dalpha set to start.
func ringData[T Float](t *testing.T, rng *rand.Rand, n, channels int) (x, dy, alpha, dalpha, start []T) {
	x, dy = atGuard[T](t, n), atGuard[T](t, n)
	fill := fillFinite[T]
	if rng.IntN(3) == 0 {
		fill = fillSpecial[T]
	}
	fill(rng, x)
	fill(rng, dy)
	sl := slopes[T]()
	alpha, dalpha, start = atGuard[T](t, channels), atGuard[T](t, channels), make([]T, channels)
	for c := range alpha {
		alpha[c] = sl[rng.IntN(len(sl))]
		start[c] = T(rng.NormFloat64())
	}
	copy(dalpha, start)
	return x, dy, alpha, dalpha, start
}

func testNEONRingRows[T Float](t *testing.T) {
	k := neonRingKernels[T]()
	size := sizeOf[T]()
	if k.limit != ringLimit(isaNEON, size, false) || k.fusedLimit != ringLimit(isaNEON, size, true) {
		t.Fatalf("limits %d, %d; ringLimits has %d, %d", k.limit, k.fusedLimit, ringLimit(isaNEON, size, false), ringLimit(isaNEON, size, true))
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, kernel := range []string{"forward", "backward", "backwardDx", "backwardDalpha"} {
		limit := map[string]int{"forward": k.limit, "backwardDx": k.limit, "backward": k.fusedLimit, "backwardDalpha": k.daLimit}[kernel]
		for _, channels := range []int{limit + 1, limit + 3, 2*limit + 5, 3 * limit} {
			for rows := 1; rows <= 5; rows++ {
				// The fifth row is cut short, ending inside a block: the
				// callers pass whole rows, but the kernels must stay
				// inside x all the same.
				n := rows * channels
				if rows == 5 {
					n -= channels/2 + 1
				}
				what := fmt.Sprintf("%s %T C=%d rows=%d n=%d", kernel, T(0), channels, rows, n)
				x, dy, alpha, dalpha, start := ringData[T](t, rng, n, channels)
				dx, want := atGuard[T](t, n), make([]T, n)
				wantDalpha := append([]T(nil), start...)
				switch kernel {
				case "forward":
					k.forward(dx, x, alpha, 1)
					k.forwardGo(want, x, alpha, 1)
				case "backward":
					k.backward(dx, dy, x, alpha, dalpha, 1)
					k.backwardGo(want, dy, x, alpha, wantDalpha, 1)
				case "backwardDx":
					k.backwardDx(dx, dy, x, alpha, 1)
					k.backwardDxGo(want, dy, x, alpha, 1)
				case "backwardDalpha":
					k.backwardDa(dy, x, dalpha, 1)
					k.backwardDaGo(dy, x, wantDalpha, 1)
				}
				if kernel != "backwardDalpha" {
					for i := range want {
						if !sameBits(want[i], dx[i]) {
							t.Fatalf("%s: dx[%d] = %v, want %v", what, i, dx[i], want[i])
						}
					}
				}
				if kernel == "backward" || kernel == "backwardDalpha" {
					for c := range dalpha {
						var chDy, chX []T
						for i := c; i < n; i += channels {
							chDy, chX = append(chDy, dy[i]), append(chX, x[i])
						}
						s := exactSum(chDy, chX, float64(start[c]))
						if err := s.check(float64(wantDalpha[c]), isFloat32[T]()); err != nil {
							t.Fatalf("%s: twin's dalpha[%d]: %v", what, c, err)
						}
						if err := s.check(float64(dalpha[c]), isFloat32[T]()); err != nil {
							t.Fatalf("%s: dalpha[%d] = %v (twin %v): %v", what, c, dalpha[c], wantDalpha[c], err)
						}
					}
				} else {
					for c := range dalpha {
						if !sameBits(dalpha[c], start[c]) {
							t.Fatalf("%s: dalpha touched", what)
						}
					}
				}
			}
		}
	}
}

// TestNEONRingPlaneRows runs the four NEON Ring kernels with slope
// gradients directly on planes (inner > 1) whose period is longer than
// each kernel's limit, which they take by rows: blocks of the channels
// whose planes fit, each over every row before its sums are added. Against
// their pure-Go twins: dx bit for bit, each channel's slope gradient
// within the sums' tolerance, over one to three whole rows. Every slice
// ends at an inaccessible page, so that a kernel that reads or writes past
// one faults.
func TestNEONRingPlaneRows(t *testing.T) {
	t.Run("f32", testNEONRingPlaneRows[float32])
	t.Run("f64", testNEONRingPlaneRows[float64])
}

func testNEONRingPlaneRows[T Float](t *testing.T) {
	k := neonRingKernels[T]()
	size := sizeOf[T]()
	if k.fusedLimit != ringLimit(isaNEON, size, true) {
		t.Fatalf("limit %d; ringLimits has %d", k.fusedLimit, ringLimit(isaNEON, size, true))
	}
	if !ringPlaneRows[isaNEON] {
		t.Fatalf("ringPlaneRows[isaNEON] is false")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, kernel := range []string{"backward", "backwardDalpha"} {
		limit := map[string]int{"backward": k.fusedLimit, "backwardDalpha": k.daLimit}[kernel]
		for _, inner := range []int{2, 3, 7, 9} {
			if inner*8 > limit {
				continue
			}
			perBlock := limit / inner
			for _, channels := range []int{perBlock + 1, 2*perBlock + 3} {
				for rows := 1; rows <= 3; rows++ {
					period := channels * inner
					n := rows * period
					what := fmt.Sprintf("%s %T inner=%d C=%d rows=%d", kernel, T(0), inner, channels, rows)
					x, dy, alpha, dalpha, start := ringData[T](t, rng, n, channels)
					wantDalpha := append([]T(nil), start...)
					var dx, want []T
					switch kernel {
					case "backward":
						dx, want = atGuard[T](t, n), make([]T, n)
						k.backward(dx, dy, x, alpha, dalpha, inner)
						k.backwardGo(want, dy, x, alpha, wantDalpha, inner)
					case "backwardDalpha":
						k.backwardDa(dy, x, dalpha, inner)
						k.backwardDaGo(dy, x, wantDalpha, inner)
					}
					for i := range want {
						if !sameBits(want[i], dx[i]) {
							t.Fatalf("%s: dx[%d] = %v, want %v", what, i, dx[i], want[i])
						}
					}
					for c := range dalpha {
						var chDy, chX []T
						for r := range rows {
							at := r*period + c*inner
							chDy, chX = append(chDy, dy[at:at+inner]...), append(chX, x[at:at+inner]...)
						}
						s := exactSum(chDy, chX, float64(start[c]))
						if err := s.check(float64(wantDalpha[c]), isFloat32[T]()); err != nil {
							t.Fatalf("%s: twin's dalpha[%d]: %v", what, c, err)
						}
						if err := s.check(float64(dalpha[c]), isFloat32[T]()); err != nil {
							t.Fatalf("%s: dalpha[%d] = %v (twin %v): %v", what, c, dalpha[c], wantDalpha[c], err)
						}
					}
				}
			}
		}
	}
}
