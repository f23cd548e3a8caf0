package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// The --json shapes. The contract (shared/escrow-trace/README.md) names the
// fields scripts may rely on; everything else here is additive.

type jsonTimeline struct {
	EscrowID     string                 `json:"escrow_id"`
	TraceID      string                 `json:"trace_id"`
	Service      string                 `json:"service,omitempty"`
	Outcome      string                 `json:"outcome"`
	StartedAt    time.Time              `json:"started_at"`
	DurationMS   *float64               `json:"duration_ms,omitempty"`
	Error        *escrowtrace.FileError `json:"error"`
	UnknownTypes []string               `json:"unknown_event_types,omitempty"`
	// Phases are the file's phases, for a file that holds more than the setup.
	Phases []escrowtrace.PhaseRecord `json:"phases,omitempty"`
	Events []escrowtrace.Event       `json:"events"`
}

// WriteTimelineJSON writes the timeline with the file's own event objects.
func WriteTimelineJSON(w io.Writer, tl *Timeline) error {
	events := tl.Events
	if events == nil {
		events = []escrowtrace.Event{}
	}
	return writeJSON(w, jsonTimeline{
		EscrowID: tl.EscrowID, TraceID: tl.TraceID, Service: tl.Service, Outcome: tl.Outcome,
		StartedAt: tl.StartedAt, DurationMS: tl.DurationMS, Error: tl.Error, UnknownTypes: tl.UnknownTypes,
		Phases: tl.Phases, Events: events,
	})
}

type jsonLatency struct {
	Calls  int     `json:"calls"`
	Errors int     `json:"errors"`
	P50MS  float64 `json:"p50_ms"`
	P95MS  float64 `json:"p95_ms"`
	MaxMS  float64 `json:"max_ms"`
}

type jsonRPC struct {
	Method string `json:"method"`
	jsonLatency
	ByRole []jsonRoleRPC `json:"by_role"`
}

type jsonRoleRPC struct {
	Role string `json:"role"`
	jsonLatency
}

type jsonAnomaly struct {
	Kind  Kind   `json:"kind"`
	Role  string `json:"role,omitempty"`
	Round int    `json:"round,omitempty"`
	Seq   *int   `json:"seq,omitempty"`
	// Phase is set in files that hold more than the setup.
	Phase   escrow.Phase `json:"phase,omitempty"`
	Message string       `json:"message"`
	Cause   string       `json:"cause"`
	Hint    string       `json:"hint"`
}

type jsonPoint struct {
	Point    string               `json:"point"`
	Seq      int                  `json:"seq"`
	OffsetMS float64              `json:"offset_ms"`
	Snapshot escrowtrace.Snapshot `json:"snapshot"`
}

type jsonRoleSnapshots struct {
	Role    string       `json:"role"`
	Count   int          `json:"count"`
	Missing []string     `json:"missing"`
	Points  []*jsonPoint `json:"points"` // seven entries; null for a point with no snapshot
}

type jsonError struct {
	Event  escrowtrace.Event   `json:"event"`
	Before []escrowtrace.Event `json:"before"`
}

type jsonAnalysis struct {
	EscrowID     string                 `json:"escrow_id"`
	TraceID      string                 `json:"trace_id"`
	Service      string                 `json:"service,omitempty"`
	Outcome      string                 `json:"outcome"`
	Clean        bool                   `json:"clean"`
	RootCause    Kind                   `json:"root_cause,omitempty"`
	StartedAt    time.Time              `json:"started_at"`
	DurationMS   *float64               `json:"duration_ms,omitempty"`
	Events       int                    `json:"events"`
	UnknownTypes []string               `json:"unknown_event_types,omitempty"`
	Error        *escrowtrace.FileError `json:"error"`
	RPC          []jsonRPC              `json:"rpc"`
	Snapshots    []jsonRoleSnapshots    `json:"snapshots"`
	Errors       []jsonError            `json:"errors"`
	Anomalies    []jsonAnomaly          `json:"anomalies"`
	// The lifecycle, for a file that holds more than the setup.
	Funded *uint64     `json:"funded_amount,omitempty"`
	Phases []jsonPhase `json:"phases,omitempty"`
}

