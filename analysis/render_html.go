package analysis

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// HTMLOptions tune the HTML pages.
type HTMLOptions struct {
	// JaegerURL is the Jaeger UI's base URL (http://127.0.0.1:16686); when
	// set, the page links to the escrow's trace there. It is the only
	// external URL a page can contain, and only as a link.
	JaegerURL string
	// Title replaces the page's default title.
	Title string
	// Links, when set, gives the URL of an escrow's own page (escrowd's
	// /ui/escrow/<id>); the diff page then links both escrows.
	Links func(escrowID string) string
	// IndexURL, when set, adds a link back to a list of escrows (escrowd's /ui/).
	IndexURL string
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// htmlTemplates is parsed once and only read afterwards: html/template
// execution is safe from many goroutines.
var htmlTemplates = template.Must(template.New("pages").ParseFS(templateFS, "templates/*.tmpl"))

// WriteEscrowHTML writes a self-contained page for one escrow: the anomalies
// with their hints at the top, each linked to its event; a lane per role with
// each RPC call as a bar and each snapshot as a marker; round boundaries; and
// the snapshot, RPC and event tables. It has inline CSS and SVG only, no
// script and no external request, so it works from file:// as well as
// served. Everything from the file is escaped by html/template.
func WriteEscrowHTML(w io.Writer, a *Analysis, opts HTMLOptions) error {
	return executePage(w, "escrow", newEscrowPage(a, opts))
}

// WriteDiffHTML writes a self-contained page comparing two escrows: both
// timelines on one time scale with the first divergence marked, then the
// aligned steps side by side with timing deltas and differing snapshot
// fields highlighted.
func WriteDiffHTML(w io.Writer, d *Diff, opts HTMLOptions) error {
	return executePage(w, "diff", newDiffPage(d, opts))
}

func executePage(w io.Writer, name string, page any) error {
	bw := bufio.NewWriter(w)
	if err := htmlTemplates.ExecuteTemplate(bw, name, page); err != nil {
		return fmt.Errorf("render %s page: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s page: %w", name, err)
	}
	return nil
}

// escrowPage is the escrow template's data.
type escrowPage struct {
	Title, IndexURL string
	Header          htmlHeader
	Anomalies       []htmlAnomaly
	Timeline        htmlTimeline
	Zoom            *htmlTimeline
	PointNames      []string
	Snapshots       []htmlSnapRow
	RPC             []htmlRPCRow
	Events          []htmlEventRow
	// Lifecycle is set for a file that holds more than the setup.
	Lifecycle *htmlLifecycle
}

// htmlHeader says who the escrow is and how it ended.
type htmlHeader struct {
	EscrowID, TraceID, Service          string
	Outcome, OutcomeText, OutcomeDetail string
	Started, Duration                   string
	Events                              int
	JaegerHref                          string
	Unknown                             []string
}

type htmlAnomaly struct {
	Kind, Where, Message, Cause, Hint string
	Href, EventLabel                  string
}

type htmlSnapRow struct {
	Role  string
	Cells []htmlSnapCell
}

type htmlSnapCell struct {
	Missing bool
	// NotReached: the escrow ended (failed, or stopped) before the role got
	// to this point; neutral, unlike a success's missing snapshot.
	NotReached bool
	Href       string
	Seq        int
	Flagged    bool
	Lines      []string
}

type htmlRPCRow struct {
	Method        string
	Calls, Errors int
	P50, P95, Max string
	HasErrors     bool
}

type htmlEventRow struct {
	ID, Class                    string
	Seq                          int
	Offset, Mark, MarkText, Type string
	Role, Round, Method, Details string
	Flags                        []string
}

func newEscrowPage(a *Analysis, opts HTMLOptions) *escrowPage {
	tl := a.Timeline
	flagged := map[int][]string{}
	for _, an := range a.Anomalies {
		if an.Seq != nil {
			flagged[*an.Seq] = append(flagged[*an.Seq], string(an.Kind))
		}
	}
	in := timelineInput{
		label:   "Timeline of escrow " + tl.EscrowID + ": one lane per role, time across",
		events:  tl.Events,
		spanMS:  timelineSpan(tl.DurationMS, tl.Events),
		href:    eventHref,
		flagged: flagged,
	}
	start, zoom := zoomStart(in.spanMS, tl.Events)
	var lc *htmlLifecycle
	if a.Lifecycle != nil {
		in.label = "Timeline of escrow " + tl.EscrowID + " over its lifecycle: one lane per role, a stretch of time per phase"
		in.phases = lifecycleSpans(tl)
		lc = newHTMLLifecycle(a, in)
		zoom = false // each payout is drawn on its own instead
	}
	p := &escrowPage{
		Title:     opts.Title,
		IndexURL:  opts.IndexURL,
		Header:    newHeader(tl, opts),
		Timeline:  buildTimeline(in),
		Zoom:      zoomed(in, start, zoom),
		Lifecycle: lc,
	}
	if p.Title == "" {
		p.Title = "escrow " + tl.EscrowID
	}
	for _, an := range a.Anomalies {
		h := htmlAnomaly{
			Kind: string(an.Kind), Where: anomalyWhere(an),
			Message: an.Message, Cause: an.Cause, Hint: an.Hint,
		}
		if an.Seq != nil {
			h.Href, h.EventLabel = eventHref(*an.Seq), "event #"+strconv.Itoa(*an.Seq)
		}
		p.Anomalies = append(p.Anomalies, h)
	}
	for i, s := range escrow.SetupPoints {
		p.PointNames = append(p.PointNames, strconv.Itoa(i+1)+" "+s.Short())
	}
	for _, rp := range a.Progression.Roles {
		if !showsSetup(a.Lifecycle) { // a later phase alone: no setup points to show
			break
		}
		row := htmlSnapRow{Role: laneName(rp.Role)}
		lastSeen := -1
		for i, pt := range rp.Points {
			if pt != nil {
				lastSeen = i
			}
		}
		ended := tl.Outcome != escrowtrace.OutcomeSuccess
		for i, pt := range rp.Points {
			if pt == nil {
				row.Cells = append(row.Cells, htmlSnapCell{Missing: !ended || i < lastSeen, NotReached: ended && i > lastSeen})
				continue
			}
			s := pt.Snapshot
			row.Cells = append(row.Cells, htmlSnapCell{
				Href: eventHref(pt.Seq), Seq: pt.Seq, Flagged: len(flagged[pt.Seq]) > 0, Lines: snapshotLines(&s),
			})
		}
		p.Snapshots = append(p.Snapshots, row)
	}
	for _, m := range a.RPC {
		p.RPC = append(p.RPC, htmlRPCRow{
			Method: m.Method, Calls: m.Calls, Errors: m.Errors, HasErrors: m.Errors > 0,
			P50: fmtMS(m.P50MS), P95: fmtMS(m.P95MS), Max: fmtMS(m.MaxMS),
		})
	}
	for i := range tl.Events {
		p.Events = append(p.Events, newEventRow(&tl.Events[i], flagged[tl.Events[i].Seq]))
	}
	return p
}

func newHeader(tl *Timeline, opts HTMLOptions) htmlHeader {
	h := htmlHeader{
		EscrowID: tl.EscrowID, TraceID: tl.TraceID, Service: tl.Service,
		Outcome: tl.Outcome, Events: len(tl.Events),
		JaegerHref: jaegerTraceURL(opts.JaegerURL, tl.TraceID),
		Unknown:    tl.UnknownTypes,
	}
	h.OutcomeText, h.OutcomeDetail = outcomeWords(tl.Outcome, tl.Error)
	if tl.Lifecycle {
		h.OutcomeText, h.OutcomeDetail = lifecycleOutcome(tl)
	}
	if !tl.StartedAt.IsZero() {
		h.Started = tl.StartedAt.UTC().Format(time.RFC3339Nano)
	}
	if tl.DurationMS != nil {
		h.Duration = fmtMS(*tl.DurationMS)
	}
	return h
}

// outcomeWords says the outcome in words (never by colour alone) and, for a
// failure, where and why.
func outcomeWords(outcome string, e *escrowtrace.FileError) (text, detail string) {
	switch outcome {
	case escrowtrace.OutcomeSuccess:
		return "✓ success", "the 2-of-3 multisig setup finished"
	case escrowtrace.OutcomeFailed:
		return "✗ failed", strings.TrimPrefix(failureWords(e), ": ")
	case escrowtrace.OutcomeIncomplete:
		return "… incomplete", "the escrow never finished (its root span did not end); shown is what was recorded until then"
	}
	return "? " + outcome, ""
}

func newEventRow(e *escrowtrace.Event, flags []string) htmlEventRow {
	r := htmlEventRow{
		ID: "ev-" + strconv.Itoa(e.Seq), Seq: e.Seq, Offset: "+" + fmtMS(e.OffsetMS),
		Type: e.Type, Role: e.Role, Method: e.Method, Details: detailsOnly(e), Flags: flags,
	}
	if e.Round != 0 {
		r.Round = strconv.Itoa(e.Round)
	}
	r.Mark, r.MarkText = markWords(e)
	r.Class = r.Mark
	if len(flags) > 0 {
		r.Class += " flagged"
	}
	return r
}

// markWords is the event's mark class and its text: ✓ ok, ✗ error, ? unknown.
func markWords(e *escrowtrace.Event) (class, text string) {
	switch MarkOf(e) {
	case MarkOK:
		return "ok", "✓ ok"
	case MarkFail:
		return "error", "✗ error"
	case MarkUnknown:
		return "unknown", "? unknown"
	}
	return "none", ""
}

// detailsOnly is what the event carries beyond its key, which the tables show
// in their own columns.
func detailsOnly(e *escrowtrace.Event) string {
	c := *e
	c.Role, c.Round, c.Method = "", 0, ""
	return eventDetails(&c)
}

func eventHref(seq int) string { return "#ev-" + strconv.Itoa(seq) }

// jaegerTraceURL is the trace's page in the Jaeger UI, or "" when there is
// no usable base URL or trace ID. html/template still vets the result.
func jaegerTraceURL(base, traceID string) string {
	if base == "" || traceID == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + "/trace/" + url.PathEscape(traceID)
}

// snapshotLines is a snapshot in three or four short lines for the table:
// the fields that change across the setup first. The wallet ID and the
// balances are in the tooltip and the events table.
func snapshotLines(s *escrowtrace.Snapshot) []string {
	tn := "threshold/total " + optInt(s.Threshold) + "/" + optInt(s.Total)
	if s.WalletFileMode != "" {
		tn = optInt(s.Threshold) + "/" + optInt(s.Total) + " · mode " + s.WalletFileMode
	}
	out := []string{"multisig " + strconv.FormatBool(s.IsMultisig), "ready " + optBool(s.Ready), tn}
	if s.AddressHash != "" {
		out = append(out, "addr "+s.AddressHash)
	}
	if s.Balance != nil && *s.Balance != 0 {
		out = append(out, "balance "+optUint(s.Balance))
	}
	if s.Error != "" {
		out = append(out, "✗ error: "+s.Error)
	}
	return out
}
