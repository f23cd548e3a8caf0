package analysis

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// StatsOptions tune Aggregate.
type StatsOptions struct {
	Slow SlowThreshold
	// Workers is the number of files read at once; 0 means GOMAXPROCS.
	Workers int
}

// Stats summarise many escrows. Memory is bounded by the number of distinct
// methods, roles, rounds and anomaly kinds, not by the number of files.
type Stats struct {
	Files, Success, Failed, Incomplete int
	// Unreadable counts files that could not be read; UnreadableFiles names the
	// first maxUnreadableListed of them in path order.
	Unreadable      int
	UnreadableFiles []UnreadableFile

	// Lifecycle counts the files that hold more than the setup; with none,
	// FailuresByPhase is nil and the outputs read as before.
	Lifecycle int
	// FailuresByPhase counts failed escrows by the phase that failed.
	FailuresByPhase   map[escrow.Phase]int
	FailuresByRound   map[int]int // 0: the failure named no round
	FailuresByRole    map[string]int
	FailuresByMethod  map[string]int
	FailuresByAnomaly map[Kind]int
	// FailuresByRootCause counts failed escrows by their RootCause; "" counts
	// the failures that no kind names.
	FailuresByRootCause map[Kind]int

	Anomalies []KindStats // kinds seen, in the contract's order
	RPC       []MethodLatency
}

// UnreadableFile is a file that Aggregate skipped, and why.
type UnreadableFile struct {
	Path  string
	Error string
}

// KindStats say how often an anomaly kind occurs and how often it comes with
// a failed escrow: FailRate is the share of files with the kind that failed
// (compare with the overall failure rate); ShareOfFailures is the share of all
// failed escrows that show it.
type KindStats struct {
	Kind            Kind
	Occurrences     int
	Files           int
	FailedFiles     int
	FailRate        float64
	ShareOfFailures float64
}

// MethodLatency are a method's calls over all files; the percentiles come from
// a streaming histogram (see QuantileRelErr).
type MethodLatency struct {
	Method string
	Calls  uint64
	Errors uint64
	P50MS  float64
	P95MS  float64
	P99MS  float64
	MaxMS  float64
}

// QuantileRelErr is the largest relative error of the percentiles in Stats.
const QuantileRelErr = histRelErr

const maxUnreadableListed = 20

// Clean reports whether every file was read and every escrow succeeded
// without anomalies.
func (s *Stats) Clean() bool {
	return s.Unreadable == 0 && s.Failed == 0 && s.Incomplete == 0 && len(s.Anomalies) == 0
}

// RootCauseShare is the share of failed escrows that a root-cause kind names
// (rpc_error, the symptom, is none).
func (s *Stats) RootCauseShare() float64 {
	if s.Failed == 0 {
		return 0
	}
	named := 0
	for k, n := range s.FailuresByRootCause {
		if k != "" && k != KindRPCError {
			named += n
		}
	}
	return float64(named) / float64(s.Failed)
}

// RootCauseOrder lists the kinds RootCause may answer, in the contract's
// order, rpc_error last.
func RootCauseOrder() []Kind {
	return append(rootCauseKinds[:len(rootCauseKinds):len(rootCauseKinds)], KindRPCError)
}

// FailureRate is the share of read escrows that failed.
func (s *Stats) FailureRate() float64 {
	read := s.Files - s.Unreadable
	if read == 0 {
		return 0
	}
	return float64(s.Failed) / float64(read)
}

// fileSummary is what one file contributes to Stats: small, so that workers
// hand on summaries rather than files.
type fileSummary struct {
	path    string
	err     error
	outcome string
	// lifecycle: the file holds more than the setup.
	lifecycle bool
	fail      failure
	failPhase escrow.Phase
	root      Kind
	kinds     map[Kind]int
	calls     []callSummary
}

type callSummary struct {
	method     string
	durationMS float64
	failed     bool
}

// failure is where an escrow failed.
type failure struct {
	round  int
	role   string
	method string
}

