package secretscan

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
)

// Hit is one secret found in an output.
type Hit struct {
	Kind string
	// Offset is where in the output the secret starts.
	Offset int
	// Line is the output's line around the secret, with every secret of the
	// Set in it replaced by "<kind>": a report may show it.
	Line string
}

// Scan finds every secret of the Set in data, one Hit per secret (its first
// occurrence), in the order they occur.
func (s *Set) Scan(data []byte) []Hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []Hit
	for v, kind := range s.values {
		if i := bytes.Index(data, []byte(v)); i >= 0 {
			hits = append(hits, Hit{Kind: kind, Offset: i, Line: s.redact(lineAround(data, i))})
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.Kind, b.Kind))
	})
	return hits
}

// lineAround is the line of data that holds data[i].
func lineAround(data []byte, i int) string {
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	end := bytes.IndexByte(data[i:], '\n')
	if end < 0 {
		return string(data[start:])
	}
	return string(data[start : i+end])
}

// redact replaces every secret in line by its kind, the longest first, so
// that a secret inside another (a password within a longer message) cannot
// leave part of the longer one behind. The caller holds s.mu.
func (s *Set) redact(line string) string {
	var in []string
	for v := range s.values {
		if strings.Contains(line, v) {
			in = append(in, v)
		}
	}
	slices.SortFunc(in, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	for _, v := range in {
		line = strings.ReplaceAll(line, v, "<"+s.values[v]+">")
	}
	return line
}
