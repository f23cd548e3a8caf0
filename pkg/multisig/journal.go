package multisig

import "context"

// PayoutStage is a write-ahead point of a payout: what exists once the stage
// is reached, so that a payout interrupted after it can be resumed without
// signing or paying twice.
type PayoutStage string

// The payout's write-ahead stages, in order.
const (
	// StageUnsigned: the first signer built the transaction set; nothing is
	// signed by the second signer yet and nothing was sent.
	StageUnsigned PayoutStage = "unsigned"
	// StageSigned: the set has both signatures and its transaction hashes
	// are known; it may or may not have been submitted.
	StageSigned PayoutStage = "signed"
	// StageSubmitted: the daemon accepted the transaction.
	StageSubmitted PayoutStage = "submitted"
)

// PayoutRecord is what a payout writes ahead at a stage. TxSet is
// transaction data (hex) that must be kept private: store it, never log or
// trace it.
type PayoutRecord struct {
	Stage PayoutStage
	// TxSet is the unsigned (StageUnsigned) or fully signed (StageSigned)
	// multisig transaction set; empty at StageSubmitted.
	TxSet string
	// TxHashes are the payout's transaction hashes, known from StageSigned on.
	TxHashes []string
	// Amount and Fee are what the payee gets and what the network takes.
	Amount, Fee uint64
	// Height is the daemon's height when submitted (StageSubmitted).
	Height uint64
}

// Journal persists a payout's write-ahead records. Record is called from the
// payout's goroutine, once per stage, before the payout's next step; an
// error stops the payout there (nothing more is signed or sent). The store
// keeps the latest record of the escrow and hands it to Payer.Resume after a
// restart.
type Journal interface {
	Record(ctx context.Context, escrowID string, rec PayoutRecord) error
}

// JournalFunc adapts a function to Journal.
type JournalFunc func(ctx context.Context, escrowID string, rec PayoutRecord) error

// Record calls f.
func (f JournalFunc) Record(ctx context.Context, escrowID string, rec PayoutRecord) error {
	return f(ctx, escrowID, rec)
}

type nopJournal struct{}

func (nopJournal) Record(context.Context, string, PayoutRecord) error { return nil }