type jsonPhase struct {
	Name       escrow.Phase           `json:"name"`
	Outcome    string                 `json:"outcome"`
	StartedAt  time.Time              `json:"started_at"`
	EndedAt    *time.Time             `json:"ended_at,omitempty"`
	DurationMS *float64               `json:"duration_ms,omitempty"`
	Error      *escrowtrace.FileError `json:"error,omitempty"`
	Events     int                    `json:"events"`
	Calls      int                    `json:"calls"`
	Errors     int                    `json:"errors"`
	FirstSeq   *int                   `json:"first_seq"`
	LastSeq    *int                   `json:"last_seq"`
	RootCause  Kind                   `json:"root_cause,omitempty"`
	Anomalies  []jsonAnomaly          `json:"anomalies"`
	Snapshots  []jsonPhaseSnapshot    `json:"snapshots"`
	Signers    []string               `json:"signers,omitempty"`
	Steps      []jsonStepView         `json:"steps,omitempty"`
}

type jsonPhaseSnapshot struct {
	Role     string               `json:"role"`
	Point    string               `json:"point"`
	Seq      int                  `json:"seq"`
	OffsetMS float64              `json:"offset_ms"`
	Snapshot escrowtrace.Snapshot `json:"snapshot"`
}

type jsonStepView struct {
	Name  string         `json:"name"`
	Call  string         `json:"call"`
	Roles []jsonStepCell `json:"roles"`
}

type jsonStepCell struct {
	Role       string     `json:"role"`
	Status     StepStatus `json:"status"` // "" when the role takes no part
	Seq        *int       `json:"seq,omitempty"`
	Method     string     `json:"method,omitempty"`
	DurationMS *float64   `json:"duration_ms,omitempty"`
	Error      string     `json:"error,omitempty"`
}

func toJSONPhases(lc *Lifecycle) []jsonPhase {
	out := make([]jsonPhase, 0, len(lc.Phases))
	for _, p := range lc.Phases {
		jp := jsonPhase{
			Name: p.Name, Outcome: p.Outcome, StartedAt: p.StartedAt, EndedAt: p.EndedAt, DurationMS: p.DurationMS,
			Error: p.Error, Events: p.Events, Calls: p.Calls, Errors: p.Errors, RootCause: p.RootCause,
			Anomalies: toJSONAnomalies(p.Anomalies, true), Snapshots: []jsonPhaseSnapshot{}, Signers: p.Signers,
		}
		if p.FirstSeq >= 0 {
			jp.FirstSeq, jp.LastSeq = seqPtr(p.FirstSeq), seqPtr(p.LastSeq)
		}
		for _, s := range p.Snapshots {
			jp.Snapshots = append(jp.Snapshots, jsonPhaseSnapshot{Role: s.Role, Point: s.Point.Name(), Seq: s.Seq, OffsetMS: s.OffsetMS, Snapshot: s.Snapshot})
		}
		for _, st := range p.Steps {
			js := jsonStepView{Name: st.Name, Call: st.Call, Roles: []jsonStepCell{}}
			for _, c := range st.Cells {
				jc := jsonStepCell{Role: c.Role, Status: c.Status, Method: c.Method, Error: c.Error}
				if c.Seq >= 0 {
					jc.Seq, jc.DurationMS = seqPtr(c.Seq), ptrFloat(c.DurationMS)
				}
				js.Roles = append(js.Roles, jc)
			}
			jp.Steps = append(jp.Steps, js)
		}
		out = append(out, jp)
	}
	return out
}

func ptrFloat(v float64) *float64 { return &v }

func toJSONLatency(l Latency) jsonLatency {
	return jsonLatency{Calls: l.Calls, Errors: l.Errors, P50MS: l.P50MS, P95MS: l.P95MS, MaxMS: l.MaxMS}
}

// toJSONAnomalies: withPhase names each finding's phase (files that hold
// more than the setup).
func toJSONAnomalies(as []Anomaly, withPhase bool) []jsonAnomaly {
	out := make([]jsonAnomaly, len(as))
	for i, a := range as {
		out[i] = jsonAnomaly{Kind: a.Kind, Role: a.Role, Round: a.Round, Seq: a.Seq, Message: a.Message, Cause: a.Cause, Hint: a.Hint}
		if withPhase {
			out[i].Phase = a.Phase.Of()
		}
	}
	return out
}

