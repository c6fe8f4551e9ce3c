package main

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"testing"

	"github.com/prelu-go/prelu"
)

// TestLimitsSuite runs -suite limits with very short timing and checks that
// the table has a row per small shape and op, a verdict for each, and the
// same results in the JSON.
func TestLimitsSuite(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-suite", "limits", "-time", "0.0002", "-json", "-out", ""}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	table := section(t, stderr.String(), "limits, f32, "+prelu.ISA()+": each shape's time split")
	shapes := 0
	for _, s := range networkShapes {
		if s.n() > limitsMaxN {
			if regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(s.net) + ` +` + regexp.QuoteMeta(s.name()) + ` `).MatchString(table) {
				t.Errorf("%s %s: n = %d is over limitsMaxN, yet it has a row", s.net, s.name(), s.n())
			}
			continue
		}
		shapes++
		for _, op := range networkOps {
			row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(s.net) + ` +` + regexp.QuoteMeta(s.name()) + ` +` +
				itoa(s.n()) + ` +` + op + ` +-?[0-9.]+x +[0-9.]+x +\S+ +\S+ +-?[0-9.]+x  (met|fixed cost|per element)$`)
			if !row.MatchString(table) {
				t.Errorf("%s %s %s: no row in\n%s", s.net, s.name(), op, table)
			}
		}
	}
	if shapes == 0 {
		t.Fatal("no shape is small enough for the suite")
	}
	var res []suiteJSON
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if len(res) != 1 || res[0].Suite != "limits" || len(res[0].Limits) != shapes*len(networkOps) {
		t.Fatalf("JSON: want the limits suite with %d results, have %+v", shapes*len(networkOps), res)
	}
	for _, r := range res[0].Limits {
		if r.Limit != limitOf(r.Ratio, r.PerRatio, r.Target) || !(r.Ratio > 0) || r.ISA != prelu.ISA() {
			t.Errorf("JSON: %+v", r)
		}
	}

	// The cache table: a row per size, a column per op and copy().
	cache := section(t, stderr.String(), "limits, f32, "+prelu.ISA()+", one slope: time per element around")
	cols := append([]string{"copy"}, networkOps...)
	for _, n := range cacheSizes {
		row := `(?m)^ *` + itoa(n)
		for _, op := range cols {
			row += `  +[0-9]+ps +[0-9.]+x +` + itoa(4*n*cacheSlices(op)>>10) + `KiB`
		}
		if !regexp.MustCompile(row + ` *$`).MatchString(cache) {
			t.Errorf("cache n = %d: no row in\n%s", n, cache)
		}
	}
	if len(res[0].Cache) != len(cacheSizes)*len(cols) {
		t.Fatalf("JSON: want %d cache results, have %d", len(cacheSizes)*len(cols), len(res[0].Cache))
	}
	for _, r := range res[0].Cache {
		if r.SetBytes != 4*r.N*cacheSlices(r.Op) || !(r.PsPerN > 0) || r.ISA != prelu.ISA() || r.Op == "copy" && r.Ratio != 1 {
			t.Errorf("JSON: %+v", r)
		}
	}
}

// TestCacheSlices checks the slices each op touches: two for copy(),
// Forward and the slope gradient alone (dy, x), three where dx is written.
func TestCacheSlices(t *testing.T) {
	want := map[string]int{"copy": 2, "forward": 2, "dalpha-only": 2, "backward": 3, "dx-only": 3}
	for op, n := range want {
		if got := cacheSlices(op); got != n {
			t.Errorf("cacheSlices(%q) = %d, want %d", op, got, n)
		}
	}
}

// TestSplitTime checks the split on times made from a known fixed cost and
// cost per element, and the verdicts at their edges.
func TestSplitTime(t *testing.T) {
	const fixed, per, n = 12.5, 0.25, 1000
	t1, tk := fixed+per*n, fixed+per*n*limitsBatch
	gotFixed, gotPerN := splitTime(t1, tk, limitsBatch)
	if math.Abs(gotFixed-fixed) > 1e-9 || math.Abs(gotPerN-per*n) > 1e-9 {
		t.Errorf("splitTime(%v, %v) = %v, %v; want %v, %v", t1, tk, gotFixed, gotPerN, fixed, per*n)
	}
	for _, c := range []struct {
		ratio, perRatio, target float64
		want                    string
	}{
		{1.5, 9, 1.5, "met"},
		{1.6, 1.5, 1.5, "fixed cost"},
		{1.6, 1.51, 1.5, "per element"},
		{3.1, 0.5, 3, "fixed cost"},
	} {
		if got := limitOf(c.ratio, c.perRatio, c.target); got != c.want {
			t.Errorf("limitOf(%v, %v, %v) = %q, want %q", c.ratio, c.perRatio, c.target, got, c.want)
		}
	}
}

// TestBatched checks that a larger batch multiplies the outer dimension
// and keeps the layout (channels and inner) as it was.
func TestBatched(t *testing.T) {
	for _, s := range append(networkShapes, suiteShape{"x", "nchw", []int{2, 3, 4, 5}, false}) {
		b := s.batched(limitsBatch)
		bc, bi := b.channels()
		sc, si := s.channels()
		if b.n() != limitsBatch*s.n() || bc != sc || bi != si || b.layout != s.layout {
			t.Errorf("%s %s batched: %s (n %d, channels %d, inner %d)", s.net, s.name(), b.name(), b.n(), bc, bi)
		}
		if len(s.dims) > 0 && &b.dims[0] == &s.dims[0] {
			t.Errorf("%s %s batched shares its dims", s.net, s.name())
		}
	}
}
