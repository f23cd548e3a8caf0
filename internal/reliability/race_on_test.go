//go:build race

package reliability_test

// raceEnabled: the race detector makes big single-goroutine reads tens of
// times slower; tests with nothing concurrent to check may step aside.
const raceEnabled = true
