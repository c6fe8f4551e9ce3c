package prelu

import (
	"fmt"
	"math"
	"slices"
)

// ONNX and numpy broadcast a PRelu slope onto X unidirectionally: the
// slope's shape is aligned with the end of X's shape, and each of its
// dimensions is either 1 (the slope repeats along it) or X's own size (the
// slope runs along it). Dimensions where X itself is 1 take no part in the
// layout, so they are dropped; adjacent dimensions of the same kind merge.
// What remains alternates between broadcast and matched groups. With at
// most one matched group, the layout is [outer][C][inner], which is
// ForwardChannels; with more it is not, and ForwardBroadcast walks the outer
// groups until the rest is such a layout.

// group is a run of X's dimensions (those of size 1 dropped) that the slope
// either runs along (matched: the slope's sizes there equal X's) or repeats
// along (broadcast: the slope's sizes there are 1).
type group struct {
	size    int // the product of X's sizes in the run
	matched bool
}

// maxGroups is the number of groups the exported functions keep on the
// stack; a shape with more (which needs a rank above 16) costs one
// allocation.
const maxGroups = 16

// smallBlock is the block size under which ForwardBroadcast's general path
// runs a Go loop instead of calling a kernel, whose checks and set-up would
// cost more than the block.
const smallBlock = 64

// SlopeLayout says how to compute PRelu with a slope broadcast onto X by
// ONNX (numpy) unidirectional broadcasting, given the shapes of X and of the
// slope, without materialising the broadcast slope.
//
// The slope's shape is aligned with the end of X's shape; each of its
// dimensions must be 1 or equal to X's there, and it may not have more
// dimensions than X. Shapes that break these rules, or that have a negative
// dimension or more elements than an int can count, return an error whose
// message starts "prelu: " (they come from model files, so they are not
// programmer errors).
//
// When the slope's dimensions other than 1 form one contiguous block equal
// to X's dimensions there (dimensions where X is 1 may sit anywhere), X is
// [outer][channels][inner] with the slope's elements as the channels, and
// ok is true:
//
//	ForwardChannels(dst, x, slope, inner) // channels == len(slope)
//
// computes the result. This covers a scalar or all-ones slope (channels 1,
// where Forward(dst, x, slope[0]) does the same), [C,1,1] on NCHW X (inner
// H*W), [C] on channel-last X (inner 1), a slope of X's full shape, [H,W]
// planes, and any other single block. If X has no elements there is nothing
// to compute; ok is true and channels is the slope's element count, which
// may then be 0 (ForwardChannels panics on an empty slope: skip the call).
//
// When the block is not contiguous, such as [C,1,W] on [N,C,H,W], ok is
// false, channels and inner are 0, and err is nil: the shapes are valid, and
// [ForwardBroadcast] computes them.
//
// SlopeLayout does not allocate (except to build an error, and for shapes
// with more than 16 alternations between broadcast and matched dimensions,
// which needs a rank above 16).
func SlopeLayout(xShape, slopeShape []int) (channels, inner int, ok bool, err error) {
	var buf [maxGroups]group
	groups, n, slopeN, err := collapse(xShape, slopeShape, buf[:0])
	if err != nil {
		return 0, 0, false, err
	}
	if n == 0 {
		return slopeN, 1, true, nil
	}
	if channels, inner, ok = single(groups); !ok {
		return 0, 0, false, nil
	}
	return channels, inner, true, nil
}

// ForwardBroadcast computes dst = PRelu(x) with a slope broadcast onto x by
// ONNX (numpy) unidirectional broadcasting, for every valid pair of shapes,
// with the formula of [Forward]: x where x > 0, else slope*x.
//
// x and dst hold xShape's elements in row-major order and slope holds
// slopeShape's. The shapes must broadcast as [SlopeLayout] describes;
// otherwise, and if a slice's length does not match its shape, it returns an
// error whose message starts "prelu: " and writes nothing.
//
// Layouts that SlopeLayout maps run as one call of [ForwardChannels] (or
// [Forward] for a single slope). Others run the kernels on the largest
// trailing part of X that is such a layout, once for each index of the
// dimensions before it, and a Go loop where those parts are smaller than a
// vector loop is worth (under 64 elements): correct for every shape, but
// slower than a layout that maps.
//
// dst may be x itself; any other overlap of dst with x or slope panics, as
// in [ForwardChannels]. It does not allocate (except to build an error, and
// for shapes with more than 16 alternations between broadcast and matched
// dimensions, which cost one allocation).
func ForwardBroadcast[T Float](dst, x []T, xShape []int, slope []T, slopeShape []int) error {
	var buf [maxGroups]group
	groups, n, slopeN, err := collapse(xShape, slopeShape, buf[:0])
	if err != nil {
		return err
	}
	if len(x) != n {
		return lengthError("x", len(x), "xShape", xShape, n)
	}
	if len(slope) != slopeN {
		return lengthError("slope", len(slope), "slopeShape", slopeShape, slopeN)
	}
	if len(dst) != n {
		return lengthError("dst", len(dst), "xShape", xShape, n)
	}
	if n == 0 {
		return nil
	}
	checkAlias("dst", dst, "x", x)
	checkDisjoint("dst", dst, "slope", slope)
	if channels, inner, ok := single(groups); ok {
		block(dst, x, slope, channels, inner)
		return nil
	}
	// The trailing layout: the last matched group with the broadcast groups
	// on either side of it.
	tail := len(groups) - 1
	if !groups[tail].matched {
		tail--
	}
	if tail > 0 && !groups[tail-1].matched {
		tail--
	}
	walk(groups, tail, dst, x, slope)
	return nil
}

