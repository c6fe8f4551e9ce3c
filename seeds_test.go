package prelu

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The committed seed corpus (testdata/fuzz) covers the special values and
// the layout edges, so that a plain `go test` replays them everywhere.
// TestSeedCorpus checks that it matches seedCorpus; with
// PRELU_WRITE_SEEDS=1 it writes it.

// seed builds fuzz input in the decoder's format.
type seed []byte

func (s seed) u16(v int) seed { return append(s, byte(v), byte(v>>8)) }
func (s seed) b(v int) seed   { return append(s, byte(v)) }

// specialValues appends n element selectors cycling through specials().
func (s seed) specialValues(n, first int) seed {
	s = s.u16(0) // slice offset
	for i := range n {
		s = s.b((first + i) % len(specials[float32]()))
	}
	return s
}

func (s seed) layout(channels, inner, outer, sel int) seed {
	return s.u16(channels - 1).u16(inner - 1).u16(outer).b(sel)
}

func seedCorpus() map[string]map[string]seed {
	c := map[string]map[string]seed{
		"FuzzForward": {}, "FuzzForwardChannels": {}, "FuzzBackward": {}, "FuzzBackwardChannels": {},
	}
	nSp := len(specials[float32]())
	for typ, name := range []string{"f32", "f64"} {
		for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 131} {
			for a := range nSp {
				c["FuzzForward"][fmt.Sprintf("%s-n%d-alpha%d", name, n, a)] = seed{}.b(typ).u16(n).specialValues(n, a).b(a).b(a)
			}
			c["FuzzBackward"][fmt.Sprintf("%s-n%d", name, n)] = seed{}.b(typ).u16(n).specialValues(n, 0).specialValues(n, 7).b(3)
		}
		layouts := [][2]int{{1, 1}, {3, 1}, {5, 1}, {16, 1}, {17, 1}, {24, 1}, {40, 1}, {64, 1}, {70, 1},
			{3, 7}, {64, 7}, {2, 49}, {1, 60}, {17, 16}, {5, 15}, {8, 2}}
		for _, l := range layouts {
			for _, outer := range []int{1, 3} {
				n := l[0] * l[1] * outer
				key := fmt.Sprintf("%s-c%d-inner%d-outer%d", name, l[0], l[1], outer)
				c["FuzzForwardChannels"][key] = seed{}.b(typ).layout(l[0], l[1], outer, 4).specialValues(n, 1).specialValues(l[0], 2)
				for variant := range 3 {
					c["FuzzBackwardChannels"][fmt.Sprintf("%s-variant%d", key, variant)] = seed{}.b(typ).layout(l[0], l[1], outer, 4).
						specialValues(n, 0).specialValues(n, 5).specialValues(l[0], 2).b(1).b(2).b(3).b(variant)
				}
			}
		}
		for sel, what := range map[int]string{2: "bad-inner", 3: "not-a-multiple"} {
			c["FuzzForwardChannels"][name+"-"+what] = seed{}.b(typ).layout(3, 4, 2, sel)
			c["FuzzBackwardChannels"][name+"-"+what] = seed{}.b(typ).layout(3, 4, 2, sel)
		}
	}
	return c
}

func corpusFile(s seed) string {
	return fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", []byte(s))
}

func TestSeedCorpus(t *testing.T) {
	write := os.Getenv("PRELU_WRITE_SEEDS") == "1"
	for target, seeds := range seedCorpus() {
		for name, s := range seeds {
			path := filepath.Join("testdata", "fuzz", target, "seed-"+name)
			if write {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(corpusFile(s)), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != corpusFile(s) {
				t.Fatalf("%s is missing or stale: run PRELU_WRITE_SEEDS=1 go test -run TestSeedCorpus", path)
			}
		}
	}
}
