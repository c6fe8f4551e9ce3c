//go:build !race

package prelu

// Without the race detector the annotations compile away (see race.go).

// raceEnabled reports whether this is a -race build.
const raceEnabled = false

func raceRead[T Float](s []T) {}

func raceWrite[T Float](s []T) {}
