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
