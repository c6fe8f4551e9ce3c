package prelu

import (
	"bufio"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
	"github.com/stretchr/testify/require"
)

func TestChoose(t *testing.T) {
	best := supported[0]
	require.Equal(t, best, choose(""))
	require.Equal(t, best, choose("no-such-isa"), "an unknown cap is ignored")
	require.Equal(t, isaGeneric, choose("generic"))
	require.Equal(t, isaGeneric, choose("GENERIC"))
	if slices.Contains(supported, isaAVX2) {
		require.Equal(t, isaAVX2, choose("avx2"))
		require.Equal(t, best, choose("avx512"))
	}
	if runtime.GOARCH == "amd64" {
		require.Equal(t, isaGeneric, choose("neon"), "another architecture's ISA leaves only generic")
	}
	if runtime.GOARCH == "arm64" {
		require.Equal(t, isaGeneric, choose("avx2"))
		require.Equal(t, best, choose("neon"))
	}
}

func TestSetISA(t *testing.T) {
	defer active.Store(active.Load())
	for _, name := range ISAs() {
		require.NoError(t, SetISA(name))
		require.Equal(t, name, ISA())
	}
	require.ErrorContains(t, SetISA("sse9"), `prelu: ISA "sse9" is not available here`)
}

// TestDetection checks cpuid's answer against the kernel's own list of CPU
// features, so that a build that silently fell back to generic fails.
func TestDetection(t *testing.T) {
	if len(compiled) == 0 {
		require.Equal(t, []isaID{isaGeneric}, supported, "a purego build has only generic")
		return
	}
	if runtime.GOARCH == "arm64" {
		// ASIMD is part of every arm64 CPU that Go runs on (and under
		// qemu-user /proc/cpuinfo describes the host, not the emulated CPU).
		require.Equal(t, isaNEON, supported[0])
		if os.Getenv("PRELU_ISA") == "" {
			require.Equal(t, "neon", ISA(), "arm64 must run NEON unless capped")
		}
		return
	}
	flags := cpuFlags(t)
	want := map[isaID][]string{
		isaAVX2:   {"avx", "avx2", "cmov"},
		isaAVX512: {"avx", "avx512f", "bmi2", "cmov"},
	}
	for _, id := range compiled {
		has := true
		for _, f := range want[id] {
			has = has && flags[f]
		}
		require.Equalf(t, has, slices.Contains(supported, id), "%v: /proc/cpuinfo says %v", id, has)
	}
	if os.Getenv("PRELU_ISA") == "" {
		require.Equal(t, supported[0], activeISA(), "with no cap the best ISA is active")
	}
}

// cpuFlags reads the kernel's CPU feature flags.
func cpuFlags(t *testing.T) map[string]bool {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo to check cpuid against: %v", err)
	}
	defer f.Close()
	flags := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if key = strings.TrimSpace(key); ok && (key == "flags" || key == "Features") {
			for _, fl := range strings.Fields(val) {
				flags[fl] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading /proc/cpuinfo: %v", err)
	}
	return flags
}

// TestRequiresCoversGeneratedCode: every feature in the assembly's
// "Requires:" lines is checked at dispatch.
func TestRequiresCoversGeneratedCode(t *testing.T) {
	text := regexp.MustCompile(`(?m)^// Requires: (.*)\n(?://.*\n)*TEXT ·\w+?(AVX512|AVX2|NEON)F(?:32|64)\(SB\)`)
	for _, file := range []string{"prelu_amd64.s", "prelu_arm64.s"} {
		src, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		matches := text.FindAllStringSubmatch(string(src), -1)
		for _, m := range matches {
			id, _ := lookup(m[2])
			for _, name := range strings.Split(m[1], ", ") {
				f := cpuid.ParseFeature(name)
				if f == cpuid.UNKNOWN && (name == "SSE2" || name == "MMX+") {
					continue // part of amd64 itself
				}
				require.Containsf(t, requires[id], f, "%s: %v kernels use %s", file, id, name)
			}
		}
		if file == "prelu_amd64.s" {
			require.Len(t, matches, strings.Count(string(src), "\nTEXT "), "a kernel in %s without a Requires line", file)
		}
	}
}

func TestImplementations(t *testing.T) {
	list := Implementations()
	require.Equal(t, "generic", list[len(list)-1].Name)
	var runnable []string
	for _, im := range list {
		if len(im.Missing) == 0 {
			runnable = append(runnable, im.Name)
		}
	}
	require.Equal(t, ISAs(), runnable, "the implementations with nothing missing are the ones ISAs lists")
}