// WriteAnalysisJSON writes the analysis with at least the contract's fields:
// escrow_id, trace_id, outcome, events (a count), rpc and anomalies.
func WriteAnalysisJSON(w io.Writer, a *Analysis) error {
	tl := a.Timeline
	out := jsonAnalysis{
		EscrowID: tl.EscrowID, TraceID: tl.TraceID, Service: tl.Service, Outcome: tl.Outcome, Clean: a.Clean(),
		RootCause: a.RootCause(), StartedAt: tl.StartedAt, DurationMS: tl.DurationMS, Events: len(tl.Events), UnknownTypes: tl.UnknownTypes,
		Error: tl.Error, RPC: []jsonRPC{}, Snapshots: []jsonRoleSnapshots{}, Errors: []jsonError{},
		Anomalies: toJSONAnomalies(a.Anomalies, a.Lifecycle != nil),
	}
	if lc := a.Lifecycle; lc != nil {
		out.Funded, out.Phases = lc.Funded, toJSONPhases(lc)
	}
	for _, m := range a.RPC {
		r := jsonRPC{Method: m.Method, jsonLatency: toJSONLatency(m.Latency), ByRole: []jsonRoleRPC{}}
		for _, br := range m.ByRole {
			r.ByRole = append(r.ByRole, jsonRoleRPC{Role: br.Role, jsonLatency: toJSONLatency(br.Latency)})
		}
		out.RPC = append(out.RPC, r)
	}
	for _, rp := range a.Progression.Roles {
		rs := jsonRoleSnapshots{Role: rp.Role, Count: rp.Count(), Missing: []string{}, Points: make([]*jsonPoint, escrow.NumSetupPoints)}
		for i, p := range rp.Points {
			if p == nil {
				rs.Missing = append(rs.Missing, escrow.Point(i).Name())
				continue
			}
			rs.Points[i] = &jsonPoint{Point: escrow.Point(i).Name(), Seq: p.Seq, OffsetMS: p.OffsetMS, Snapshot: p.Snapshot}
		}
		out.Snapshots = append(out.Snapshots, rs)
	}
	for _, e := range a.Errors {
		before := e.Before
		if before == nil {
			before = []escrowtrace.Event{}
		}
		out.Errors = append(out.Errors, jsonError{Event: e.Event, Before: before})
	}
	return writeJSON(w, out)
}

type jsonDivergence struct {
	Index  int                `json:"index"`
	A      *escrowtrace.Event `json:"a"`
	B      *escrowtrace.Event `json:"b"`
	Reason string             `json:"reason"`
}

type jsonFieldDiff struct {
	Field string `json:"field"`
	A     string `json:"a"`
	B     string `json:"b"`
}

type jsonStep struct {
	Index           int                `json:"index"`
	Match           bool               `json:"match"`
	A               *escrowtrace.Event `json:"a"`
	B               *escrowtrace.Event `json:"b"`
	OffsetDeltaMS   *float64           `json:"offset_delta_ms,omitempty"`
	DurationDeltaMS *float64           `json:"duration_delta_ms,omitempty"`
	Fields          []jsonFieldDiff    `json:"fields,omitempty"`
}

type jsonDiff struct {
	A               string          `json:"a"`
	B               string          `json:"b"`
	ATraceID        string          `json:"a_trace_id"`
	BTraceID        string          `json:"b_trace_id"`
	AOutcome        string          `json:"a_outcome"`
	BOutcome        string          `json:"b_outcome"`
	Identical       bool            `json:"identical"`
	FirstDivergence *jsonDivergence `json:"first_divergence"`
	Steps           []jsonStep      `json:"steps"`
}

// WriteDiffJSON writes the comparison with the contract's fields a, b,
// identical and first_divergence {index, a, b, reason}, then every aligned step.
func WriteDiffJSON(w io.Writer, d *Diff) error {
	out := jsonDiff{
		A: d.A.EscrowID, B: d.B.EscrowID, ATraceID: d.A.TraceID, BTraceID: d.B.TraceID,
		AOutcome: d.A.Outcome, BOutcome: d.B.Outcome, Identical: d.Identical, Steps: []jsonStep{},
	}
	if d.First != nil {
		out.FirstDivergence = &jsonDivergence{Index: d.First.Index, A: d.First.A, B: d.First.B, Reason: d.First.Reason}
	}
	for _, s := range d.Steps {
		js := jsonStep{Index: s.Index, Match: s.Match, A: s.A, B: s.B, OffsetDeltaMS: s.OffsetDeltaMS, DurationDeltaMS: s.DurationDeltaMS}
		for _, f := range s.Fields {
			js.Fields = append(js.Fields, jsonFieldDiff(f))
		}
		out.Steps = append(out.Steps, js)
	}
	return writeJSON(w, out)
}

