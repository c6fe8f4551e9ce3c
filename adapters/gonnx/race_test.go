//go:build race

package gonnxprelu_test

// raceEnabled: under the race detector, sync.Pool (which gorgonia uses for
// shapes) drops items at random, so allocation counts are not exact.
const raceEnabled = true
