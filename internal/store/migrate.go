package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; PRAGMA user_version records how many ran.
// Only append: a database written by an older escrowd is upgraded in place.
var migrations = []string{
	// 1: escrows. The amount is stored as decimal text because SQLite integers
	// are signed 64-bit and amounts use the whole uint64 range. Times are Unix
	// nanoseconds (UTC).
	`CREATE TABLE escrows (
		id               TEXT PRIMARY KEY,
		trace_id         TEXT NOT NULL,
		buyer_id         TEXT NOT NULL,
		vendor_id        TEXT NOT NULL,
		amount           TEXT NOT NULL,
		status           TEXT NOT NULL CHECK (status IN ('pending','running','ready','failed')),
		multisig_address TEXT NOT NULL DEFAULT '',
		error            TEXT NOT NULL DEFAULT '',
		created_at       INTEGER NOT NULL,
		finished_at      INTEGER
	);
	CREATE INDEX escrows_status_created ON escrows (status, created_at);
	CREATE INDEX escrows_created ON escrows (created_at);`,
	// 2: where a failed escrow failed (the step error's phase, role, round,
	// operation and kind) and its root cause from the analysis of its trace.
	// Rows written before keep '' and 0: "unknown".
	`ALTER TABLE escrows ADD COLUMN fail_phase TEXT NOT NULL DEFAULT '';
	ALTER TABLE escrows ADD COLUMN fail_role TEXT NOT NULL DEFAULT '';
	ALTER TABLE escrows ADD COLUMN fail_round INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE escrows ADD COLUMN fail_operation TEXT NOT NULL DEFAULT '';
	ALTER TABLE escrows ADD COLUMN fail_kind TEXT NOT NULL DEFAULT '';
	ALTER TABLE escrows ADD COLUMN cause TEXT NOT NULL DEFAULT '';`,
	// 3: the escrow holds money. SQLite cannot change a CHECK constraint, so
	// the escrows table is rebuilt with the lifecycle's statuses and copied
	// row for row (its indexes are rebuilt too). New columns: the payees'
	// addresses, the wallet files by role, the balances while funded, the
	// last failed payout attempt. payouts holds each escrow's one payout
	// (its primary key is the escrow's ID) and its write-ahead record; the
	// transaction set in it is private. Balances and amounts are decimal
	// text like escrows.amount; tx_hashes is a comma-separated list.
	`CREATE TABLE escrows_v3 (
		id               TEXT PRIMARY KEY,
		trace_id         TEXT NOT NULL,
		buyer_id         TEXT NOT NULL,
		vendor_id        TEXT NOT NULL,
		amount           TEXT NOT NULL,
		status           TEXT NOT NULL CHECK (status IN ('pending','running','ready','funded','paying_out',
		                                                 'released','refunded','resolved','failed')),
		multisig_address TEXT NOT NULL DEFAULT '',
		error            TEXT NOT NULL DEFAULT '',
		created_at       INTEGER NOT NULL,
		finished_at      INTEGER,
		fail_phase       TEXT NOT NULL DEFAULT '',
		fail_role        TEXT NOT NULL DEFAULT '',
		fail_round       INTEGER NOT NULL DEFAULT 0,
		fail_operation   TEXT NOT NULL DEFAULT '',
		fail_kind        TEXT NOT NULL DEFAULT '',
		cause            TEXT NOT NULL DEFAULT '',
		buyer_address    TEXT NOT NULL DEFAULT '',
		vendor_address   TEXT NOT NULL DEFAULT '',
		wallet_buyer     TEXT NOT NULL DEFAULT '',
		wallet_vendor    TEXT NOT NULL DEFAULT '',
		wallet_arbiter   TEXT NOT NULL DEFAULT '',
		balance          TEXT NOT NULL DEFAULT '0',
		unlocked_balance TEXT NOT NULL DEFAULT '0',
		funded_at        INTEGER,
		last_phase       TEXT NOT NULL DEFAULT '',
		last_step        TEXT NOT NULL DEFAULT '',
		last_role        TEXT NOT NULL DEFAULT '',
		last_message     TEXT NOT NULL DEFAULT '',
		last_kind        TEXT NOT NULL DEFAULT '',
		last_cause       TEXT NOT NULL DEFAULT ''
	);
	INSERT INTO escrows_v3 (id, trace_id, buyer_id, vendor_id, amount, status, multisig_address, error, created_at,
		finished_at, fail_phase, fail_role, fail_round, fail_operation, fail_kind, cause)
	SELECT id, trace_id, buyer_id, vendor_id, amount, status, multisig_address, error, created_at,
		finished_at, fail_phase, fail_role, fail_round, fail_operation, fail_kind, cause FROM escrows;
	DROP TABLE escrows;
	ALTER TABLE escrows_v3 RENAME TO escrows;
	CREATE INDEX escrows_status_created ON escrows (status, created_at);
	CREATE INDEX escrows_created ON escrows (created_at);
	CREATE TABLE payouts (
		escrow_id     TEXT PRIMARY KEY,
		phase         TEXT NOT NULL CHECK (phase IN ('release','refund','resolve')),
		winner        TEXT NOT NULL DEFAULT '',
		to_role       TEXT NOT NULL,
		payee_address TEXT NOT NULL,
		stage         TEXT NOT NULL DEFAULT '' CHECK (stage IN ('','unsigned','signed','submitted')),
		tx_set        TEXT NOT NULL DEFAULT '',
		tx_hashes     TEXT NOT NULL DEFAULT '',
		amount        TEXT NOT NULL DEFAULT '0',
		fee           TEXT NOT NULL DEFAULT '0',
		height        INTEGER NOT NULL DEFAULT 0,
		started_at    INTEGER NOT NULL,
		updated_at    INTEGER NOT NULL,
		finished_at   INTEGER
	);`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this escrowd knows (%d)", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	return nil
}
