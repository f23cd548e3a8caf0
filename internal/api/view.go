package api

import (
	"time"

	"github.com/escrowd/escrowd/internal/store"
)

// escrowView is an escrow as the API shows it.
type escrowView struct {
	EscrowID        string     `json:"escrow_id"`
	TraceID         string     `json:"trace_id"`
	Status          string     `json:"status"`
	BuyerID         string     `json:"buyer_id"`
	VendorID        string     `json:"vendor_id"`
	Amount          uint64     `json:"amount"`
	MultisigAddress string     `json:"multisig_address,omitempty"`
	Error           string     `json:"error,omitempty"`
	ErrorKind       string     `json:"error_kind,omitempty"` // the failure's kind, e.g. "already_multisig"
	Cause           string     `json:"cause,omitempty"`      // its root cause from the trace's analysis
	CreatedAt       time.Time  `json:"created_at"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
}

func viewOf(e store.Escrow) escrowView {
	return escrowView{
		EscrowID: e.ID, TraceID: e.TraceID, Status: string(e.Status),
		BuyerID: e.BuyerID, VendorID: e.VendorID, Amount: e.Amount,
		MultisigAddress: e.MultisigAddress, Error: e.Error,
		ErrorKind: string(e.Failure.Kind), Cause: e.Cause,
		CreatedAt: e.CreatedAt, FinishedAt: e.FinishedAt,
	}
}

// listView is the answer of GET /api/escrows.
type listView struct {
	Escrows []escrowView `json:"escrows"`
	Count   int          `json:"count"`
}
