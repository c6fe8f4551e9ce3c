package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prelu-go/prelu"
)

// tinyWorkersSizes makes the workers suite measure a few small sizes (one
// of them below one NCHW plane, one with a partial set of channels) for
// the test's duration.
func tinyWorkersSizes(t *testing.T) {
	t.Helper()
	saved := workersSizes
	workersSizes = []int{1 << 10, 1 << 13, 1 << 19}
	t.Cleanup(func() { workersSizes = saved })
}

// TestWorkersSuite runs -suite workers -workers 3 on tiny sizes and checks
// the table's rows, the JSON, the plot, and that the worker count is the
// flag's during the run and the previous one after it.
func TestWorkersSuite(t *testing.T) {
	tinyWorkersSizes(t)
	before := prelu.SetWorkers(5)
	defer prelu.SetWorkers(before)
	out := filepath.Join(t.TempDir(), "pb")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-suite", "workers", "-workers", "3", "-time", "0.0002", "-json", "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	if got := prelu.Workers(); got != 5 {
		t.Errorf("Workers() = %d after the run, want 5 (as before it)", got)
	}
	text := stderr.String()
	if !strings.Contains(text, "\nworkers:  3 per large call") {
		t.Errorf("the header does not say 3 workers:\n%s", text)
	}
	table := section(t, text, "workers, f32, "+prelu.ISA()+": time per call")
	num := `[0-9.]+(ns|µs|ms|s) +[0-9.]+`
	for _, n := range []string{"1K", "8K", "512K"} {
		for _, op := range append([]string{"copy()"}, workersOps...) {
			tail := ` +[0-9]+%( !)?`
			if op == "copy()" {
				tail = ``
			}
			row := regexp.MustCompile(`(?m)^ *` + n + `  ` + regexp.QuoteMeta(op) + ` +` + num + ` +` + num +
				` +[0-9.]+x +[0-9.]+x` + tail + `$`)
			if !row.MatchString(table) {
				t.Errorf("no row for %s %s in:\n%s", n, op, table)
			}
		}
	}

	var res []suiteJSON
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout.String())
	}
	if len(res) != 1 || res[0].Suite != "workers" {
		t.Fatalf("JSON has %d suites, want workers alone", len(res))
	}
	rs := res[0].Workers
	if got, want := len(rs), 3*(len(workersOps)+1); got != want {
		t.Errorf("JSON: %d results, want %d", got, want)
	}
	for _, r := range rs {
		if r.Workers != 3 || !(r.Ns1 > 0 && r.NsN > 0 && r.SpeedUp > 0 && r.Ceiling > 0 && r.GBps1 > 0) {
			t.Errorf("JSON: %+v", r)
		}
		if strings.HasSuffix(r.Op, "-nchw") && r.Channels*r.Inner > r.N {
			t.Errorf("JSON: %s n=%d has a layout of %d x %d", r.Op, r.N, r.Channels, r.Inner)
		}
	}
	if len(res[0].Plots) != 1 || res[0].Plots[0] != out+"-workers.svg" {
		t.Errorf("JSON: plots %q, want %s-workers.svg", res[0].Plots, out)
	}
	b, err := os.ReadFile(out + "-workers.svg")
	if err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("%s-workers.svg: not an SVG (%v)", out, err)
	}
}

// TestWorkersSuiteOne runs -suite workers -workers 1: only the 1-worker
// columns, said so, and no plot.
func TestWorkersSuiteOne(t *testing.T) {
	tinyWorkersSizes(t)
	out := filepath.Join(t.TempDir(), "pb")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-suite", "workers", "-workers", "1", "-time", "0.0002", "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	text := stdout.String()
	table := section(t, text, "workers, f32, "+prelu.ISA()+": time per call")
	if !strings.Contains(table, "-workers 1: no N-worker columns") {
		t.Errorf("the table does not say it has 1 worker only:\n%s", table)
	}
	row := regexp.MustCompile(`(?m)^ *512K  backward-nchw +[0-9.]+(ns|µs|ms|s) +[0-9.]+$`)
	if !row.MatchString(table) {
		t.Errorf("no 1-worker row for 512K backward-nchw in:\n%s", table)
	}
	if !strings.Contains(text, "no plot: -workers 1") {
		t.Errorf("no word on the missing plot:\n%s", text)
	}
	if _, err := os.Stat(out + "-workers.svg"); err == nil {
		t.Errorf("a plot was written with -workers 1")
	}
}

// TestWorkersFlag checks that -workers applies to the other modes too:
// the JSON records prelu.Workers() as measured, and the run restores the
// previous count. A count below 1 is an error.
func TestWorkersFlag(t *testing.T) {
	before := prelu.SetWorkers(2)
	defer prelu.SetWorkers(before)
	var stdout, stderr bytes.Buffer
	args := []string{"-ops", "forward", "-sizes", "256", "-isas", prelu.ISA(), "-time", "0.0002", "-json", "-out", "", "-workers", "7"}
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	var rs []result
	if err := json.Unmarshal(stdout.Bytes(), &rs); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout.String())
	}
	if len(rs) == 0 {
		t.Fatal("JSON: no results")
	}
	for _, r := range rs {
		if r.Workers != 7 {
			t.Errorf("JSON: %s %s measured on %d workers, want 7", r.Op, r.ISA, r.Workers)
		}
	}
	if got := prelu.Workers(); got != 2 {
		t.Errorf("Workers() = %d after the run, want 2 (as before it)", got)
	}
	if err := run([]string{"-workers", "0"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "-workers") {
		t.Errorf("-workers 0: error %v, want one about -workers", err)
	}
}