// Aggregate reads every *.json file under the given paths (directories are
// walked; files are taken as given) with a bounded pool of workers and
// summarises them. Unreadable files are counted and named, not fatal; an error
// is returned only when a path cannot be walked or ctx ends.
func Aggregate(ctx context.Context, paths []string, opts StatsOptions) (*Stats, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan string, 2*workers)
	results := make(chan fileSummary, 2*workers)
	walkErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		walkErr <- walk(ctx, paths, jobs)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range jobs {
				select {
				case results <- summarise(p, opts):
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	acc := newStatsAcc()
	for r := range results {
		acc.add(r)
	}
	if err := <-walkErr; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return acc.stats(), nil
}

func walk(ctx context.Context, paths []string, jobs chan<- string) error {
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("%s: %w", p, unwrapPathError(err))
			}
			if d.IsDir() || (p != root && !strings.HasSuffix(d.Name(), ".json")) {
				return nil
			}
			select {
			case jobs <- p:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func summarise(path string, opts StatsOptions) fileSummary {
	f, err := ReadFile(path)
	if err != nil {
		return fileSummary{path: path, err: err}
	}
	a := Analyze(f, Options{Slow: opts.Slow})
	s := fileSummary{path: path, outcome: f.Outcome, lifecycle: a.Timeline.Lifecycle, kinds: map[Kind]int{}}
	if f.Outcome == escrowtrace.OutcomeFailed {
		s.fail = failureOf(f, a.Timeline.Events)
		s.failPhase = failedPhase(f, a.Timeline.Events)
		s.root = a.RootCause()
	}
	for _, an := range a.Anomalies {
		s.kinds[an.Kind]++
	}
	calls, _ := pairCalls(a.Timeline.Events)
	s.calls = make([]callSummary, len(calls))
	for i, c := range calls {
		s.calls[i] = callSummary{method: c.End.Method, durationMS: c.DurationMS, failed: c.failed()}
	}
	return s
}

// failedPhase is the phase a failed escrow failed in: its latest phase.
func failedPhase(f *escrowtrace.File, events []escrowtrace.Event) escrow.Phase {
	if n := len(f.Phases); n > 0 {
		return f.Phases[n-1].Name
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == escrowtrace.EventErrorFinal {
			return phaseOf(&events[i])
		}
	}
	return escrow.PhaseSetup
}

// failureOf locates a failure: the round, role and operation of the last
// ERROR_FINAL (or the file's error), and the method of the last failed call of
// that role before it.
func failureOf(f *escrowtrace.File, events []escrowtrace.Event) failure {
	var fl failure
	final := -1
	for i := range events {
		if events[i].Type == escrowtrace.EventErrorFinal {
			final = i
		}
	}
	op := ""
	if final >= 0 {
		e := events[final]
		fl.role, fl.round = e.Role, e.Round
		if e.Context != nil {
			if fl.round == 0 {
				fl.round = e.Context.Round
			}
			op = e.Context.Operation
		}
	} else if f.Error != nil {
		fl.role, fl.round, op = f.Error.Role, f.Error.Round, f.Error.Operation
		final = len(events)
	}
	for i := min(final, len(events)) - 1; i >= 0; i-- {
		e := events[i]
		if e.Type == escrowtrace.EventRPCCallError && (fl.role == "" || e.Role == fl.role) {
			fl.method = e.Method
			if fl.role == "" {
				fl.role = e.Role
			}
			if fl.round == 0 {
				fl.round = e.Round
			}
			break
		}
	}
	if fl.method == "" {
		fl.method = op
	}
	if fl.role == "" {
		fl.role = "unknown"
	}
	if fl.method == "" {
		fl.method = "unknown"
	}
	return fl
}

// statsAcc accumulates summaries; only the reducing goroutine touches it.
type statsAcc struct {
	s          Stats
	kindOcc    map[Kind]int
	kindFiles  map[Kind]int
	kindFailed map[Kind]int
	methods    map[string]*methodAcc
}

type methodAcc struct {
	h      *histogram
	errors uint64
}

func newStatsAcc() *statsAcc {
	return &statsAcc{
		s: Stats{
			FailuresByPhase: map[escrow.Phase]int{}, FailuresByRound: map[int]int{}, FailuresByRole: map[string]int{},
			FailuresByMethod: map[string]int{}, FailuresByAnomaly: map[Kind]int{}, FailuresByRootCause: map[Kind]int{},
		},
		kindOcc: map[Kind]int{}, kindFiles: map[Kind]int{}, kindFailed: map[Kind]int{},
		methods: map[string]*methodAcc{},
	}
}

func (a *statsAcc) add(r fileSummary) {
	s := &a.s
	s.Files++
	if r.err != nil {
		s.Unreadable++
		s.UnreadableFiles = append(s.UnreadableFiles, UnreadableFile{Path: r.path, Error: r.err.Error()})
		sort.Slice(s.UnreadableFiles, func(i, j int) bool { return s.UnreadableFiles[i].Path < s.UnreadableFiles[j].Path })
		if len(s.UnreadableFiles) > maxUnreadableListed {
			s.UnreadableFiles = s.UnreadableFiles[:maxUnreadableListed]
		}
		return
	}
	failed := r.outcome == escrowtrace.OutcomeFailed
	if r.lifecycle {
		s.Lifecycle++
	}
	switch r.outcome {
	case escrowtrace.OutcomeSuccess:
		s.Success++
	case escrowtrace.OutcomeFailed:
		s.Failed++
		s.FailuresByPhase[r.failPhase.Of()]++
		s.FailuresByRound[r.fail.round]++
		s.FailuresByRole[r.fail.role]++
		s.FailuresByMethod[r.fail.method]++
		s.FailuresByRootCause[r.root]++
	default:
		s.Incomplete++
	}
	for k, n := range r.kinds {
		a.kindOcc[k] += n
		a.kindFiles[k]++
		if failed {
			a.kindFailed[k]++
			s.FailuresByAnomaly[k]++
		}
	}
	for _, c := range r.calls {
		m := a.methods[c.method]
		if m == nil {
			m = &methodAcc{h: newHistogram()}
			a.methods[c.method] = m
		}
		m.h.add(c.durationMS)
		if c.failed {
			m.errors++
		}
	}
}

func (a *statsAcc) stats() *Stats {
	s := a.s
	if s.Lifecycle == 0 {
		s.FailuresByPhase = nil
	}
	for _, k := range Kinds() {
		files := a.kindFiles[k]
		if files == 0 {
			continue
		}
		ks := KindStats{Kind: k, Occurrences: a.kindOcc[k], Files: files, FailedFiles: a.kindFailed[k]}
		ks.FailRate = float64(ks.FailedFiles) / float64(files)
		if s.Failed > 0 {
			ks.ShareOfFailures = float64(ks.FailedFiles) / float64(s.Failed)
		}
		s.Anomalies = append(s.Anomalies, ks)
	}
	names := make([]string, 0, len(a.methods))
	for m := range a.methods {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		h := a.methods[m]
		s.RPC = append(s.RPC, MethodLatency{
			Method: m, Calls: h.h.n, Errors: h.errors,
			P50MS: h.h.quantile(0.50), P95MS: h.h.quantile(0.95), P99MS: h.h.quantile(0.99), MaxMS: h.h.max,
		})
	}
	return &s
}
