package escrow

import "testing"

func TestPoints(t *testing.T) {
	tests := []struct {
		p     Point
		name  string
		round Round
		setup bool
	}{
		{PointPreRound1, "SNAPSHOT_PRE_ROUND1", Round1, true},
		{PointPostMakeMultisig, "SNAPSHOT_POST_MAKE_MULTISIG", Round1, true},
		{PointPreRound2, "SNAPSHOT_PRE_ROUND2", Round2, true},
		{PointPostExportMultisig, "SNAPSHOT_POST_EXPORT_MULTISIG", Round2, true},
		{PointPreRound3, "SNAPSHOT_PRE_ROUND3", Round3, true},
		{PointPostImportMultisig, "SNAPSHOT_POST_IMPORT_MULTISIG", Round3, true},
		{PointFinal, "SNAPSHOT_FINAL", Round3, true},
		{PointFunded, "SNAPSHOT_FUNDED", 0, false},
		{PointPreSync, "SNAPSHOT_PRE_SYNC", 0, false},
		{PointPostSync, "SNAPSHOT_POST_SYNC", 0, false},
		{PointPostSign, "SNAPSHOT_POST_SIGN", 0, false},
		{PointPayoutFinal, "SNAPSHOT_PAYOUT_FINAL", 0, false},
	}
	if len(tests) != int(numPoints) {
		t.Fatalf("table has %d points, the package %d", len(tests), numPoints)
	}
	for _, tt := range tests {
		if tt.p.Name() != tt.name || tt.p.Round() != tt.round || tt.p.IsSetup() != tt.setup {
			t.Errorf("%d: %q round %d setup %v; want %q %d %v", tt.p, tt.p.Name(), tt.p.Round(), tt.p.IsSetup(), tt.name, tt.round, tt.setup)
		}
		if p, ok := PointByName(tt.name); !ok || p != tt.p {
			t.Errorf("PointByName(%q) = %v, %v", tt.name, p, ok)
		}
	}
	for _, bad := range []string{"", "SNAPSHOT_", "snapshot_final", "RPC_CALL_START"} {
		if _, ok := PointByName(bad); ok || IsSnapshotName(bad) {
			t.Errorf("%q taken for a point", bad)
		}
	}
	if NoPoint.Valid() || NoPoint.Name() != "SNAPSHOT_UNKNOWN" || numPoints.Valid() {
		t.Error("invalid points are valid")
	}
	if PointPreRound1.Short() != "PRE_ROUND1" {
		t.Errorf("Short = %q", PointPreRound1.Short())
	}
}

func TestSetupStepsPassEverySetupPointOnce(t *testing.T) {
	var seen []Point
	for _, s := range SetupSteps {
		for _, p := range []Point{s.Before, s.After} {
			if p != NoPoint {
				seen = append(seen, p)
			}
		}
	}
	if len(seen) != NumSetupPoints {
		t.Fatalf("setup steps take %d snapshots, want %d", len(seen), NumSetupPoints)
	}
	for i, p := range seen {
		if p != SetupPoints[i] {
			t.Errorf("snapshot %d is %s, want %s", i, p, SetupPoints[i])
		}
	}
}

func TestPayoutRoles(t *testing.T) {
	tests := []struct {
		phase   Phase
		winner  Role
		payee   Role
		signers [2]Role
		ok      bool
	}{
		{PhaseRelease, "", Vendor, [2]Role{Buyer, Vendor}, true},
		{PhaseRefund, "", Buyer, [2]Role{Vendor, Buyer}, true},
		{PhaseResolve, Buyer, Buyer, [2]Role{Arbiter, Buyer}, true},
		{PhaseResolve, Vendor, Vendor, [2]Role{Arbiter, Vendor}, true},
		{PhaseResolve, Arbiter, "", [2]Role{}, false},
		{PhaseResolve, "", "", [2]Role{}, false},
		{PhaseSetup, "", "", [2]Role{}, false},
		{PhaseFund, Buyer, "", [2]Role{}, false},
	}
	for _, tt := range tests {
		payee, ok := tt.phase.Payee(tt.winner)
		signers, ok2 := tt.phase.Signers(tt.winner)
		if payee != tt.payee || ok != tt.ok || signers != tt.signers || ok2 != tt.ok {
			t.Errorf("%s/%q: payee %q %v signers %v %v", tt.phase, tt.winner, payee, ok, signers, ok2)
		}
		if tt.ok && tt.phase.IsPayout() != true {
			t.Errorf("%s is a payout", tt.phase)
		}
	}
	for _, p := range Phases {
		if !p.Valid() {
			t.Errorf("%s invalid", p)
		}
	}
	if Phase("").Of() != PhaseSetup || Phase("x").Valid() {
		t.Error("phase defaults")
	}
}

func TestRoles(t *testing.T) {
	for i, r := range Roles {
		if r.Index() != i || r.Rank() != i || !r.Valid() {
			t.Errorf("%s: index %d rank %d", r, r.Index(), r.Rank())
		}
	}
	if Role("judge").Valid() || Role("judge").Rank() != Participants {
		t.Error("unknown role")
	}
}
