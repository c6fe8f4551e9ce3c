package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prelu-go/prelu"
)

// TestNetworksSuite runs -suite networks with very short timing and checks
// that the tables have every shape on every ISA, the sums every network,
// and that the JSON and the plots are there.
func TestNetworksSuite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pb")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-suite", "networks", "-time", "0.0002", "-json", "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	text := stderr.String() // with -json the tables go to stderr
	isas := prelu.ISAs()
	ops := suites["networks"].ops

	for _, elem := range []string{"f32", "f64"} {
		for _, isa := range isas {
			table := section(t, text, "networks, "+elem+", "+isa+": time per call")
			for _, s := range networkShapes {
				if elem == "f64" && !s.f64 {
					continue
				}
				row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(s.net) + ` +` + regexp.QuoteMeta(s.name()) + ` +` +
					regexp.QuoteMeta(itoa(s.n())) + ` +\S+(  +\S+ +[0-9.]+x\S*){` + itoa(len(ops)) + `} *$`)
				if !row.MatchString(table) {
					t.Errorf("%s %s: no row for %s %s", elem, isa, s.net, s.name())
				}
			}
		}
		sums := section(t, text, "networks, "+elem+": time summed per network")
		for _, net := range []string{"iresnet", "mobilefacenet", "mtcnn", "fc", "shared"} {
			for _, isa := range isas {
				row := regexp.MustCompile(`(?m)^` + net + ` +` + isa + ` +[0-9]+ +\S+(  +\S+ +[0-9.]+x){` + itoa(len(ops)) + `}$`)
				if !row.MatchString(sums) {
					t.Errorf("%s: no sum for %s on %s", elem, net, isa)
				}
			}
		}
	}

	var res []struct {
		Suite   string
		Results []suiteResult
		Sums    []suiteSum
		Plots   []string
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout.String())
	}
	if len(res) != 1 || res[0].Suite != "networks" {
		t.Fatalf("JSON has %d suites, want networks alone", len(res))
	}
	f64 := 0
	for _, s := range networkShapes {
		if s.f64 {
			f64++
		}
	}
	if got, want := len(res[0].Results), (len(networkShapes)+f64)*len(ops)*len(isas); got != want {
		t.Errorf("JSON: %d results, want %d", got, want)
	}
	for _, r := range res[0].Results {
		if !(r.NsPerOp > 0 && r.CopyNsPerOp > 0 && r.Ratio > 0) {
			t.Errorf("JSON: %+v", r)
			break
		}
	}
	if got, want := len(res[0].Sums), 2*5*len(ops)*len(isas); got != want {
		t.Errorf("JSON: %d sums, want %d (5 networks, f32 and f64)", got, want)
	}
	for _, elem := range []string{"f32", "f64"} {
		path := out + "-networks-" + elem + ".svg"
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s: not an SVG (%v)", path, err)
		}
	}
}

// section returns text from the line that starts with head to the next
// blank line.
func section(t *testing.T, text, head string) string {
	t.Helper()
	i := strings.Index(text, "\n"+head)
	if i < 0 {
		t.Fatalf("no table %q in:\n%s", head, text)
	}
	s := text[i+1:]
	if j := strings.Index(s, "\n\n"); j >= 0 {
		s = s[:j]
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
