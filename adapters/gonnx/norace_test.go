//go:build !race

package gonnxprelu_test

// raceEnabled: see race_test.go.
const raceEnabled = false
