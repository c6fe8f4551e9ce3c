package main

import (
	"image/color"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// stats summarises a set of slopes.
type stats struct {
	Mean, Min, Max metric
}

func summarise(s []float32) stats {
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, v := range s {
		sum += float64(v)
		lo = math.Min(lo, float64(v))
		hi = math.Max(hi, float64(v))
	}
	return stats{Mean: metric(sum / float64(len(s))), Min: metric(lo), Max: metric(hi)}
}

// metric is a measured number; NaN (not measured, or a diverged run) and
// infinities are null in JSON.
type metric float64

func (m metric) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(m)) || math.IsInf(float64(m), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(m), 'g', 8, 64), nil
}

// epochRecord is what the experiment records for one model after one epoch
// (epoch 0: the initial model, before any training).
type epochRecord struct {
	Model     string
	Epoch     int
	TrainLoss metric   // mean over the epoch's mini-batches (NaN for epoch 0)
	Roughness metric   // mean |loss change| between successive mini-batches / mean loss (NaN for epoch 0)
	TestLoss  metric   // mean cross-entropy on the test set
	TestAcc   metric   // fraction correct on the test set
	Dead      []metric // per hidden layer: fraction of units with pre-activation <= 0 on the whole probe batch (NaN once the model has diverged)
	Slopes    []stats  // per hidden layer
	Seconds   metric   // training time of the epoch
}

// slopePoint is the slopes of every hidden layer at some point of training.
type slopePoint struct {
	Epoch  float64 // fractional: steps taken / steps per epoch
	Layers []stats
}

// modelRun is one model's training: its state, buffers and records.
type modelRun struct {
	Name    string
	act     activation
	color   color.Color
	m       *mlp
	x       []float32 // a batch of inputs (maxBatch rows)
	y       []uint8
	Records []epochRecord
	Losses  []metric // every mini-batch's loss, in order
	Slopes  []slopePoint
	Final   [][]metric // each hidden layer's slopes at the end
}

// experiment trains every model on the same data in the same order.
type experiment struct {
	c           config
	train, test *dataset
	runs        []*modelRun
	steps       int          // mini-batches per epoch
	done        atomic.Int64 // mini-batches trained, all models together
}

const evalBatch = 1000

func newExperiment(c config, train, test *dataset) *experiment {
	e := &experiment{c: c, train: train, test: test}
	e.steps = (train.count() + c.batch - 1) / c.batch
	maxBatch := max(c.batch, evalBatch)
	for i, act := range c.models {
		opt := optimiser{adam: c.opt == "adam", lr: c.lr, momentum: c.momentum}
		r := &modelRun{
			Name:  act.name,
			act:   act,
			color: colorOf(act.name, i),
			m:     newMLP(act, c.hidden, maxBatch, c.seed, opt, float32(c.biasInit)),
			x:     make([]float32, maxBatch*pixels),
			y:     make([]uint8, maxBatch),
		}
		r.Losses = make([]metric, 0, c.epochs*e.steps)
		e.runs = append(e.runs, r)
	}
	return e
}

// order is the training set's order in an epoch: the same for every model.
func (e *experiment) order(epoch int) []int {
	perm := make([]int, e.train.count())
	for i := range perm {
		perm[i] = i
	}
	rng := rand.New(rand.NewPCG(e.c.seed, uint64(epoch)))
	rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	return perm
}

// run trains all models epoch by epoch (in lockstep, so that each epoch's
// rows can be reported as it ends), c.workers models at a time, and calls
// report after the initial evaluation and after each epoch.
func (e *experiment) run(report func(epoch int, recs []epochRecord)) {
	e.forEach(func(r *modelRun) {
		rec := e.evaluate(r, 0)
		r.Records = append(r.Records, rec)
		r.Slopes = append(r.Slopes, slopePoint{Epoch: 0, Layers: rec.Slopes})
	})
	report(0, e.last())
	for epoch := 1; epoch <= e.c.epochs; epoch++ {
		perm := e.order(epoch)
		e.forEach(func(r *modelRun) {
			t0 := time.Now()
			loss, rough := e.trainEpoch(r, epoch, perm)
			secs := time.Since(t0).Seconds()
			rec := e.evaluate(r, epoch)
			rec.TrainLoss, rec.Roughness, rec.Seconds = metric(loss), metric(rough), metric(secs)
			r.Records = append(r.Records, rec)
		})
		report(epoch, e.last())
	}
	for _, r := range e.runs {
		for _, l := range r.m.acts {
			final := make([]metric, len(l.Alpha))
			for i, a := range l.Alpha {
				final[i] = metric(a)
			}
			r.Final = append(r.Final, final)
		}
	}
}

