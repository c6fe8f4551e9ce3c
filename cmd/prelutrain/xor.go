package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/prelu-go/prelu"
)

// The XOR task: a 2-h-1 MLP (h = -hidden, each width a task of its own)
// learns XOR, from the four corners of the unit square ("clean") or from
// many points scattered around them ("noisy"), with full-batch SGD and
// momentum, once per seed and activation from the same initial weights.
// A run is solved at the first step at which every training point is on
// the right side of the decision boundary (output > 0.5 for XOR = 1).

const (
	xorNoise = 0.15 // standard deviation of the noisy points around a corner
	xorClip  = 0.4  // ... clipped, so that each stays in its quadrant, 0.1 off the midlines
)

// xorTask is one architecture on one data set.
type xorTask struct {
	width int
	noisy bool
}

func (t xorTask) String() string {
	s := fmt.Sprintf("2-%d-1", t.width)
	if t.noisy {
		s += " noisy"
	}
	return s
}

func (t xorTask) file() string { return strings.ReplaceAll(t.String(), " ", "-") }

// xorData is the training set of a task for a seed: points (x, y) row
// after row and their labels.
func xorData(t xorTask, seed uint64, perCorner int) (x []float32, y []float32) {
	corners := [4][3]float32{{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}}
	if !t.noisy {
		for _, c := range corners {
			x = append(x, c[0], c[1])
			y = append(y, c[2])
		}
		return x, y
	}
	rng := rand.New(rand.NewPCG(seed, 7)) // the same points for every width and activation
	noise := func() float32 {
		return float32(math.Max(-xorClip, math.Min(xorClip, rng.NormFloat64()*xorNoise)))
	}
	for range perCorner {
		for _, c := range corners {
			x = append(x, c[0]+noise(), c[1]+noise())
			y = append(y, c[2])
		}
	}
	return x, y
}

// xorNet is the 2-h-1 MLP: hidden layer, activation, one logit.
type xorNet struct {
	h              int
	w1, b1, w2, b2 param
	act            *prelu.Layer[float32]
	slopes         []param
	slopeL         []*prelu.Layer[float32]
	z, a, da       []float32 // n × h
	o              []float32 // n logits
}

// newXORNet draws the weights from seed, the same for every activation:
// hidden weights He (std Gain(0)/sqrt(2) = 1, or Gain(slope)/sqrt(2) with
// +gain), output weights std 1/sqrt(h), biases 0.
func newXORNet(act activation, h, n int, seed uint64) *xorNet {
	m := &xorNet{h: h, w1: newParam(2 * h), b1: newParam(h), w2: newParam(h), b2: newParam(1)}
	rng := rand.New(rand.NewPCG(seed, uint64(h)))
	g := prelu.Gain(0)
	if act.gain {
		g = prelu.Gain(float64(act.slope))
	}
	for i := range m.w1.v {
		m.w1.v[i] = float32(rng.NormFloat64() * g / math.Sqrt2)
	}
	for i := range m.w2.v {
		m.w2.v[i] = float32(rng.NormFloat64() / math.Sqrt(float64(h)))
	}
	channels := 1
	if act.perUnit {
		channels = h
	}
	m.act = prelu.NewLayer[float32](channels, 1)
	for c := range m.act.Alpha {
		m.act.Alpha[c] = act.slope
	}
	m.act.Frozen = act.frozen
	if !act.frozen {
		m.slopes = []param{{v: m.act.Alpha, g: m.act.Grad, m: make([]float32, channels), s: make([]float32, channels)}}
		m.slopeL = []*prelu.Layer[float32]{m.act}
	}
	m.z, m.a, m.da = make([]float32, n*h), make([]float32, n*h), make([]float32, n*h)
	m.o = make([]float32, n)
	return m
}

// forward computes the logits of the n points of x and returns the mean
// cross-entropy and whether every point is classified right.
func (m *xorNet) forward(x, y []float32) (loss float64, solved bool) {
	n, h := len(y), m.h
	for r := range n {
		for j := range h {
			m.z[r*h+j] = x[2*r]*m.w1.v[j] + x[2*r+1]*m.w1.v[h+j] + m.b1.v[j]
		}
	}
	m.act.Forward(m.a, m.z)
	solved = true
	for r := range n {
		o := m.b2.v[0]
		for j := range h {
			o += m.a[r*h+j] * m.w2.v[j]
		}
		m.o[r] = o
		if (o > 0) != (y[r] == 1) {
			solved = false
		}
		// softplus(o) - y*o, computed stably.
		ov := float64(o)
		loss += math.Max(ov, 0) + math.Log1p(math.Exp(-math.Abs(ov))) - float64(y[r])*ov
	}
	return loss / float64(n), solved
}

