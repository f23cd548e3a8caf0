package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SetAddresses sets the buyer's and the vendor's payee addresses. An empty
// argument leaves that address as it is. An address is fixed once set: a
// different value for a set address is ErrAddressFixed and changes nothing
// (the same value again is no change). Addresses can be set until the
// escrow pays out or fails (ErrState then). Checking what an address is
// (its network, that the two differ) is the caller's.
func (s *Store) SetAddresses(ctx context.Context, id, buyer, vendor string) (Escrow, error) {
	if buyer == "" && vendor == "" {
		return Escrow{}, fmt.Errorf("set addresses of escrow %s: no address given", id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Escrow{}, fmt.Errorf("set addresses of escrow %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var status, curBuyer, curVendor string
	err = tx.QueryRowContext(ctx, `SELECT status, buyer_address, vendor_address FROM escrows WHERE id = ?`, id).
		Scan(&status, &curBuyer, &curVendor)
	if errors.Is(err, sql.ErrNoRows) {
		return Escrow{}, fmt.Errorf("escrow %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Escrow{}, fmt.Errorf("set addresses of escrow %s: %w", id, err)
	}
	switch st := Status(status); {
	case st == StatusPayingOut || st.Final():
		return Escrow{}, fmt.Errorf("set addresses of escrow %s: it is %s: %w", id, st, ErrState)
	}
	for _, c := range []struct{ role, cur, want string }{{"buyer", curBuyer, buyer}, {"vendor", curVendor, vendor}} {
		if c.want != "" && c.cur != "" && c.want != c.cur {
			return Escrow{}, fmt.Errorf("escrow %s: %s_address: %w", id, c.role, ErrAddressFixed)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE escrows
		SET buyer_address = CASE WHEN buyer_address = '' THEN ? ELSE buyer_address END,
		    vendor_address = CASE WHEN vendor_address = '' THEN ? ELSE vendor_address END
		WHERE id = ?`, buyer, vendor, id); err != nil {
		return Escrow{}, fmt.Errorf("set addresses of escrow %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return Escrow{}, fmt.Errorf("set addresses of escrow %s: %w", id, err)
	}
	return s.Get(ctx, id)
}

// MarkFunded records that a ready escrow's wallet holds its amount,
// unlocked, with the balances seen; it is then funded. A funded escrow's
// balances are updated. Any other status is ErrState.
func (s *Store) MarkFunded(ctx context.Context, id string, balance, unlocked uint64) error {
	now := time.Now().UnixNano()
	res, err := s.db.ExecContext(ctx, `UPDATE escrows
		SET status = 'funded', balance = ?, unlocked_balance = ?, funded_at = COALESCE(funded_at, ?)
		WHERE id = ? AND status IN ('ready','funded')`,
		amountText(balance), amountText(unlocked), now, id)
	if err != nil {
		return fmt.Errorf("mark escrow %s funded: %w", id, err)
	}
	return s.checkStatus(ctx, res, id, "mark funded")
}

// Waiting returns every ready escrow (waiting for its funds), oldest first:
// what the funding watcher checks.
func (s *Store) Waiting(ctx context.Context) ([]Escrow, error) {
	return s.all(ctx, StatusReady)
}

// all returns every escrow of a status, oldest first.
func (s *Store) all(ctx context.Context, status Status) ([]Escrow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+fromEscrows+`
		WHERE e.status = ? ORDER BY e.created_at, e.id`, string(status))
	if err != nil {
		return nil, fmt.Errorf("list %s escrows: %w", status, err)
	}
	defer rows.Close()
	var out []Escrow
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s escrows: %w", status, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s escrows: %w", status, err)
	}
	return out, nil
}

// checkStatus tells "no such escrow" from "not in the status needed" when
// an update touched no row.
func (s *Store) checkStatus(ctx context.Context, res sql.Result, id, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s escrow %s: %w", op, id, err)
	}
	if n > 0 {
		return nil
	}
	e, err := s.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s escrow %s: it is %s: %w", op, id, e.Status, ErrState)
}
