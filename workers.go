package prelu

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// parallelBytes is the size of x from which a call runs on several
// workers: below it a call is one kernel on the caller's goroutine, with
// no synchronisation. See the package documentation for how it was chosen.
// Tests lower it to cut small slices.
//
// It stays above the largest variable Go places on a goroutine stack
// (maxStackVar): the workers then only ever see heap memory, which does
// not move, and the exported functions can keep their arguments from
// escaping (a caller's stack buffers stay on its stack).
var parallelBytes = defaultParallelBytes

const defaultParallelBytes = 16 << 20

// The threshold must stay above any stack variable (a compile-time check).
const _ = uint(defaultParallelBytes - maxStackVar - 1)

// workerLimit is the number of goroutines, the caller's included, that one
// call may use.
var workerLimit atomic.Int32

func init() { workerLimit.Store(int32(defaultWorkers(os.Getenv("PRELU_WORKERS")))) }

// defaultWorkers is GOMAXPROCS, capped by PRELU_WORKERS when that is a
// number (at least 1).
func defaultWorkers(env string) int {
	n := runtime.GOMAXPROCS(0)
	if v, err := strconv.Atoi(strings.TrimSpace(env)); err == nil {
		n = min(n, max(v, 1))
	}
	return n
}

// SetWorkers sets how many goroutines, the caller's included, one call may
// use, and returns the previous number. n <= 1 makes every call run on the
// caller's goroutine alone. The default is GOMAXPROCS at init, capped by
// the environment variable PRELU_WORKERS.
//
// The number changes speed only: every result, slope gradients included,
// is the same bit for bit whatever it is. Calls already running finish
// with the helpers they started with; helper goroutines beyond the new
// number exit, and SetWorkers waits until each has finished the call it
// is helping with.
func SetWorkers(n int) (previous int) {
	n = max(n, 1)
	previous = int(workerLimit.Swap(int32(n)))
	helpers.shrink(n - 1)
	return previous
}

// Workers returns the number of goroutines, the caller's included, that
// one call may use (see [SetWorkers]).
func Workers() int { return int(workerLimit.Load()) }

// helpers are the goroutines that take tasks besides the caller's. They
// start with the first call that can use them and wait on an unbuffered
// channel, so that a caller hands a job only to a helper that is idle at
// that moment: a busy helper never delays another caller.
var helpers = helperPool{jobs: make(chan *job), stop: make(chan struct{})}

type helperPool struct {
	mu      sync.Mutex
	running atomic.Int32
	jobs    chan *job
	stop    chan struct{}
}

// grow starts helpers until n are running.
func (p *helperPool) grow(n int) {
	if int(p.running.Load()) >= n {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for int(p.running.Load()) < n {
		p.running.Add(1)
		go p.serve()
	}
}

// shrink stops helpers until at most n are running: each stop is taken by
// a helper between jobs.
func (p *helperPool) shrink(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for int(p.running.Load()) > max(n, 0) {
		p.stop <- struct{}{}
		p.running.Add(-1)
	}
}

func (p *helperPool) serve() {
	for {
		select {
		case j := <-p.jobs:
			j.work()
		case <-p.stop:
			return
		}
	}
}

// A job is one call's tasks. Its participants (the caller and the helpers
// it reached) take task numbers from next until none is left; done counts
// finished tasks, and the caller waits for all of them. A helper that
// arrives after the last task was taken leaves at once; the job goes back
// to the pool when its last participant leaves, so a late helper never
// delays the caller nor sees a reused job.
type job struct {
	next  atomic.Int32
	tasks int32
	done  sync.WaitGroup
	refs  atomic.Int32

	wide bool // float64 elements: f64 holds the call, else f32
	f32  call[float32]
	f64  call[float64]

	partials []float64 // the tasks' partial slope gradients
	alpha32  []float32 // the slopes, copied when they might be on the caller's stack
	alpha64  []float64
}

// idleJobs keeps finished jobs for the next calls, with their buffers.
// Unlike a sync.Pool it is not emptied by the garbage collector, so that
// a program that allocates heavily does not allocate again here. It keeps
// up to maxIdleJobs: more calls at once than that allocate their own.
var idleJobs struct {
	sync.Mutex
	list []*job
}

const maxIdleJobs = 64

func getJob() *job {
	idleJobs.Lock()
	defer idleJobs.Unlock()
	if n := len(idleJobs.list); n > 0 {
		j := idleJobs.list[n-1]
		idleJobs.list = idleJobs.list[:n-1]
		return j
	}
	return new(job)
}

func putJob(j *job) {
	idleJobs.Lock()
	defer idleJobs.Unlock()
	if idleJobs.list == nil {
		idleJobs.list = make([]*job, 0, maxIdleJobs)
	}
	if len(idleJobs.list) < maxIdleJobs {
		idleJobs.list = append(idleJobs.list, j)
	}
}

// run executes the job's tasks on up to workers goroutines and returns
// when all are done; the job must not be used after release.
func (j *job) run(workers int) {
	tasks := int(j.tasks)
	j.next.Store(0)
	j.done.Add(tasks)
	j.refs.Store(1)
	if want := min(workers, tasks) - 1; want > 0 {
		helpers.grow(want)
		for range want {
			j.refs.Add(1)
			select {
			case helpers.jobs <- j:
				continue
			default:
				// No helper is idle: do not wait for one.
				j.refs.Add(-1)
			}
			break
		}
	}
	j.take()
	j.done.Wait()
}

// work is a helper's part: take tasks, then leave.
func (j *job) work() {
	j.take()
	j.release()
}

// take runs tasks until none is left.
func (j *job) take() {
	for {
		k := int(j.next.Add(1) - 1)
		if k >= int(j.tasks) {
			return
		}
		if j.wide {
			j.f64.task(k, j.partials)
		} else {
			j.f32.task(k, j.partials)
		}
		j.done.Done()
	}
}

// release drops one participant's reference; the last one out clears the
// job (it must not keep the caller's memory alive) and pools it.
func (j *job) release() {
	if j.refs.Add(-1) == 0 {
		j.f32, j.f64 = call[float32]{}, call[float64]{}
		putJob(j)
	}
}