func (e *experiment) last() []epochRecord {
	var recs []epochRecord
	for _, r := range e.runs {
		recs = append(recs, r.Records[len(r.Records)-1])
	}
	return recs
}

// forEach runs f on every model, c.workers at a time. Each model's
// computation is independent and deterministic, so the results do not
// depend on the number of workers.
func (e *experiment) forEach(f func(r *modelRun)) {
	sem := make(chan struct{}, max(1, e.c.workers))
	var wg sync.WaitGroup
	for _, r := range e.runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(r)
		}()
	}
	wg.Wait()
}

// trainEpoch runs one epoch of mini-batches in the order perm and returns
// the mean loss and its roughness.
func (e *experiment) trainEpoch(r *modelRun, epoch int, perm []int) (loss, roughness float64) {
	b := e.c.batch
	if at := r.act.freezePoint(e.c.epochs); at > 0 {
		setFrozen(r.m.slopeL, epoch > at)
	}
	every := max(1, e.steps*e.c.epochs/200) // about 200 slope snapshots in all
	start := len(r.Losses)
	total, jumps := 0.0, 0.0
	for s := range e.steps {
		idx := perm[s*b : min((s+1)*b, len(perm))]
		n := len(idx)
		e.train.gather(r.x, r.y, idx)
		r.m.forward(r.x, n)
		l, _ := r.m.loss(r.y, n, true)
		r.m.backward(r.x, n)
		r.m.update()
		r.Losses = append(r.Losses, metric(l))
		total += l * float64(n)
		if s > 0 {
			jumps += math.Abs(l - float64(r.Losses[len(r.Losses)-2]))
		}
		if (s+1)%every == 0 || s+1 == e.steps {
			r.Slopes = append(r.Slopes, slopePoint{
				Epoch:  float64(epoch-1) + float64(s+1)/float64(e.steps),
				Layers: r.slopeStats(),
			})
		}
		e.done.Add(1)
	}
	loss = total / float64(len(perm))
	steps := len(r.Losses) - start
	mean := 0.0
	for _, l := range r.Losses[start:] {
		mean += float64(l)
	}
	mean /= float64(steps)
	roughness = math.NaN()
	if steps > 1 {
		roughness = jumps / float64(steps-1) / mean
	}
	return loss, roughness
}

func (r *modelRun) slopeStats() []stats {
	var st []stats
	for _, l := range r.m.acts {
		st = append(st, summarise(l.Alpha))
	}
	return st
}

// evaluate measures the test loss and accuracy, the dead units on the
// probe batch (the first c.probe training examples) and the slopes.
func (e *experiment) evaluate(r *modelRun, epoch int) epochRecord {
	rec := epochRecord{Model: r.act.name, Epoch: epoch, TrainLoss: metric(math.NaN()), Roughness: metric(math.NaN()), Slopes: r.slopeStats()}
	idx := make([]int, 0, evalBatch)
	var loss float64
	var correct int
	for lo := 0; lo < e.test.count(); lo += evalBatch {
		idx = idx[:0]
		for i := lo; i < min(lo+evalBatch, e.test.count()); i++ {
			idx = append(idx, i)
		}
		e.test.gather(r.x, r.y, idx)
		r.m.forward(r.x, len(idx))
		l, c := r.m.loss(r.y, len(idx), false)
		loss += l * float64(len(idx))
		correct += c
	}
	rec.TestLoss = metric(loss / float64(e.test.count()))
	rec.TestAcc = metric(float64(correct) / float64(e.test.count()))

	// A unit is dead if no probe example gives it a positive pre-activation.
	alive := make([][]bool, len(r.m.acts))
	for i := range alive {
		alive[i] = make([]bool, r.m.sizes[i+1])
	}
	nan := make([]bool, len(r.m.acts)) // a diverged model has no dead units, only NaNs
	probe := min(e.c.probe, e.train.count())
	for lo := 0; lo < probe; lo += evalBatch {
		idx = idx[:0]
		for i := lo; i < min(lo+evalBatch, probe); i++ {
			idx = append(idx, i)
		}
		e.train.gather(r.x, r.y, idx)
		r.m.forward(r.x, len(idx))
		for i, z := range r.m.z {
			units := len(alive[i])
			for k, v := range z[:len(idx)*units] {
				if v > 0 {
					alive[i][k%units] = true
				} else if v != v {
					nan[i] = true
				}
			}
		}
	}
	for i, a := range alive {
		if nan[i] {
			rec.Dead = append(rec.Dead, metric(math.NaN()))
			continue
		}
		dead := 0
		for _, ok := range a {
			if !ok {
				dead++
			}
		}
		rec.Dead = append(rec.Dead, metric(float64(dead)/float64(len(a))))
	}
	return rec
}
