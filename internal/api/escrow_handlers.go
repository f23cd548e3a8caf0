package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// initEscrow is POST /api/escrow/init: 202 with the pending escrow, or, with
// ?wait=, 200 with the finished escrow if it ends within the wait.
func (h *handlers) initEscrow(c echo.Context) error {
	wait, err := h.parseWait(c.QueryParam("wait"))
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	req, err := decodeInit(body)
	if err != nil {
		return fail(http.StatusBadRequest, "%s", err.Error())
	}
	ctx := c.Request().Context()
	e, err := h.cfg.Service.Submit(ctx, req)
	switch {
	case err == nil:
	case errors.Is(err, escrows.ErrBusy):
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfterBusy)
		return fail(http.StatusServiceUnavailable, "busy: too many escrows in flight, retry after %s s", retryAfterBusy)
	case errors.Is(err, escrows.ErrShuttingDown):
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfterShutdown)
		return fail(http.StatusServiceUnavailable, "escrowd is shutting down, retry after %s s", retryAfterShutdown)
	default:
		var ve *escrows.ValidationError
		if errors.As(err, &ve) {
			return fail(http.StatusBadRequest, "%s", ve.Error())
		}
		return err
	}

	c.Response().Header().Set(echo.HeaderLocation, "/api/escrow/"+e.ID)
	if wait > 0 {
		wctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		if done, err := h.cfg.Service.Wait(wctx, e.ID); err == nil {
			e = done
		} else {
			return err
		}
	}
	code := http.StatusAccepted
	if e.Status.SetupEnded() {
		code = http.StatusOK
	}
	return c.JSON(code, viewOf(e, nil))
}

// readBody reads at most MaxBodyBytes; more is refused with 413 before any
// decoding.
func readBody(c echo.Context) ([]byte, error) {
	r := c.Request()
	if r.ContentLength > MaxBodyBytes {
		return nil, fail(http.StatusRequestEntityTooLarge, "request body is %d bytes, at most %d allowed", r.ContentLength, MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fail(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return nil, fail(http.StatusBadRequest, "cannot read request body: %v", err)
	}
	return body, nil
}

// parseWait reads ?wait=: a Go duration ("30s", "2m") or whole seconds
// ("30"); longer than MaxWait is capped to it.
func (h *handlers) parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.ParseUint(s, 10, 32)
		if nerr != nil {
			return 0, fail(http.StatusBadRequest, "wait=%.40q: want a duration such as 30s or 2m (at most %s)", s, h.cfg.MaxWait)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, fail(http.StatusBadRequest, "wait=%.40q: must not be negative", s)
	}
	return min(d, h.cfg.MaxWait), nil
}

// lookup finds the escrow named by the :id path parameter.
func (h *handlers) lookup(c echo.Context) (store.Escrow, error) {
	id := c.Param("id")
	if !escrow.ValidID(id) {
		return store.Escrow{}, fail(http.StatusBadRequest, "escrow id %.80q is malformed: escrow ids match [A-Za-z0-9_-]{1,64}", id)
	}
	e, err := h.cfg.Service.Get(c.Request().Context(), id)
	if errors.Is(err, escrows.ErrNotFound) {
		return store.Escrow{}, fail(http.StatusNotFound, "unknown escrow id %q", id)
	}
	return e, err
}

// getEscrow is GET /api/escrow/:id.
func (h *handlers) getEscrow(c echo.Context) error {
	e, err := h.lookup(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.view(c.Request().Context(), e))
}

// getTrace is GET /api/escrow/:id/trace: the escrow's escrow_<id>.json. The
// name is built from the stored escrow's ID by escrow.FileName, never
// from the request, and opened by openTraceFile: a regular file in the
// traces directory, never through a link.
func (h *handlers) getTrace(c echo.Context) error {
	e, err := h.lookup(c)
	if err != nil {
		return err
	}
	if h.cfg.TracesDir == "" {
		return fail(http.StatusNotFound, "no trace for escrow %s: instrumentation is off (start escrowd with ENABLE_INSTRUMENTATION=1)", e.ID)
	}
	name, err := escrow.FileName(e.ID)
	if err != nil {
		return err
	}
	f, err := openTraceFile(h.cfg.TracesDir, name)
	switch {
	case isMissing(err) && !e.Status.SetupEnded():
		return fail(http.StatusNotFound, "no trace file for escrow %s yet: it is %s, its trace is written as it ends", e.ID, e.Status)
	case isMissing(err):
		return fail(http.StatusNotFound, "no trace file for escrow %s (%s) in the traces directory: it was not traced or the file was removed", e.ID, name)
	case errors.Is(err, errNotRegular):
		h.cfg.Logger.Warn("trace file not served: not a regular file (a link or a special file in the traces directory)",
			"escrow_id", e.ID, "dir", h.cfg.TracesDir, "err", err)
		return fail(http.StatusNotFound, "the trace file of escrow %s is not a regular file: not served (see escrowd's log)", e.ID)
	case err != nil:
		return err
	}
	defer f.Close()
	return c.Stream(http.StatusOK, echo.MIMEApplicationJSON, f)
}

// statusList names every status, for the refusal of an unknown one.
var statusList = func() string {
	names := make([]string, len(store.Statuses))
	for i, s := range store.Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}()

// listEscrows is GET /api/escrows?status=&limit=.
func (h *handlers) listEscrows(c echo.Context) error {
	status := store.Status(c.QueryParam("status"))
	if status != "" && !status.Valid() {
		return fail(http.StatusBadRequest, "status=%.40q: want one of %s", string(status), statusList)
	}
	limit := defaultListLimit
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxListLimit {
			return fail(http.StatusBadRequest, "limit=%.40q: want a whole number from 1 to %d", s, maxListLimit)
		}
		limit = n
	}
	list, err := h.cfg.Service.List(c.Request().Context(), status, limit)
	if err != nil {
		return err
	}
	out := listView{Escrows: make([]escrowView, 0, len(list)), Count: len(list)}
	for _, e := range list {
		out.Escrows = append(out.Escrows, viewOf(e, nil))
	}
	return c.JSON(http.StatusOK, out)
}
