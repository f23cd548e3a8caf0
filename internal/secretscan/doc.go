// Package secretscan proves in tests that no secret leaks into what escrowd
// emits: collect every secret a run handled into a Set (a kind each), then
// scan each output (logs, trace files, API answers, Jaeger's answers) for
// them.
//
// Start with a zero Set: Add the values the test holds (credentials, master
// secrets with AddBytes, derived passwords), let Capture or AddBody collect
// what crossed the wire, then Check every output. A report never repeats a
// secret: each hit names its kind and shows its line with every secret of the
// Set replaced by its kind.
package secretscan