type jsonUnreadable struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

type jsonKindStats struct {
	Kind            Kind    `json:"kind"`
	Occurrences     int     `json:"occurrences"`
	Files           int     `json:"files"`
	FailedFiles     int     `json:"failed_files"`
	FailRate        float64 `json:"fail_rate"`
	ShareOfFailures float64 `json:"share_of_failures"`
}

type jsonMethodLatency struct {
	Method string  `json:"method"`
	Calls  uint64  `json:"calls"`
	Errors uint64  `json:"errors"`
	P50MS  float64 `json:"p50_ms"`
	P95MS  float64 `json:"p95_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`
}

type jsonStats struct {
	Files           int              `json:"files"`
	Success         int              `json:"success"`
	Failed          int              `json:"failed"`
	Incomplete      int              `json:"incomplete"`
	Unreadable      int              `json:"unreadable"`
	UnreadableFiles []jsonUnreadable `json:"unreadable_files"`
	Clean           bool             `json:"clean"`
	FailureRate     float64          `json:"failure_rate"`
	// Files beyond the setup; failures_by_phase only when there are any.
	Lifecycle         int                  `json:"lifecycle_files,omitempty"`
	FailuresByPhase   map[escrow.Phase]int `json:"failures_by_phase,omitempty"`
	FailuresByRound   map[string]int       `json:"failures_by_round"`
	FailuresByRole    map[string]int       `json:"failures_by_role"`
	FailuresByMethod  map[string]int       `json:"failures_by_method"`
	FailuresByAnomaly map[Kind]int         `json:"failures_by_anomaly"`
	// FailuresByRootCause uses "none" for failures no kind names.
	FailuresByRootCause map[string]int      `json:"failures_by_root_cause"`
	RootCauseShare      float64             `json:"root_cause_share"`
	Anomalies           []jsonKindStats     `json:"anomalies"`
	RPC                 []jsonMethodLatency `json:"rpc"`
	QuantileRelErr      float64             `json:"quantile_relative_error"`
}

// WriteStatsJSON writes the summary of many escrows. failures_by_round uses
// "0" for failures that named no round.
func WriteStatsJSON(w io.Writer, s *Stats) error {
	out := jsonStats{
		Files: s.Files, Success: s.Success, Failed: s.Failed, Incomplete: s.Incomplete, Unreadable: s.Unreadable,
		UnreadableFiles: []jsonUnreadable{}, Clean: s.Clean(), FailureRate: s.FailureRate(),
		Lifecycle: s.Lifecycle, FailuresByPhase: s.FailuresByPhase,
		FailuresByRound: map[string]int{}, FailuresByRole: s.FailuresByRole, FailuresByMethod: s.FailuresByMethod,
		FailuresByAnomaly: s.FailuresByAnomaly, FailuresByRootCause: map[string]int{}, RootCauseShare: s.RootCauseShare(),
		Anomalies: []jsonKindStats{}, RPC: []jsonMethodLatency{},
		QuantileRelErr: QuantileRelErr,
	}
	for _, u := range s.UnreadableFiles {
		out.UnreadableFiles = append(out.UnreadableFiles, jsonUnreadable{File: u.Path, Error: u.Error})
	}
	for r, n := range s.FailuresByRound {
		out.FailuresByRound[strconv.Itoa(r)] = n
	}
	for k, n := range s.FailuresByRootCause {
		if k == "" {
			k = "none"
		}
		out.FailuresByRootCause[string(k)] = n
	}
	for _, k := range s.Anomalies {
		out.Anomalies = append(out.Anomalies, jsonKindStats(k))
	}
	for _, m := range s.RPC {
		out.RPC = append(out.RPC, jsonMethodLatency(m))
	}
	return writeJSON(w, out)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
