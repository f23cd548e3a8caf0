package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Census is the store at a glance, for gauges and alerts: how many escrows
// are in each status, and when the oldest payout still in flight started.
type Census struct {
	// ByStatus has every status, zero counts included.
	ByStatus map[Status]int
	// OldestPayout is when the oldest payout of an escrow still paying_out
	// was claimed; zero when none is in flight.
	OldestPayout time.Time
}

// Census counts the escrows by status and finds the oldest payout in flight.
func (s *Store) Census(ctx context.Context) (Census, error) {
	c := Census{ByStatus: make(map[Status]int, len(Statuses))}
	for _, st := range Statuses {
		c.ByStatus[st] = 0
	}
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM escrows GROUP BY status`)
	if err != nil {
		return Census{}, fmt.Errorf("census: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			st string
			n  int
		)
		if err := rows.Scan(&st, &n); err != nil {
			return Census{}, fmt.Errorf("census: %w", err)
		}
		c.ByStatus[Status(st)] = n
	}
	if err := rows.Err(); err != nil {
		return Census{}, fmt.Errorf("census: %w", err)
	}
	var oldest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT min(p.started_at) FROM payouts p
		JOIN escrows e ON e.id = p.escrow_id WHERE e.status = 'paying_out'`).Scan(&oldest); err != nil {
		return Census{}, fmt.Errorf("census: oldest payout: %w", err)
	}
	if oldest.Valid {
		c.OldestPayout = time.Unix(0, oldest.Int64)
	}
	return c, nil
}
