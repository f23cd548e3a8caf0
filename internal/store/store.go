package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Store is the escrow database. It is safe for use by many goroutines.
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the database file at path. The file is
// created 0600 and a missing parent directory 0700, because the escrows name
// their participants. The journal is WAL so that readers do not wait for the
// writer, and a busy timeout lets concurrent writers queue instead of failing.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: create directory: %w", err)
	}
	// Create the file ourselves so SQLite never creates it with the umask's
	// mode; SQLite gives its -wal and -shm files the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("open store: restrict %s to 0600: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}

	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	// An absolute path: in a file: URI, a relative "data/escrowd.db" would
	// read as host "data".
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// One writer at a time is all SQLite allows anyway; a small pool keeps
	// readers from queueing behind it.
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Create stores a new escrow, with the payee addresses it names. Its status
// must be pending; ErrExists when the ID is taken.
func (s *Store) Create(ctx context.Context, e Escrow) error {
	if e.Status == "" {
		e.Status = StatusPending
	}
	if e.Status != StatusPending {
		return fmt.Errorf("create escrow %s: status %q, want pending", e.ID, e.Status)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO escrows
		(id, trace_id, buyer_id, vendor_id, amount, status, created_at, buyer_address, vendor_address)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.TraceID, e.BuyerID, e.VendorID, strconv.FormatUint(e.Amount, 10), string(e.Status), e.CreatedAt.UnixNano(),
		e.BuyerAddress, e.VendorAddress)
	if err != nil {
		if isDuplicate(err) {
			return fmt.Errorf("create escrow %s: %w", e.ID, ErrExists)
		}
		return fmt.Errorf("create escrow %s: %w", e.ID, err)
	}
	return nil
}

// SetRunning moves a pending escrow to running.
func (s *Store) SetRunning(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE escrows SET status = 'running' WHERE id = ? AND status = 'pending'`, id)
	if err != nil {
		return fmt.Errorf("set escrow %s running: %w", id, err)
	}
	return s.checkChanged(ctx, res, id, "set running")
}

// Finish records the end of an escrow: ready with its address, or failed with
// its error. An escrow that is already final is left alone (ErrFinal).
func (s *Store) Finish(ctx context.Context, id string, status Status, address, errMsg string) error {
	return s.End(ctx, id, End{Status: status, Address: address, Error: errMsg})
}

// End records the end of an escrow's setup with where and why it failed,
// or, ready, its address and wallet files. An escrow whose setup has
// already ended is left alone (ErrFinal).
func (s *Store) End(ctx context.Context, id string, end End) error {
	if end.Status != StatusReady && end.Status != StatusFailed {
		return fmt.Errorf("finish escrow %s: status %q is not an end of the setup (ready or failed)", id, end.Status)
	}
	f := end.Failure
	res, err := s.db.ExecContext(ctx, `UPDATE escrows
		SET status = ?, multisig_address = ?, error = ?, finished_at = ?,
			fail_phase = ?, fail_role = ?, fail_round = ?, fail_operation = ?, fail_kind = ?, cause = ?,
			wallet_buyer = ?, wallet_vendor = ?, wallet_arbiter = ?
		WHERE id = ? AND status IN ('pending','running')`,
		string(end.Status), end.Address, end.Error, time.Now().UnixNano(),
		string(f.Phase), string(f.Role), int(f.Round), f.Operation, string(f.Kind), end.Cause,
		end.Wallets[escrow.Buyer], end.Wallets[escrow.Vendor], end.Wallets[escrow.Arbiter], id)
	if err != nil {
		return fmt.Errorf("finish escrow %s: %w", id, err)
	}
	return s.checkChanged(ctx, res, id, "finish")
}

// checkChanged tells "no such escrow" from "already final" when an update
// touched no row.
func (s *Store) checkChanged(ctx context.Context, res sql.Result, id, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s escrow %s: %w", op, id, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := s.Get(ctx, id); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s escrow %s: %w", op, id, ErrFinal)
}

// columns are an escrow's and its payout's (NULL when it has none), from
// escrows e LEFT JOIN payouts p.
const columns = `e.id, e.trace_id, e.buyer_id, e.vendor_id, e.amount, e.status, e.multisig_address, e.error,
	e.created_at, e.finished_at, e.fail_phase, e.fail_role, e.fail_round, e.fail_operation, e.fail_kind, e.cause,
	e.buyer_address, e.vendor_address, e.wallet_buyer, e.wallet_vendor, e.wallet_arbiter,
	e.balance, e.unlocked_balance, e.funded_at, e.last_phase, e.last_step, e.last_role, e.last_message, e.last_kind, e.last_cause,
	p.phase, p.winner, p.to_role, p.payee_address, p.stage, p.tx_hashes, p.amount, p.fee, p.height,
	p.started_at, p.updated_at, p.finished_at`

const fromEscrows = ` FROM escrows e LEFT JOIN payouts p ON p.escrow_id = e.id`

// Get returns one escrow, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Escrow, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+columns+fromEscrows+` WHERE e.id = ?`, id)
	e, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Escrow{}, fmt.Errorf("escrow %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Escrow{}, fmt.Errorf("get escrow %s: %w", id, err)
	}
	return e, nil
}

// List returns up to limit escrows, newest first; status "" means all.
func (s *Store) List(ctx context.Context, status Status, limit int) ([]Escrow, error) {
	if status != "" && !status.Valid() {
		return nil, fmt.Errorf("list escrows: unknown status %q", status)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("list escrows: limit %d, want > 0", limit)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+fromEscrows+`
		WHERE ? = '' OR e.status = ? ORDER BY e.created_at DESC, e.id LIMIT ?`, string(status), string(status), limit)
	if err != nil {
		return nil, fmt.Errorf("list escrows: %w", err)
	}
	defer rows.Close()
	out := []Escrow{}
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list escrows: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list escrows: %w", err)
	}
	return out, nil
}

// Count returns how many escrows are stored.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM escrows`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count escrows: %w", err)
	}
	return n, nil
}

