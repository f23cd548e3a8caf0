package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// setAddresses is POST /api/escrow/:id/addresses: sets the payee addresses
// an escrow was created without; each is fixed once set.
func (h *handlers) setAddresses(c echo.Context) error {
	e, err := h.lookup(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	buyer, vendor, err := decodeSetAddresses(body)
	if err != nil {
		return fail(http.StatusBadRequest, "%s", err.Error())
	}
	e, err = h.cfg.Service.SetAddresses(c.Request().Context(), e.ID, buyer, vendor)
	if err != nil {
		return h.refusal(c, e, err)
	}
	return c.JSON(http.StatusOK, h.view(c.Request().Context(), e))
}

// fund is POST /api/escrow/:id/fund (regtest only): the faucet pays the
// escrow its amount and mines the blocks that unlock it. 200 once funded;
// 202 while the wallet has not seen it yet (the watcher marks it funded);
// with ?wait=, waits for that up to the wait.
func (h *handlers) fund(c echo.Context) error {
	wait, err := h.parseWait(c.QueryParam("wait"))
	if err != nil {
		return err
	}
	e, err := h.lookup(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if err := decodeEmpty(body); err != nil {
		return fail(http.StatusBadRequest, "%s", err.Error())
	}
	ctx := c.Request().Context()
	e, err = h.cfg.Service.Fund(ctx, e.ID)
	if err != nil {
		return h.refusal(c, e, err)
	}
	if wait > 0 && e.Status == store.StatusReady {
		wctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		if e, err = h.cfg.Service.WaitFunded(wctx, e.ID); err != nil {
			return err
		}
	}
	code := http.StatusOK
	if e.Status == store.StatusReady {
		code = http.StatusAccepted
	}
	return c.JSON(code, h.view(ctx, e))
}

// payout is POST /api/escrow/:id/release, /refund and /resolve: 202 with
// the escrow paying_out; with ?wait=, 200 with the escrow paid (or funded
// again with last_error) if the payout ends within the wait.
func (h *handlers) payout(phase escrow.Phase) echo.HandlerFunc {
	return func(c echo.Context) error {
		wait, err := h.parseWait(c.QueryParam("wait"))
		if err != nil {
			return err
		}
		e, err := h.lookup(c)
		if err != nil {
			return err
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		var winner escrow.Role
		if phase == escrow.PhaseResolve {
			winner, err = decodeResolve(body)
		} else {
			err = decodeEmpty(body)
		}
		if err != nil {
			return fail(http.StatusBadRequest, "%s", err.Error())
		}
		ctx := c.Request().Context()
		e, err = h.cfg.Service.Payout(ctx, e.ID, phase, winner)
		if err != nil {
			return h.refusal(c, e, err)
		}
		if wait > 0 {
			wctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			if e, err = h.cfg.Service.WaitPayout(wctx, e.ID); err != nil {
				return err
			}
		}
		code := http.StatusOK
		if e.Status == store.StatusPayingOut {
			code = http.StatusAccepted
		}
		return c.JSON(code, h.view(ctx, e))
	}
}

// conflictBody is a 409 that shows the escrow as it is: a second payout is
// answered with the payout that exists.
type conflictBody struct {
	Error  string     `json:"error"`
	Escrow escrowView `json:"escrow"`
}

// refusal answers a refusal of the lifecycle's calls with its code and
// message; nothing was changed, signed or sent. e is the escrow as the
// service saw it (zero when unknown).
func (h *handlers) refusal(c echo.Context, e store.Escrow, err error) error {
	var ve *escrows.ValidationError
	switch {
	case errors.As(err, &ve):
		return fail(http.StatusBadRequest, "%s", ve.Error())
	case errors.Is(err, escrows.ErrNotFound):
		return fail(http.StatusNotFound, "unknown escrow id %q", c.Param("id"))
	case errors.Is(err, escrows.ErrShuttingDown):
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfterShutdown)
		return fail(http.StatusServiceUnavailable, "escrowd is shutting down, retry after %s s", retryAfterShutdown)
	case errors.Is(err, escrows.ErrPaying) && e.ID != "":
		return c.JSON(http.StatusConflict, conflictBody{Error: err.Error(), Escrow: h.view(c.Request().Context(), e)})
	case errors.Is(err, escrows.ErrOffline), errors.Is(err, escrows.ErrNoFaucet), errors.Is(err, escrows.ErrNotReady),
		errors.Is(err, escrows.ErrFunding), errors.Is(err, escrows.ErrNotFunded), errors.Is(err, escrows.ErrPaying),
		errors.Is(err, escrows.ErrNoAddress), errors.Is(err, escrows.ErrAddressFixed):
		return fail(http.StatusConflict, "%s", err.Error())
	case errors.Is(err, escrows.ErrFaucet):
		return &echo.HTTPError{Code: http.StatusBadGateway, Message: "the regtest faucet could not fund the escrow (see escrowd's log); the escrow is unchanged", Internal: err}
	}
	return err
}

// view shows one escrow with where its payout transaction is on the daemon.
func (h *handlers) view(ctx context.Context, e store.Escrow) escrowView {
	if tx, ok := h.cfg.Service.PayoutTx(ctx, e); ok {
		return viewOf(e, &tx)
	}
	return viewOf(e, nil)
}
