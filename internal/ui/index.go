package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// indexPage is the list template's data.
type indexPage struct {
	Entries    []indexRow
	Traced     []indexRow // the escrows with a trace, for the diff form
	TracingOff string     // "" or what to do to get traces
	LogoutForm bool       // a token is required: offer to forget it
}

type indexRow struct {
	ID, Created, Status, StatusText, StatusClass string
	StatusTitle                                  string // the lifecycle state in words
	Kind, KindNote, Error                        string
	Href, JaegerHref                             string
	SelectA, SelectB                             bool
}

func (h *handlers) index(c echo.Context) error {
	limit := DefaultListLimit
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxListLimit {
			return h.errorPage(c, http.StatusBadRequest, "Bad request",
				fmt.Sprintf("limit must be a number from 1 to %d.", MaxListLimit))
		}
		limit = n
	}
	ctx := c.Request().Context()
	entries, err := h.src.List(ctx, limit)
	if err != nil {
		h.log.ErrorContext(ctx, "ui: list escrows", "err", err)
		return h.errorPage(c, http.StatusInternalServerError, "Escrows unavailable", "The list of escrows could not be read; see escrowd's log.")
	}
	p := indexPage{LogoutForm: h.opts.Token != ""}
	if h.opts.TracingOff {
		p.TracingOff = "Tracing is off: escrowd writes no trace files, so escrows have no pages. To see them, " + tracingOffHelp
	}
	pickedA, pickedB := false, false
	for _, e := range entries {
		row := h.indexRow(e)
		p.Entries = append(p.Entries, row)
		if row.Href == "" {
			continue
		}
		// The form starts on the newest success against the newest failure.
		if !pickedA && (row.StatusClass == "ready" || row.StatusClass == "paid") {
			row.SelectA, pickedA = true, true
		} else if !pickedB && row.StatusClass == "failed" {
			row.SelectB, pickedB = true, true
		}
		p.Traced = append(p.Traced, row)
	}
	return h.render(c, http.StatusOK, "index", p)
}

// indexRow is one escrow of the list, from its stored entry alone: the list
// opens no trace file, whatever its length (a failure's kind and root cause
// were stored when the escrow ended).
func (h *handlers) indexRow(e Entry) indexRow {
	row := indexRow{ID: e.EscrowID, Status: e.Status, Error: truncate(e.Error, maxErrorChars)}
	if !e.CreatedAt.IsZero() {
		row.Created = e.CreatedAt.UTC().Format(time.DateTime)
	}
	row.StatusText, row.StatusClass, row.StatusTitle = statusWords(e.Status)
	row.JaegerHref = jaegerLink(h.opts.JaegerUIURL, e.TraceID)
	if !escrow.ValidID(e.EscrowID) {
		row.KindNote = "invalid id"
		return row
	}
	// A failure shows its root cause, the first finding of its trace's
	// analysis, or else the kind of the step that failed.
	switch {
	case row.StatusClass == "failed" && e.Cause != "":
		row.Kind = e.Cause
	case row.StatusClass == "failed" && e.Kind != "":
		row.Kind = e.Kind
	case h.opts.TracingOff:
		row.KindNote = "tracing off"
	case row.StatusClass == "failed":
		row.KindNote = "unknown"
	case e.Error != "" && e.Cause != "":
		row.Kind = e.Cause // a payout failed; the escrow kept its funds and state
	case e.Error != "" && e.Kind != "":
		row.Kind = e.Kind
	case row.StatusClass != "other":
		row.KindNote = "—"
	}
	if e.Traced && !h.opts.TracingOff {
		row.Href = escrowURL(e.EscrowID)
	}
	return row
}

// jaegerLink is the trace's page in the Jaeger UI, or "" without a usable
// base URL or a trace ID.
func jaegerLink(base, traceID string) string {
	if base == "" || traceID == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + "/trace/" + url.PathEscape(traceID)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// statusWords are a status's text (a mark and the status, never colour
// alone), its CSS class and its lifecycle state in words. Any status string
// is shown; the known ones of the lifecycle get their own style.
func statusWords(status string) (text, class, title string) {
	switch status {
	case "ready", "success", "succeeded":
		return "✓ " + status, "ready", "multisig set up; not funded yet"
	case "funded":
		return "◆ " + status, "funded", "funded; no payout yet"
	case "paying_out":
		return "… " + status, "paying", "a payout is running"
	case "released":
		return "✓ " + status, "paid", "paid out to the vendor"
	case "refunded":
		return "✓ " + status, "paid", "paid back to the buyer"
	case "resolved":
		return "✓ " + status, "paid", "paid out to the dispute's winner"
	case "failed":
		return "✗ " + status, "failed", "failed; see the error"
	case "interrupted":
		return "✗ " + status, "failed", "escrowd stopped while it ran"
	}
	return "… " + status, "other", "in progress"
}