// MarkInterrupted fails every pending or running escrow with ReasonInterrupted.
// Call it once at start-up, before any escrow is submitted: whatever is in
// flight then was left by a process that stopped without finishing it.
// Escrows paying out are not touched: their payouts are resumed (PayingOut).
func (s *Store) MarkInterrupted(ctx context.Context) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE escrows SET status = 'failed', error = ?, finished_at = ?
		WHERE status IN ('pending','running')`, ReasonInterrupted, time.Now().UnixNano())
	if err != nil {
		return 0, fmt.Errorf("mark interrupted escrows: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark interrupted escrows: %w", err)
	}
	return int(n), nil
}

type scanner interface{ Scan(dest ...any) error }

func scan(r scanner) (Escrow, error) {
	var (
		e         Escrow
		amount    string
		status    string
		created   int64
		finished  sql.NullInt64
		f         struct{ phase, role, op, kind string }
		round     int
		wallets   [escrow.Participants]string
		bal, ubal string
		funded    sql.NullInt64
		last      struct{ phase, step, role, kind string }
		p         struct {
			phase, winner, toRole, address, stage, hashes, amount, fee sql.NullString
			height, started, updated, finished                         sql.NullInt64
		}
	)
	if err := r.Scan(&e.ID, &e.TraceID, &e.BuyerID, &e.VendorID, &amount, &status,
		&e.MultisigAddress, &e.Error, &created, &finished,
		&f.phase, &f.role, &round, &f.op, &f.kind, &e.Cause,
		&e.BuyerAddress, &e.VendorAddress, &wallets[0], &wallets[1], &wallets[2],
		&bal, &ubal, &funded, &last.phase, &last.step, &last.role, &e.LastError.Message, &last.kind, &e.LastError.Cause,
		&p.phase, &p.winner, &p.toRole, &p.address, &p.stage, &p.hashes, &p.amount, &p.fee, &p.height,
		&p.started, &p.updated, &p.finished); err != nil {
		return Escrow{}, err
	}
	e.Failure = Failure{Phase: escrow.Phase(f.phase), Role: escrow.Role(f.role), Round: escrow.Round(round),
		Operation: f.op, Kind: escrow.Kind(f.kind)}
	e.LastError.Phase, e.LastError.Step, e.LastError.Role, e.LastError.Kind = escrow.Phase(last.phase), last.step, escrow.Role(last.role), escrow.Kind(last.kind)
	var err error
	if e.Amount, err = parseAmount(e.ID, "amount", amount); err != nil {
		return Escrow{}, err
	}
	if e.Balance, err = parseAmount(e.ID, "balance", bal); err != nil {
		return Escrow{}, err
	}
	if e.UnlockedBalance, err = parseAmount(e.ID, "unlocked balance", ubal); err != nil {
		return Escrow{}, err
	}
	e.Status = Status(status)
	e.CreatedAt = time.Unix(0, created).UTC()
	e.FinishedAt = timeOf(finished)
	e.FundedAt = timeOf(funded)
	if wallets != ([escrow.Participants]string{}) {
		e.Wallets = map[escrow.Role]string{}
		for i, r := range escrow.Roles {
			e.Wallets[r] = wallets[i]
		}
	}
	if p.phase.Valid {
		po := &Payout{
			Phase: escrow.Phase(p.phase.String), Winner: escrow.Role(p.winner.String), ToRole: escrow.Role(p.toRole.String),
			PayeeAddress: p.address.String, Stage: Stage(p.stage.String), TxHashes: splitHashes(p.hashes.String),
			Height: uint64(p.height.Int64), StartedAt: time.Unix(0, p.started.Int64).UTC(),
			UpdatedAt: time.Unix(0, p.updated.Int64).UTC(), FinishedAt: timeOf(p.finished),
		}
		if po.Amount, err = parseAmount(e.ID, "payout amount", p.amount.String); err != nil {
			return Escrow{}, err
		}
		if po.Fee, err = parseAmount(e.ID, "payout fee", p.fee.String); err != nil {
			return Escrow{}, err
		}
		e.Payout = po
	}
	return e, nil
}

func parseAmount(id, what, s string) (uint64, error) {
	a, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("escrow %s: stored %s %q: %w", id, what, s, err)
	}
	return a, nil
}

func timeOf(ns sql.NullInt64) *time.Time {
	if !ns.Valid {
		return nil
	}
	t := time.Unix(0, ns.Int64).UTC()
	return &t
}

func splitHashes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func amountText(a uint64) string { return strconv.FormatUint(a, 10) }

// isDuplicate reports whether err is SQLite refusing a second row with the same primary key.
func isDuplicate(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
