package main

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchLine matches one result line of `go test -bench`, e.g.
// "BenchmarkRPCCall/off-2   20000   11422 ns/op   4060 B/op   46 allocs/op".
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.+)$`)

// benchResult is one benchmark's values per unit, over all its runs.
type benchResult struct {
	name   string
	values map[string][]float64
	units  []string // in first-seen order
}

// parseGoBench reads `go test -bench` output, several -count runs included.
func parseGoBench(r io.Reader) ([]*benchResult, error) {
	byName := map[string]*benchResult{}
	var order []*benchResult
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		br := byName[m[1]]
		if br == nil {
			br = &benchResult{name: m[1], values: map[string][]float64{}}
			byName[m[1]] = br
			order = append(order, br)
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark %s: value %q: %w", m[1], f[i], err)
			}
			unit := f[i+1]
			if _, seen := br.values[unit]; !seen {
				br.units = append(br.units, unit)
			}
			br.values[unit] = append(br.values[unit], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	return order, nil
}

// summarize prints a markdown table per benchmark family (the name up to its
// last '/'): the median of each unit over the runs, and for ns/op, B/op and
// allocs/op the difference from the family's baseline sub-benchmark.
func summarize(w io.Writer, results []*benchResult, baseline string) {
	var families []string
	byFamily := map[string][]*benchResult{}
	for _, r := range results {
		fam := path.Dir(r.name)
		if _, ok := byFamily[fam]; !ok {
			families = append(families, fam)
		}
		byFamily[fam] = append(byFamily[fam], r)
	}
	diffUnits := []string{"ns/op", "B/op", "allocs/op"}
	for _, fam := range families {
		rs := byFamily[fam]
		var units []string
		for _, r := range rs {
			for _, u := range r.units {
				if !slices.Contains(units, u) {
					units = append(units, u)
				}
			}
		}
		var base *benchResult
		for _, r := range rs {
			if path.Base(r.name) == baseline {
				base = r
			}
		}
		header := []string{"benchmark", "runs"}
		for _, u := range units {
			header = append(header, u)
		}
		if base != nil {
			for _, u := range diffUnits {
				if slices.Contains(units, u) {
					header = append(header, "Δ "+u+" vs "+baseline)
				}
			}
			header = append(header, "× ns/op")
		}
		fmt.Fprintf(w, "\n| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
		for _, r := range rs {
			row := []string{r.name, strconv.Itoa(len(r.values[r.units[0]]))}
			for _, u := range units {
				row = append(row, formatValue(r.values[u]))
			}
			if base != nil {
				for _, u := range diffUnits {
					if slices.Contains(units, u) {
						row = append(row, formatDiff(median(r.values[u])-median(base.values[u])))
					}
				}
				ratio := median(r.values["ns/op"]) / median(base.values["ns/op"])
				row = append(row, strconv.FormatFloat(ratio, 'f', 3, 64))
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
	}
}

func formatValue(vs []float64) string {
	if len(vs) == 0 {
		return ""
	}
	return formatNumber(median(vs))
}

// formatNumber prints large values whole and small ones with 3 significant digits.
func formatNumber(v float64) string {
	if v >= 100 || v <= -100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func formatDiff(d float64) string {
	s := formatNumber(d)
	if d >= 0 {
		s = "+" + s
	}
	return s
}
