package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// ClaimPayout is the one way a payout starts: in one transaction, the
// escrow moves from funded to paying_out and its payout row is written with
// where it pays. An escrow that is paying out or paid is ErrPaying; any
// other status is ErrNotFunded; nothing changes then. A payout row left by
// an attempt that failed before anything was signed is replaced; one whose
// transaction may have been sent (signed or submitted) never is (ErrSent).
func (s *Store) ClaimPayout(ctx context.Context, id string, c Claim) (Escrow, error) {
	if _, ok := PaidStatus(c.Phase); !ok {
		return Escrow{}, fmt.Errorf("claim payout of escrow %s: phase %q is not a payout", id, c.Phase)
	}
	if c.PayeeAddress == "" || c.ToRole == "" {
		return Escrow{}, fmt.Errorf("claim payout of escrow %s: no payee", id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Escrow{}, fmt.Errorf("claim payout of escrow %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	res, err := tx.ExecContext(ctx, `UPDATE escrows SET status = 'paying_out' WHERE id = ? AND status = 'funded'`, id)
	if err != nil {
		return Escrow{}, fmt.Errorf("claim payout of escrow %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return Escrow{}, fmt.Errorf("claim payout of escrow %s: %w", id, err)
		}
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM escrows WHERE id = ?`, id).Scan(&status)
		switch st := Status(status); {
		case errors.Is(err, sql.ErrNoRows):
			return Escrow{}, fmt.Errorf("escrow %s: %w", id, ErrNotFound)
		case err != nil:
			return Escrow{}, fmt.Errorf("claim payout of escrow %s: %w", id, err)
		case st == StatusPayingOut || st.Paid():
			return Escrow{}, fmt.Errorf("claim payout of escrow %s: it is %s: %w", id, st, ErrPaying)
		default:
			return Escrow{}, fmt.Errorf("claim payout of escrow %s: it is %s: %w", id, st, ErrNotFunded)
		}
	}
	now := time.Now().UnixNano()
	res, err = tx.ExecContext(ctx, `INSERT INTO payouts
		(escrow_id, phase, winner, to_role, payee_address, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (escrow_id) DO UPDATE SET
			phase = excluded.phase, winner = excluded.winner, to_role = excluded.to_role,
			payee_address = excluded.payee_address, stage = '', tx_set = '', tx_hashes = '',
			amount = '0', fee = '0', height = 0, started_at = excluded.started_at,
			updated_at = excluded.updated_at, finished_at = NULL
		WHERE payouts.stage NOT IN ('signed','submitted')`,
		id, string(c.Phase), string(c.Winner), string(c.ToRole), c.PayeeAddress, now, now)
	if err != nil {
		return Escrow{}, fmt.Errorf("claim payout of escrow %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		// A funded escrow with a sent payout: never claim it again.
		return Escrow{}, fmt.Errorf("claim payout of escrow %s: its earlier payout was signed: %w", id, ErrSent)
	}
	if err := tx.Commit(); err != nil {
		return Escrow{}, fmt.Errorf("claim payout of escrow %s: %w", id, err)
	}
	return s.Get(ctx, id)
}

// RecordPayout keeps a paying-out escrow's write-ahead record (the
// multisig.Journal's Record): the stage reached, the transaction set, its
// hashes, amount, fee and height. A record never goes back from a sent
// stage (signed, submitted) to an unsent one; that, or an escrow that is
// not paying out, is ErrState and changes nothing.
func (s *Store) RecordPayout(ctx context.Context, id string, r Record) error {
	if r.Stage == StageClaimed || !r.Stage.Valid() {
		return fmt.Errorf("record payout of escrow %s: stage %q", id, r.Stage)
	}
	// An unsent stage may not overwrite a sent one.
	unsent := !r.Stage.Sent()
	res, err := s.db.ExecContext(ctx, `UPDATE payouts
		SET stage = ?, tx_set = ?, tx_hashes = ?, amount = ?, fee = ?, height = ?, updated_at = ?
		WHERE escrow_id = ? AND finished_at IS NULL
			AND NOT (? AND stage IN ('signed','submitted'))
			AND (SELECT status FROM escrows WHERE id = ?) = 'paying_out'`,
		string(r.Stage), r.TxSet, strings.Join(r.TxHashes, ","), amountText(r.Amount), amountText(r.Fee),
		int64(r.Height), time.Now().UnixNano(), id, unsent, id)
	if err != nil {
		return fmt.Errorf("record payout of escrow %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return fmt.Errorf("record payout of escrow %s: %w", id, err)
		}
		return fmt.Errorf("record payout of escrow %s at %s: not paying out, or a record of a later stage exists: %w", id, r.Stage, ErrState)
	}
	return nil
}

// PayoutRecord returns a payout's write-ahead record, transaction set
// included (for the payer only: never log it), with the payout.
func (s *Store) PayoutRecord(ctx context.Context, id string) (Record, error) {
	var (
		r             Record
		stage, hashes string
		amount, fee   string
		height        int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT stage, tx_set, tx_hashes, amount, fee, height FROM payouts WHERE escrow_id = ?`, id).
		Scan(&stage, &r.TxSet, &hashes, &amount, &fee, &height)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, fmt.Errorf("payout of escrow %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("payout of escrow %s: %w", id, err)
	}
	r.Stage, r.TxHashes, r.Height = Stage(stage), splitHashes(hashes), uint64(height)
	if r.Amount, err = parseAmount(id, "payout amount", amount); err != nil {
		return Record{}, err
	}
	if r.Fee, err = parseAmount(id, "payout fee", fee); err != nil {
		return Record{}, err
	}
	return r, nil
}

// FinishPayout records a paying-out escrow paid: released, refunded or
// resolved after its payout's phase, with the transaction(s), amount, fee
// and height; its last error is cleared. ErrState when it is not paying out.
func (s *Store) FinishPayout(ctx context.Context, id string, p Paid) (Escrow, error) {
	if len(p.TxHashes) == 0 {
		return Escrow{}, fmt.Errorf("finish payout of escrow %s: no transaction hash", id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Escrow{}, fmt.Errorf("finish payout of escrow %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var status, phase string
	err = tx.QueryRowContext(ctx, `SELECT e.status, COALESCE(p.phase, '') FROM escrows e LEFT JOIN payouts p ON p.escrow_id = e.id
		WHERE e.id = ?`, id).Scan(&status, &phase)
	if errors.Is(err, sql.ErrNoRows) {
		return Escrow{}, fmt.Errorf("escrow %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Escrow{}, fmt.Errorf("finish payout of escrow %s: %w", id, err)
	}
	if Status(status) != StatusPayingOut {
		return Escrow{}, fmt.Errorf("finish payout of escrow %s: it is %s: %w", id, status, ErrState)
	}
	paid, ok := PaidStatus(escrow.Phase(phase))
	if !ok {
		return Escrow{}, fmt.Errorf("finish payout of escrow %s: stored phase %q", id, phase)
	}
	now := time.Now().UnixNano()
	if _, err := tx.ExecContext(ctx, `UPDATE payouts
		SET stage = 'submitted', tx_hashes = ?, amount = ?, fee = ?, height = ?, updated_at = ?, finished_at = ?
		WHERE escrow_id = ?`,
		strings.Join(p.TxHashes, ","), amountText(p.Amount), amountText(p.Fee), int64(p.Height), now, now, id); err != nil {
		return Escrow{}, fmt.Errorf("finish payout of escrow %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE escrows
		SET status = ?, last_phase = '', last_step = '', last_role = '', last_message = '', last_kind = '', last_cause = ''
		WHERE id = ?`, string(paid), id); err != nil {
		return Escrow{}, fmt.Errorf("finish payout of escrow %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return Escrow{}, fmt.Errorf("finish payout of escrow %s: %w", id, err)
	}
	return s.Get(ctx, id)
}

// FailPayout records a failed payout attempt: the escrow goes back from
// paying_out to funded (the money is still in its wallet) with the
// failure as its last error, and the attempt's payout row is removed, so
// that the payout can be asked again. A payout whose transaction may have
// been sent (its record is signed or submitted) never goes back: ErrSent,
// nothing changes; it can only be finished (Payer.Resume).
func (s *Store) FailPayout(ctx context.Context, id string, f PayoutFailure) (Escrow, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Escrow{}, fmt.Errorf("fail payout of escrow %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var status, stage string
	err = tx.QueryRowContext(ctx, `SELECT e.status, COALESCE(p.stage, '') FROM escrows e LEFT JOIN payouts p ON p.escrow_id = e.id
		WHERE e.id = ?`, id).Scan(&status, &stage)
	if errors.Is(err, sql.ErrNoRows) {
		return Escrow{}, fmt.Errorf("escrow %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Escrow{}, fmt.Errorf("fail payout of escrow %s: %w", id, err)
	}
	if Status(status) != StatusPayingOut {
		return Escrow{}, fmt.Errorf("fail payout of escrow %s: it is %s: %w", id, status, ErrState)
	}
	if Stage(stage).Sent() {
		return Escrow{}, fmt.Errorf("fail payout of escrow %s: its record is %s: %w", id, stage, ErrSent)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM payouts WHERE escrow_id = ?`, id); err != nil {
		return Escrow{}, fmt.Errorf("fail payout of escrow %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE escrows
		SET status = 'funded', last_phase = ?, last_step = ?, last_role = ?, last_message = ?, last_kind = ?, last_cause = ?
		WHERE id = ?`, string(f.Phase), f.Step, string(f.Role), f.Message, string(f.Kind), f.Cause, id); err != nil {
		return Escrow{}, fmt.Errorf("fail payout of escrow %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return Escrow{}, fmt.Errorf("fail payout of escrow %s: %w", id, err)
	}
	return s.Get(ctx, id)
}

// NotePayoutError records the last error of a payout that stays paying
// out (its transaction may have been sent: it is being resumed).
func (s *Store) NotePayoutError(ctx context.Context, id string, f PayoutFailure) error {
	res, err := s.db.ExecContext(ctx, `UPDATE escrows
		SET last_phase = ?, last_step = ?, last_role = ?, last_message = ?, last_kind = ?, last_cause = ?
		WHERE id = ? AND status = 'paying_out'`, string(f.Phase), f.Step, string(f.Role), f.Message, string(f.Kind), f.Cause, id)
	if err != nil {
		return fmt.Errorf("note payout error of escrow %s: %w", id, err)
	}
	return s.checkStatus(ctx, res, id, "note payout error")
}

// InFlight is a payout left paying out, with its write-ahead record.
type InFlight struct {
	Escrow Escrow
	Record Record
}

// PayingOut returns every escrow left paying out, oldest first, with its
// payout's record: what a restarted escrowd resumes.
func (s *Store) PayingOut(ctx context.Context) ([]InFlight, error) {
	list, err := s.all(ctx, StatusPayingOut)
	if err != nil {
		return nil, err
	}
	out := make([]InFlight, 0, len(list))
	for _, e := range list {
		r, err := s.PayoutRecord(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, InFlight{Escrow: e, Record: r})
	}
	return out, nil
}
