package analysis

import (
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Progression is the wallet state per role across the seven snapshot points.
type Progression struct {
	Roles []RoleProgression
}

// RoleProgression is one role's snapshots, indexed by the setup's points
// (escrow.SetupPoints); a nil entry is a point with no snapshot.
type RoleProgression struct {
	Role   string
	Points [escrow.NumSetupPoints]*PointState
}

// PointState is one snapshot of a role's wallet.
type PointState struct {
	Seq      int
	OffsetMS float64
	Snapshot escrowtrace.Snapshot
}

// Count is the number of points with a snapshot.
func (r RoleProgression) Count() int {
	n := 0
	for _, p := range r.Points {
		if p != nil {
			n++
		}
	}
	return n
}

// progression collects snapshots per role. The three roles of the scheme are
// always present so a missing role shows as empty; other role names found in
// the file follow. A point seen twice for one role keeps its first snapshot.
func progression(events []escrowtrace.Event) Progression {
	var p Progression
	index := map[string]int{}
	add := func(role string) int {
		if i, ok := index[role]; ok {
			return i
		}
		index[role] = len(p.Roles)
		p.Roles = append(p.Roles, RoleProgression{Role: role})
		return index[role]
	}
	for _, r := range escrow.Roles {
		add(string(r))
	}
	for i := range events {
		e := &events[i]
		pi, ok := setupPoint(e.Type)
		if !ok || e.Snapshot == nil {
			continue
		}
		rp := &p.Roles[add(e.Role)]
		if rp.Points[pi] == nil {
			rp.Points[pi] = &PointState{Seq: e.Seq, OffsetMS: e.OffsetMS, Snapshot: *e.Snapshot}
		}
	}
	return p
}

// role returns a role's progression, or nil.
func (p Progression) role(name string) *RoleProgression {
	for i := range p.Roles {
		if p.Roles[i].Role == name {
			return &p.Roles[i]
		}
	}
	return nil
}

// setupPoint is the setup's snapshot point an event type names; ok is false
// for any other type (payout points included).
func setupPoint(typ string) (escrow.Point, bool) {
	p, ok := escrow.PointByName(typ)
	return p, ok && p.IsSetup()
}

// isSnapshotType reports whether typ names a snapshot point of any phase.
func isSnapshotType(typ string) bool {
	_, ok := escrow.PointByName(typ)
	return ok
}

// roleRank orders roles for display: the three roles in their order, then
// any other name.
func roleRank(r string) int { return escrow.Role(r).Rank() }