// collapse checks that slopeShape broadcasts onto xShape, appends the groups
// of X's dimensions to groups, and returns them with the element counts of X
// and of the slope.
func collapse(xShape, slopeShape []int, groups []group) (_ []group, n, slopeN int, err error) {
	rank, lead := len(xShape), len(xShape)-len(slopeShape)
	if lead < 0 {
		return nil, 0, 0, shapeError("slope shape %v has more dimensions than X's shape %v", slices.Clone(slopeShape), slices.Clone(xShape))
	}
	n, slopeN = 1, 1
	empty := false // X has a dimension of size 0
	for i := range rank {
		d, s := xShape[i], 1
		if i >= lead {
			s = slopeShape[i-lead]
		}
		switch {
		case d < 0 || s < 0:
			return nil, 0, 0, shapeError("negative dimension in X's shape %v or the slope's %v", slices.Clone(xShape), slices.Clone(slopeShape))
		case s != 1 && s != d:
			return nil, 0, 0, shapeError("slope shape %v does not broadcast onto X's shape %v: dimension %d of X is %d, the slope's there is %d (want 1 or %d)", slices.Clone(slopeShape), slices.Clone(xShape), i, d, s, d)
		case d == 0:
			empty = true
			continue
		case d == 1:
			continue
		case n > math.MaxInt/d:
			return nil, 0, 0, shapeError("X's shape %v has more elements than an int can count", slices.Clone(xShape))
		}
		// The slope's count cannot overflow: each of its sizes is 1 or X's.
		n *= d
		if matched := s == d; len(groups) > 0 && groups[len(groups)-1].matched == matched {
			groups[len(groups)-1].size *= d
		} else {
			groups = append(groups, group{d, matched})
		}
		if s == d {
			slopeN *= d
		}
	}
	if empty {
		n = 0
		for _, s := range slopeShape {
			if s == 0 {
				slopeN = 0
			}
		}
	}
	return groups, n, slopeN, nil
}

// single reports whether groups hold at most one matched group, and if so
// the layout's channels (its size, or 1 without one) and inner (the size of
// the broadcast group after it, or 1).
func single(groups []group) (channels, inner int, ok bool) {
	channels, inner = 1, 1
	for i, g := range groups {
		if !g.matched {
			continue
		}
		if channels > 1 {
			return 0, 0, false
		}
		channels = g.size
		if i+1 < len(groups) {
			inner = groups[i+1].size
		}
	}
	return channels, inner, true
}

// walk computes the layout of groups, whose elements x holds and whose
// matched groups' elements slope holds, by looping over groups[0] until
// groups[tail:] is left: a single layout.
func walk[T Float](groups []group, tail int, dst, x, slope []T) {
	if tail == 0 {
		channels, inner, _ := single(groups)
		block(dst, x, slope, channels, inner)
		return
	}
	g := groups[0]
	stride, slopeStride := len(x)/g.size, len(slope)/g.size
	for i := range g.size {
		lo, part := i*stride, slope
		if g.matched {
			part = slope[i*slopeStride : (i+1)*slopeStride]
		}
		walk(groups[1:], tail-1, dst[lo:lo+stride], x[lo:lo+stride], part)
	}
}

// block computes one [outer][channels][inner] layout; len(slope) ==
// channels. Small blocks run a Go loop with the kernels' formula.
func block[T Float](dst, x, slope []T, channels, inner int) {
	switch {
	case len(x) < smallBlock:
		for i, v := range x {
			if !(v > 0) {
				v = slope[i/inner%channels] * v
			}
			dst[i] = v
		}
	case channels == 1:
		Forward(dst, x, slope[0])
	default:
		ForwardChannels(dst, x, slope, inner)
	}
}

// shapeError builds a broadcasting error. Its callers pass copies of the
// shapes it prints, so that their own shapes do not escape to the heap.
//
//go:noinline
func shapeError(format string, args ...any) error {
	return fmt.Errorf("prelu: "+format, args...)
}

//go:noinline
func lengthError(name string, got int, shapeName string, shape []int, want int) error {
	return fmt.Errorf("prelu: len(%s) = %d, but %s %v has %d elements", name, got, shapeName, slices.Clone(shape), want)
}
