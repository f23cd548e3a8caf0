package api

import (
	"time"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/chain"
)

// escrowView is an escrow as the API shows it. Amounts and balances are in
// atomic units.
type escrowView struct {
	EscrowID        string     `json:"escrow_id"`
	TraceID         string     `json:"trace_id"`
	Status          string     `json:"status"`
	BuyerID         string     `json:"buyer_id"`
	VendorID        string     `json:"vendor_id"`
	Amount          uint64     `json:"amount"`
	BuyerAddress    string     `json:"buyer_address,omitempty"`
	VendorAddress   string     `json:"vendor_address,omitempty"`
	MultisigAddress string     `json:"multisig_address,omitempty"`
	Error           string     `json:"error,omitempty"`
	ErrorKind       string     `json:"error_kind,omitempty"` // the failure's kind, e.g. "already_multisig"
	Cause           string     `json:"cause,omitempty"`      // its root cause from the trace's analysis
	CreatedAt       time.Time  `json:"created_at"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
	// Balance and UnlockedBalance are shown while the escrow holds its
	// funds (funded, paying_out).
	Balance         *uint64      `json:"balance,omitempty"`
	UnlockedBalance *uint64      `json:"unlocked_balance,omitempty"`
	FundedAt        *time.Time   `json:"funded_at,omitempty"`
	Payout          *payoutView  `json:"payout,omitempty"`
	LastError       *failureView `json:"last_error,omitempty"`
}

// payoutView is an escrow's payout: claimed (paying_out) or done.
type payoutView struct {
	Phase  string `json:"phase"`
	Winner string `json:"winner,omitempty"`
	ToRole string `json:"to_role"`
	// Stage is the write-ahead stage reached: "" (claimed), unsigned,
	// signed, submitted.
	Stage  string `json:"stage,omitempty"`
	TxHash string `json:"tx_hash,omitempty"`
	Amount uint64 `json:"amount,omitempty"`
	Fee    uint64 `json:"fee,omitempty"`
	// Height is the block the transaction was mined in, or before that the
	// daemon's height when it was submitted.
	Height uint64 `json:"height,omitempty"`
	// Confirmations count blocks from the transaction's own to the top;
	// 0 while it is in the pool (or the daemon cannot say).
	Confirmations uint64     `json:"confirmations"`
	InPool        bool       `json:"in_pool,omitempty"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
}

// failureView is the last failed payout attempt.
type failureView struct {
	Phase   string `json:"phase"`
	Step    string `json:"step,omitempty"`
	Role    string `json:"role,omitempty"`
	Message string `json:"message"`
	// Kind is the failure's kind (e.g. "not_enough_money"), Cause its root
	// cause from the analysis of the escrow's trace (e.g.
	// "import_before_refresh"); omitted when unknown.
	Kind  string `json:"kind,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// viewOf shows an escrow; tx is where its payout transaction is on the
// daemon, when known (nil: the stored payout alone).
func viewOf(e store.Escrow, tx *chain.TxStatus) escrowView {
	v := escrowView{
		EscrowID: e.ID, TraceID: e.TraceID, Status: string(e.Status),
		BuyerID: e.BuyerID, VendorID: e.VendorID, Amount: e.Amount,
		BuyerAddress: e.BuyerAddress, VendorAddress: e.VendorAddress,
		MultisigAddress: e.MultisigAddress, Error: e.Error,
		ErrorKind: string(e.Failure.Kind), Cause: e.Cause,
		CreatedAt: e.CreatedAt, FinishedAt: e.FinishedAt, FundedAt: e.FundedAt,
	}
	if e.Status == store.StatusFunded || e.Status == store.StatusPayingOut {
		b, u := e.Balance, e.UnlockedBalance
		v.Balance, v.UnlockedBalance = &b, &u
	}
	if p := e.Payout; p != nil && (e.Status == store.StatusPayingOut || e.Status.Paid()) {
		pv := &payoutView{Phase: string(p.Phase), Winner: string(p.Winner), ToRole: string(p.ToRole), Stage: string(p.Stage),
			TxHash: p.TxHash(), Amount: p.Amount, Fee: p.Fee, Height: p.Height, StartedAt: p.StartedAt, FinishedAt: p.FinishedAt}
		if tx != nil {
			switch tx.State {
			case chain.TxInChain:
				pv.Height, pv.Confirmations = tx.Height, tx.Confirmations
			case chain.TxInPool:
				pv.InPool = true
			}
		}
		v.Payout = pv
	}
	if f := e.LastError; f.Message != "" {
		v.LastError = &failureView{Phase: string(f.Phase), Step: f.Step, Role: string(f.Role), Message: f.Message,
			Kind: string(f.Kind), Cause: f.Cause}
	}
	return v
}

// listView is the answer of GET /api/escrows.
type listView struct {
	Escrows []escrowView `json:"escrows"`
	Count   int          `json:"count"`
}