// backward computes every gradient of the mean loss for the last forward.
func (m *xorNet) backward(x, y []float32) {
	n, h := len(y), m.h
	clear(m.w1.g)
	clear(m.b1.g)
	clear(m.w2.g)
	clear(m.b2.g)
	m.act.ZeroGrad()
	for r := range n {
		d := float32((1/(1+math.Exp(-float64(m.o[r]))) - float64(y[r])) / float64(n))
		m.b2.g[0] += d
		for j := range h {
			m.w2.g[j] += m.a[r*h+j] * d
			m.da[r*h+j] = d * m.w2.v[j]
		}
	}
	m.act.Backward(m.da, m.da) // da becomes dz, in place
	for r := range n {
		for j := range h {
			dz := m.da[r*h+j]
			m.w1.g[j] += x[2*r] * dz
			m.w1.g[h+j] += x[2*r+1] * dz
			m.b1.g[j] += dz
		}
	}
}

func (m *xorNet) update(act activation, opt optimiser, step int) {
	for _, p := range []*param{&m.w1, &m.b1, &m.w2, &m.b2} {
		opt.apply(p, step)
	}
	stepSlopes(act, m.slopes, m.slopeL, opt, step)
}

// dead counts the hidden units whose pre-activation is <= 0 at every
// training point of the last forward (for ReLU: no gradient ever again).
func (m *xorNet) dead(n int) int {
	dead := 0
	for j := range m.h {
		alive := false
		for r := range n {
			if m.z[r*m.h+j] > 0 {
				alive = true
			}
		}
		if !alive {
			dead++
		}
	}
	return dead
}

// xorOutcome is one seed's training of one model on one task.
type xorOutcome struct {
	Steps    int     // updates before every point was right; -1 if not within the budget
	DeadInit int     // hidden units dead at initialisation
	Dead     int     // hidden units dead when the run ended (solved, or at the budget)
	Diverged bool    // the loss became NaN
	Slope    float32 // mean slope at the end
}

// trainXOR trains one model from one seed for at most steps updates.
func trainXOR(act activation, t xorTask, seed uint64, c config) xorOutcome {
	x, y := xorData(t, seed, c.perCorner)
	m := newXORNet(act, t.width, len(y), seed)
	opt := optimiser{lr: c.lr, momentum: c.momentum, adam: c.opt == "adam"}
	freeze := act.freezePoint(c.steps)
	var out xorOutcome
	out.Steps = -1
	for step := 0; ; step++ {
		if freeze > 0 {
			setFrozen(m.slopeL, step >= freeze)
		}
		loss, solved := m.forward(x, y)
		if step == 0 {
			out.DeadInit = m.dead(len(y))
		}
		if math.IsNaN(loss) {
			out.Diverged = true
			break
		}
		if solved {
			out.Steps = step
			break
		}
		if step == c.steps {
			break
		}
		m.backward(x, y)
		m.update(act, opt, step+1)
	}
	out.Dead = m.dead(len(y))
	out.Slope = summarise(m.act.Alpha).Mean.f32()
	return out
}

func (m metric) f32() float32 { return float32(m) }

// xorResult is every seed of one model on one task.
type xorResult struct {
	Task, Model string
	Outcomes    []xorOutcome
}

