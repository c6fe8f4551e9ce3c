package prelu

// Large calls are cut into tasks that workers take in any order. The cut
// depends only on the shape (n, channels, inner and the element size) and
// on where this machine's kernels start to stream (a constant of the
// process), never on the number of workers or on timing,
// and each slope gradient is
// the sum of its tasks' float64 partial sums in task order: so the results
// are the same, bit for bit, whatever the number of workers.

// Tuning of the cut (see parallelBytes in workers.go for when it applies).
// A task has parallelBytes/tasksAtThreshold bytes of x or more: calls at the
// threshold have that many tasks to share.
const (
	tasksAtThreshold = 8
	maxTasks         = 64 // enough to balance 64 workers; more only adds partial sums
	taskAlign        = 64 // elements: tasks within a plane start on 256-byte boundaries or more

	// maxTaskFloor caps the smallest task that the streaming size sets.
	maxTaskFloor = 8 << 20

	// maxPartials bounds the float64 partial sums of one call (512 KiB):
	// slope gradients of layouts that would need more are not split.
	maxPartials = 1 << 16
)

// splitKind says along which axis of [outer][C][inner] the tasks run.
type splitKind uint8

const (
	splitNone     splitKind = iota // one task: the single-threaded call
	splitElems                     // one slope: runs of step elements, the last one to the end
	splitRows                      // runs of step rows, each with every channel
	splitChannels                  // runs of step channels, each over every row
	splitInner                     // runs of step elements within each plane, over every row
)

// split is the cut of one call into tasks.
type split struct {
	kind   splitKind
	tasks  int // how many
	step   int // elements, rows or channels per task (see kind)
	blocks int // splitInner: tasks per plane
}

// splitOf cuts n elements of the layout [n/(channels*inner)][channels][inner]
// into tasks of parallelBytes/tasksAtThreshold bytes or more, at most
// maxTasks of them; with slope gradients (sums) only where its partial sums
// fit in maxPartials. The kernels write large outputs with non-temporal
// stores (stream_amd64.go), which a task keeps only if its own output is
// that large: so no task is smaller than that either, up to maxTaskFloor
// (a machine whose caches put that point higher gains more from its cores
// than from the stores).
func splitOf(n, channels, inner, size int, sums bool) split {
	stream := min(streamBytes(), maxTaskFloor)
	taskElems := max(parallelBytes/tasksAtThreshold/size, roundUp(ceilDiv(stream, size), taskAlign), 1)
	want := min(n/taskElems, maxTasks)
	if want < 2 {
		return split{kind: splitNone, tasks: 1}
	}
	outer := n / (channels * inner)
	switch {
	case channels == 1:
		// Whole multiples of taskAlign; the last task takes the rest, so
		// none is smaller than step.
		step := max(n/want/taskAlign*taskAlign, taskAlign)
		if tasks := min(want, n/step); tasks >= 2 {
			return split{kind: splitElems, tasks: tasks, step: step}
		}
		return split{kind: splitNone, tasks: 1}
	case outer >= want && (!sums || want*(channels+accPad) <= min(maxPartials, n/16)):
		// Many rows: the partial sums of a task are its rows' sums per
		// channel, a small fraction of the data.
		step := ceilDiv(outer, want)
		return split{kind: splitRows, tasks: ceilDiv(outer, step), step: step}
	case channels >= want && (!sums || channels <= maxPartials):
		// Each task has every row of its channels: their sums are whole.
		step := ceilDiv(channels, want)
		return split{kind: splitChannels, tasks: ceilDiv(channels, step), step: step}
	case channels < want:
		// Few rows of few, large planes: cut the planes.
		step := roundUp(ceilDiv(inner, ceilDiv(want, channels)), taskAlign)
		blocks := ceilDiv(inner, step)
		return split{kind: splitInner, tasks: channels * blocks, step: step, blocks: blocks}
	}
	// Slope gradients of more channels than maxPartials: one task.
	return split{kind: splitNone, tasks: 1}
}

// partials is the number of float64 partial sums the tasks of s write.
func (s split) partials(channels int, sums bool) int {
	if !sums {
		return 0
	}
	if s.kind == splitRows || s.kind == splitChannels {
		off, c0, c1 := s.slot(s.tasks-1, channels)
		return off + c1 - c0 + accPad
	}
	return s.tasks
}

// slot returns the channels [c0, c1) that task k of a rows or channels
// split sums, and where in the partial sums: partials[off:off+c1-c0], with
// accPad of room after them that belongs to the task.
func (s split) slot(k, channels int) (off, c0, c1 int) {
	if s.kind == splitRows {
		return k * (channels + accPad), 0, channels
	}
	c0 = k * s.step
	c1 = min(c0+s.step, channels)
	return c0 + k*accPad, c0, c1
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