// runXOR trains every model on every task over c.seeds seeds, prints and
// writes the summary, the plots and the raw outcomes.
func runXOR(c config, stdout, stderr io.Writer) error {
	start := time.Now()
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "prelutrain: %s\n", c.describeXOR())
	fmt.Fprintf(stdout, "prelu ISA %s; %s/%s, %d CPUs, GOMAXPROCS %d\n\n", prelu.ISA(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	var tasks []xorTask
	for _, data := range c.data {
		for _, h := range c.hidden {
			tasks = append(tasks, xorTask{width: h, noisy: data == "noisy"})
		}
	}
	var results []*xorResult
	for _, t := range tasks {
		var rs []*xorResult
		for _, act := range c.models {
			r := &xorResult{Task: t.String(), Model: act.name, Outcomes: make([]xorOutcome, c.seeds)}
			parallel(c.seeds, c.workers, func(i int) {
				r.Outcomes[i] = trainXOR(act, t, c.seed+uint64(i), c)
			})
			rs = append(rs, r)
			if !c.quiet {
				fmt.Fprintf(stderr, "progress: %s %s done, %s elapsed\n", t, act.name, time.Since(start).Round(time.Second))
			}
		}
		results = append(results, rs...)
		fmt.Fprintf(stdout, "%s (%d training points, %d seeds, at most %d steps):\n", t, len(xorLabels(t, c)), c.seeds, c.steps)
		writeXORSummary(stdout, rs, c, false)
		fmt.Fprintln(stdout)
	}
	elapsed := time.Since(start)
	files, err := writeXOROutputs(c, tasks, results, elapsed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s in %s\n", strings.Join(files, ", "), elapsed.Round(time.Second))
	return nil
}

func xorLabels(t xorTask, c config) []float32 {
	_, y := xorData(t, c.seed, c.perCorner)
	return y
}

// parallel calls f(0), ..., f(n-1), workers at a time.
func parallel(n, workers int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// quantile is the q-quantile (nearest rank) of the steps to solve, the
// unsolved runs counting as never (-1 comes back for those).
func quantile(steps []int, q float64) int {
	s := make([]int, len(steps))
	for i, v := range steps {
		if v < 0 {
			v = math.MaxInt
		}
		s[i] = v
	}
	sort.Ints(s)
	k := max(0, int(math.Ceil(q*float64(len(s))))-1)
	if s[k] == math.MaxInt {
		return -1
	}
	return s[k]
}

func (r *xorResult) steps() []int {
	s := make([]int, len(r.Outcomes))
	for i, o := range r.Outcomes {
		s[i] = o.Steps
	}
	return s
}

func writeXORSummary(w io.Writer, rs []*xorResult, c config, markdown bool) {
	cols := []string{"model", "solved", "steps to solve: median [Q1, Q3]", "median of the solved", "failures", "of which with a dead unit", "all units dead", "diverged", "dead unit at init (all seeds)", "mean slope at the end: median [Q1, Q3]"}
	var rows [][]string
	for _, r := range rs {
		steps := r.steps()
		solved, fails, deadFail, allDead, div, deadInit := 0, 0, 0, 0, 0, 0
		var solvedSteps []int
		var slopes []float64
		for _, o := range r.Outcomes {
			if o.Steps >= 0 {
				solved++
				solvedSteps = append(solvedSteps, o.Steps)
			} else {
				fails++
				if o.Dead > 0 {
					deadFail++
				}
			}
			if o.Diverged {
				div++
			}
			if o.DeadInit > 0 {
				deadInit++
			}
			slopes = append(slopes, float64(o.Slope))
		}
		width := taskWidth(r.Task)
		for _, o := range r.Outcomes {
			if o.Steps < 0 && o.Dead == width {
				allDead++
			}
		}
		q := func(v int) string {
			if v < 0 {
				return fmt.Sprintf(">%d", c.steps)
			}
			return fmt.Sprint(v)
		}
		med := "-"
		if len(solvedSteps) > 0 {
			med = fmt.Sprint(quantile(solvedSteps, 0.5))
		}
		slices.Sort(slopes)
		slope := "-"
		if !r.frozenModel() {
			slope = fmt.Sprintf("%.3f [%.3f, %.3f]", fquantile(slopes, 0.5), fquantile(slopes, 0.25), fquantile(slopes, 0.75))
		}
		rows = append(rows, []string{r.Model,
			fmt.Sprintf("%d/%d (%.1f%%)", solved, len(steps), 100*float64(solved)/float64(len(steps))),
			fmt.Sprintf("%s [%s, %s]", q(quantile(steps, 0.5)), q(quantile(steps, 0.25)), q(quantile(steps, 0.75))),
			med, fmt.Sprint(fails), fmt.Sprint(deadFail), fmt.Sprint(allDead), fmt.Sprint(div), fmt.Sprint(deadInit), slope})
	}
	writeGrid(w, cols, rows, markdown)
}

func (r *xorResult) frozenModel() bool {
	a, err := parseModel(r.Model)
	return err != nil || a.frozen
}

func taskWidth(task string) int {
	var w int
	fmt.Sscanf(task, "2-%d-1", &w)
	return w
}

// fquantile is the q-quantile (nearest rank) of sorted s, NaNs last.
func fquantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	return s[max(0, int(math.Ceil(q*float64(len(s))))-1)]
}

func (c config) describeXOR() string {
	widths := make([]string, len(c.hidden))
	for i, h := range c.hidden {
		widths[i] = fmt.Sprintf("2-%d-1", h)
	}
	opt := fmt.Sprintf("full-batch SGD lr %g momentum %g", c.lr, c.momentum)
	if c.opt == "adam" {
		opt = fmt.Sprintf("full-batch Adam lr %g", c.lr)
	}
	return fmt.Sprintf("XOR, MLP %s, data %s (noisy: %d points per corner, noise N(0, %g²) clipped to ±%g), %s, at most %d steps, seeds %d..%d",
		strings.Join(widths, " and "), strings.Join(c.data, " and "), c.perCorner, xorNoise, xorClip, opt, c.steps, c.seed, c.seed+uint64(c.seeds)-1)
}

func writeXOROutputs(c config, tasks []xorTask, results []*xorResult, elapsed time.Duration) ([]string, error) {
	var files []string
	ext := ".svg"
	if c.png {
		ext = ".png"
	}
	for _, t := range tasks {
		var rs []*xorResult
		for _, r := range results {
			if r.Task == t.String() {
				rs = append(rs, r)
			}
		}
		p, err := xorECDF(t, rs, c)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(c.out, "xor-"+t.file()+ext)
		if err := p.Save(7*vg.Inch, 4.2*vg.Inch, path); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	md := filepath.Join(c.out, "summary.md")
	f, err := os.Create(md)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "`go run ./cmd/prelutrain %s`\n\n%s; prelu ISA %s; %s/%s, %d CPUs; %s.\n",
		c.cmdline, c.describeXOR(), prelu.ISA(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), elapsed.Round(time.Second))
	for _, t := range tasks {
		var rs []*xorResult
		for _, r := range results {
			if r.Task == t.String() {
				rs = append(rs, r)
			}
		}
		fmt.Fprintf(f, "\n### %s (%d training points)\n\n", t, len(xorLabels(t, c)))
		writeXORSummary(f, rs, c, true)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	js := filepath.Join(c.out, "results.json")
	b, err := json.MarshalIndent(struct {
		Config  string
		ISA     string
		Seconds float64
		Results []*xorResult
	}{c.describeXOR(), prelu.ISA(), elapsed.Seconds(), results}, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(js, b, 0o644); err != nil {
		return nil, err
	}
	return append(files, md, js), nil
}

// xorECDF is the empirical distribution of the steps to solve: the
// fraction of seeds solved after each number of steps.
func xorECDF(t xorTask, rs []*xorResult, c config) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("XOR %s: seeds solved within n steps (of %d seeds)", t, c.seeds)
	p.X.Label.Text = "steps (full-batch updates, log scale; 0 counted as 1)"
	p.Y.Label.Text = "solved (%)"
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(5), -vg.Points(5)
	p.Add(plotter.NewGrid())
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	p.X.Min, p.X.Max = 1, float64(c.steps)
	p.Y.Min, p.Y.Max = 0, 100
	for i, r := range rs {
		s := slices.DeleteFunc(r.steps(), func(v int) bool { return v < 0 })
		slices.Sort(s)
		xy := plotter.XYs{{X: 1, Y: 0}}
		for k, v := range s {
			x := math.Max(1, float64(v))
			y := 100 * float64(k) / float64(c.seeds)
			xy = append(xy, plotter.XY{X: x, Y: y}, plotter.XY{X: x, Y: 100 * float64(k+1) / float64(c.seeds)})
		}
		xy = append(xy, plotter.XY{X: float64(c.steps), Y: 100 * float64(len(s)) / float64(c.seeds)})
		l, err := line(xy, colorOf(r.Model, i), 1.5, layerDashes(0))
		if err != nil {
			return nil, err
		}
		p.Add(l)
		p.Legend.Add(r.Model, l)
	}
	return p, nil
}
