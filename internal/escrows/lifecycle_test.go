package escrows_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/escrows/escrowstest"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

const (
	buyerAddr  = "4BuyerAddress"
	vendorAddr = "4VendorAddress"
)

var moneyReq = escrows.Request{BuyerID: "buyer", VendorID: "vendor", Amount: 1_000_000, BuyerAddress: buyerAddr, VendorAddress: vendorAddr}

// newLifecycle is a Service over a fresh store and a ledger (payer, faucet,
// chain), polling fast.
func newLifecycle(t *testing.T, edit ...func(*escrows.Config)) (*escrows.Service, *store.Store, *escrowstest.Ledger) {
	t.Helper()
	l := escrowstest.NewLedger()
	var svc *escrows.Service
	svc, st := newService(t, escrowstest.Instant(), 8, append([]func(*escrows.Config){func(c *escrows.Config) {
		c.Payer, c.Faucet, c.Chain = l.Payer(), l.Faucet(), l
		c.FundingPoll, c.PayoutRetry = 10*time.Millisecond, 10*time.Millisecond
	}}, edit...)...)
	l.Payer().Journal = multisig.JournalFunc(func(ctx context.Context, id string, rec multisig.PayoutRecord) error {
		return svc.Record(ctx, id, rec)
	})
	return svc, st, l
}

// readyEscrow submits req and waits for its setup.
func readyEscrow(t *testing.T, svc *escrows.Service, req escrows.Request) store.Escrow {
	t.Helper()
	ctx := context.Background()
	e, err := svc.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e, err = svc.Wait(ctx, e.ID)
	if err != nil || e.Status != store.StatusReady {
		t.Fatalf("setup: %+v, %v", e, err)
	}
	return e
}

// fundedEscrow is a ready escrow funded through Fund.
func fundedEscrow(t *testing.T, svc *escrows.Service, req escrows.Request) store.Escrow {
	t.Helper()
	e := readyEscrow(t, svc, req)
	f, err := svc.Fund(context.Background(), e.ID)
	if err != nil || f.Status != store.StatusFunded {
		t.Fatalf("fund: %+v, %v", f, err)
	}
	return f
}

func waitPayout(t *testing.T, svc *escrows.Service, id string) store.Escrow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := svc.WaitPayout(ctx, id)
	if err != nil || e.Status == store.StatusPayingOut {
		t.Fatalf("payout did not end: %+v, %v", e, err)
	}
	return e
}

// TestPayoutPaysThePayee: fund, then each payout pays its payee the
// whole balance minus the fee, once, and the escrow ends with its payout.
func TestPayoutPaysThePayee(t *testing.T) {
	tests := []struct {
		phase  escrow.Phase
		winner escrow.Role
		status store.Status
		payee  escrow.Role
		addr   string
	}{
		{escrow.PhaseRelease, "", store.StatusReleased, escrow.Vendor, vendorAddr},
		{escrow.PhaseRefund, "", store.StatusRefunded, escrow.Buyer, buyerAddr},
		{escrow.PhaseResolve, escrow.Buyer, store.StatusResolved, escrow.Buyer, buyerAddr},
		{escrow.PhaseResolve, escrow.Vendor, store.StatusResolved, escrow.Vendor, vendorAddr},
	}
	for _, tt := range tests {
		t.Run(string(tt.phase)+"_"+string(tt.winner), func(t *testing.T) {
			ctx := context.Background()
			svc, _, l := newLifecycle(t)
			e := fundedEscrow(t, svc, moneyReq)
			if e.Balance != moneyReq.Amount || e.UnlockedBalance != moneyReq.Amount || e.FundedAt == nil {
				t.Fatalf("funded: %+v", e)
			}
			started, err := svc.Payout(ctx, e.ID, tt.phase, tt.winner)
			if err != nil || started.Status != store.StatusPayingOut {
				t.Fatalf("Payout = %+v, %v", started, err)
			}
			req := <-l.Payer().Started()
			if req.PayeeAddress != tt.addr || req.Phase != tt.phase || req.Winner != tt.winner {
				t.Fatalf("payer asked %+v", req)
			}
			done := waitPayout(t, svc, e.ID)
			p := done.Payout
			if done.Status != tt.status || p == nil || p.ToRole != tt.payee || p.Amount+p.Fee != moneyReq.Amount || p.Fee == 0 ||
				p.TxHash() != escrowstest.TxHashFor(e.ID) || p.Stage != store.StageSubmitted || p.Height == 0 {
				t.Fatalf("paid: %+v %+v", done, p)
			}
			if n := l.Sent(e.ID); n != 1 {
				t.Fatalf("%d payout transactions sent, want 1", n)
			}
			// Paid: every further payout is refused and sends nothing.
			again, err := svc.Payout(ctx, e.ID, escrow.PhaseRefund, "")
			if !errors.Is(err, escrows.ErrPaying) || again.Payout == nil || again.Payout.TxHash() != p.TxHash() {
				t.Fatalf("second payout = %+v, %v; want ErrPaying with the payout", again, err)
			}
			if n := l.Sent(e.ID); n != 1 {
				t.Fatalf("%d payout transactions after a refusal", n)
			}
		})
	}
}

// TestPayoutRefusals: each refusal is typed, and nothing is signed or
// changed.
func TestPayoutRefusals(t *testing.T) {
	ctx := context.Background()
	svc, st, l := newLifecycle(t)
	ready := readyEscrow(t, svc, moneyReq)
	funded := fundedEscrow(t, svc, moneyReq)
	noAddr := fundedEscrow(t, svc, escrows.Request{BuyerID: "b", VendorID: "v", Amount: 5, BuyerAddress: buyerAddr})
	isValidation := func(field string) func(error) bool {
		return func(err error) bool {
			var ve *escrows.ValidationError
			return errors.As(err, &ve) && ve.Field == field
		}
	}
	is := func(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }
	tests := []struct {
		name   string
		id     string
		phase  escrow.Phase
		winner escrow.Role
		want   func(error) bool
	}{
		{"not funded", ready.ID, escrow.PhaseRelease, "", is(escrows.ErrNotFunded)},
		{"resolve without winner", funded.ID, escrow.PhaseResolve, "", isValidation("winner")},
		{"resolve won by the arbiter", funded.ID, escrow.PhaseResolve, escrow.Arbiter, isValidation("winner")},
		{"release with a winner", funded.ID, escrow.PhaseRelease, escrow.Buyer, isValidation("winner")},
		{"fund is no payout", funded.ID, escrow.PhaseFund, "", isValidation("phase")},
		{"no vendor address", noAddr.ID, escrow.PhaseRelease, "", is(escrows.ErrNoAddress)},
		{"unknown escrow", "no-such-escrow", escrow.PhaseRelease, "", is(escrows.ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before store.Escrow
			if tt.id != "no-such-escrow" {
				before, _ = st.Get(ctx, tt.id)
			}
			_, err := svc.Payout(ctx, tt.id, tt.phase, tt.winner)
			if !tt.want(err) {
				t.Fatalf("Payout = %v", err)
			}
			if pays, resumes := l.Payer().Calls(); pays+resumes != 0 {
				t.Fatalf("the payer was called %d times", pays+resumes)
			}
			if tt.id != "no-such-escrow" {
				if after, _ := st.Get(ctx, tt.id); after.Status != before.Status || after.Payout != nil {
					t.Fatalf("a refusal changed the escrow: %s -> %+v", before.Status, after)
				}
			}
		})
	}
	// Offline: no payer at all.
	off, _ := newService(t, escrowstest.Instant(), 2)
	e := readyEscrow(t, off, moneyReq)
	if _, err := off.Payout(ctx, e.ID, escrow.PhaseRelease, ""); !errors.Is(err, escrows.ErrOffline) {
		t.Fatalf("offline payout = %v", err)
	}
	if _, err := off.Fund(ctx, e.ID); !errors.Is(err, escrows.ErrOffline) {
		t.Fatalf("offline fund = %v", err)
	}
}

// TestConcurrentPayoutsOneWins: many payouts of one escrow at once: one
// is claimed, the others are ErrPaying; one transaction is sent.
func TestConcurrentPayoutsOneWins(t *testing.T) {
	ctx := context.Background()
	svc, _, l := newLifecycle(t)
	e := fundedEscrow(t, svc, moneyReq)
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			phase := []escrow.Phase{escrow.PhaseRelease, escrow.PhaseRefund}[i%2]
			_, errs[i] = svc.Payout(ctx, e.ID, phase, "")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, escrows.ErrPaying):
			t.Errorf("Payout = %v, want ErrPaying", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d payouts claimed, want 1", won)
	}
	if done := waitPayout(t, svc, e.ID); !done.Status.Paid() || l.Sent(e.ID) != 1 {
		t.Fatalf("after the payout: %+v, %d sent", done, l.Sent(e.ID))
	}
}

// TestFailedPayoutLeavesFunded: an attempt that fails before anything was
// signed leaves the escrow funded with the failure on last_error; it can be
// asked again, and the paid escrow's last error is cleared.
func TestFailedPayoutLeavesFunded(t *testing.T) {
	ctx := context.Background()
	// The root cause comes from the analysis of the escrow's trace once the
	// failed phase has ended (escrowd: analysis.RootCause of the file).
	var diagnosed atomic.Int32
	svc, _, l := newLifecycle(t, func(c *escrows.Config) {
		c.Diagnose = func(context.Context, string) string {
			diagnosed.Add(1)
			return "import_before_refresh"
		}
	})
	e := fundedEscrow(t, svc, moneyReq)
	for i, c := range []struct {
		step string
		want store.PayoutFailure
	}{
		{"sign", store.PayoutFailure{Phase: escrow.PhaseRelease, Step: "sign", Role: escrow.Vendor, Kind: escrow.KindStaleData}},
		{"prepare", store.PayoutFailure{Phase: escrow.PhaseRelease, Step: "prepare", Role: escrow.Buyer, Kind: escrow.KindImportNeeded}},
		{"journal", store.PayoutFailure{Phase: escrow.PhaseRelease, Step: "sign"}},
	} {
		l.Payer().FailNext(c.step)
		if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRelease, ""); err != nil {
			t.Fatal(err)
		}
		got := waitPayout(t, svc, e.ID)
		msg := got.LastError.Message
		got.LastError.Message = ""
		if c.want.Kind == "" {
			c.want.Kind = got.LastError.Kind // the journal's own error: no wallet kind to expect
		}
		c.want.Cause = "import_before_refresh"
		if got.Status != store.StatusFunded || got.LastError != c.want || msg == "" || got.Payout != nil || got.Balance != moneyReq.Amount {
			t.Fatalf("after failing at %s: %+v (message %q)", c.step, got, msg)
		}
		if n := int(diagnosed.Load()); n != i+1 {
			t.Fatalf("after %d failed payouts, %d diagnoses", i+1, n)
		}
		if l.Sent(e.ID) != 0 {
			t.Fatalf("a failed attempt sent a transaction")
		}
	}
	if _, err := svc.Payout(ctx, e.ID, escrow.PhaseResolve, escrow.Buyer); err != nil {
		t.Fatal(err)
	}
	done := waitPayout(t, svc, e.ID)
	if done.Status != store.StatusResolved || done.LastError != (store.PayoutFailure{}) || done.Payout.ToRole != escrow.Buyer || l.Sent(e.ID) != 1 {
		t.Fatalf("paid after the failures: %+v %+v", done, done.Payout)
	}
}

// TestLostSubmitIsResumed: the daemon took the transaction but its answer
// was lost: the payout is resumed from its signed record (never signed or
// started again) and ends paid with the same transaction.
func TestLostSubmitIsResumed(t *testing.T) {
	ctx := context.Background()
	svc, _, l := newLifecycle(t)
	e := fundedEscrow(t, svc, moneyReq)
	l.Payer().FailNext("submit")
	if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRefund, ""); err != nil {
		t.Fatal(err)
	}
	done := waitPayout(t, svc, e.ID)
	pays, resumes := l.Payer().Calls()
	if done.Status != store.StatusRefunded || done.Payout.TxHash() != escrowstest.TxHashFor(e.ID) || l.Sent(e.ID) != 1 || pays != 1 || resumes != 1 {
		t.Fatalf("after a lost submit: %+v; sent %d, pays %d, resumes %d", done, l.Sent(e.ID), pays, resumes)
	}
}

// TestStuckPayoutSaidOnce: a signed payout whose resumes keep failing
// (the daemon unreachable) is resumed until it finishes, never started
// again; once it has been in flight for PayoutStuckAfter it is said at
// error level, once, however many resumes fail after that.
func TestStuckPayoutSaidOnce(t *testing.T) {
	const stuckMsg = "payout stuck:"
	tests := []struct {
		name       string
		stuckAfter time.Duration
		want       int
	}{
		{"in flight past the threshold", time.Nanosecond, 1},
		{"finished before the threshold", time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			logs := &countingHandler{}
			svc, _, l := newLifecycle(t, func(c *escrows.Config) { c.Logger, c.PayoutStuckAfter = slog.New(logs), tt.stuckAfter })
			e := fundedEscrow(t, svc, moneyReq)
			l.Payer().FailNext("submit", "resume", "resume", "resume")
			if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRelease, ""); err != nil {
				t.Fatal(err)
			}
			done := waitPayout(t, svc, e.ID)
			pays, resumes := l.Payer().Calls()
			if done.Status != store.StatusReleased || l.Sent(e.ID) != 1 || pays != 1 || resumes != 4 {
				t.Fatalf("after 3 failed resumes: %s; sent %d, pays %d, resumes %d", done.Status, l.Sent(e.ID), pays, resumes)
			}
			if n := logs.count(stuckMsg); n != tt.want {
				t.Errorf("%q said %d times, want %d", stuckMsg, n, tt.want)
			}
		})
	}
}

// TestRecoverResumesPayouts is the service's half of "kill escrowd during
// a payout": a second Service on the same store finds each payout where a
// killed process left it and finishes it with exactly one transaction.
func TestRecoverResumesPayouts(t *testing.T) {
	tests := []struct {
		name string
		// leave: what the killed process had done.
		stage     store.Stage
		inPool    bool // its transaction reached the daemon
		wantPays  int
		wantResum int
	}{
		{"claimed only", store.StageClaimed, false, 1, 0},
		{"unsigned", store.StageUnsigned, false, 1, 0},
		{"signed, not submitted", store.StageSigned, false, 0, 1},
		{"signed and submitted, answer lost", store.StageSigned, true, 0, 1},
		{"submitted, not recorded paid", store.StageSubmitted, true, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			svc, st, l := newLifecycle(t)
			e := fundedEscrow(t, svc, moneyReq)
			// The first process claimed the payout and wrote its record, then died.
			if _, err := st.ClaimPayout(ctx, e.ID, store.Claim{Phase: escrow.PhaseRelease, ToRole: escrow.Vendor, PayeeAddress: vendorAddr}); err != nil {
				t.Fatal(err)
			}
			hash := escrowstest.TxHashFor(e.ID)
			amount := moneyReq.Amount - 1000
			if tt.stage != store.StageClaimed {
				rec := store.Record{Stage: tt.stage, TxSet: "set", Amount: amount, Fee: 1000}
				if tt.stage.Sent() {
					rec.TxHashes = []string{hash}
				}
				if err := st.RecordPayout(ctx, e.ID, rec); err != nil {
					t.Fatal(err)
				}
			}
			if tt.inPool {
				l.Send(e.ID, hash)
			}

			svc2, err := escrows.New(escrows.Config{Store: st, Runner: escrowstest.Instant(), MaxInFlight: 2,
				Payer: l.Payer(), Faucet: l.Faucet(), Chain: l, FundingPoll: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			l.Payer().Journal = multisig.JournalFunc(func(ctx context.Context, id string, rec multisig.PayoutRecord) error {
				return svc2.Record(ctx, id, rec)
			})
			if n, err := st.MarkInterrupted(ctx); err != nil || n != 0 {
				t.Fatalf("MarkInterrupted = %d, %v: a payout is no setup", n, err)
			}
			if err := svc2.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			defer svc2.Shutdown(ctx) //nolint:errcheck // the payout has ended
			done := waitPayout(t, svc2, e.ID)
			pays, resumes := l.Payer().Calls()
			if done.Status != store.StatusReleased || done.Payout.TxHash() != hash || done.Payout.Amount != amount {
				t.Fatalf("recovered: %+v %+v", done, done.Payout)
			}
			if l.Sent(e.ID) != 1 || pays != tt.wantPays || resumes != tt.wantResum {
				t.Fatalf("sent %d (want 1), pays %d (want %d), resumes %d (want %d)", l.Sent(e.ID), pays, tt.wantPays, resumes, tt.wantResum)
			}
		})
	}
}

// TestShutdownLeavesPayoutForRecover: a payout still running when the
// shutdown's grace ends is cancelled and left paying_out; the next
// process resumes it.
func TestShutdownLeavesPayoutForRecover(t *testing.T) {
	ctx := context.Background()
	svc, st, l := newLifecycle(t)
	e := fundedEscrow(t, svc, moneyReq)
	l.Payer().Hold = make(chan struct{})
	if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRelease, ""); err != nil {
		t.Fatal(err)
	}
	<-l.Payer().Started()
	sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := svc.Shutdown(sctx); err == nil || !strings.Contains(err.Error(), "1 payouts cancelled") {
		t.Fatalf("Shutdown = %v, want one payout cancelled", err)
	}
	if got, _ := st.Get(ctx, e.ID); got.Status != store.StatusPayingOut {
		t.Fatalf("after shutdown: %s, want paying_out", got.Status)
	}
	if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRefund, ""); !errors.Is(err, escrows.ErrPaying) {
		t.Fatalf("payout during shutdown = %v", err)
	}
	l.Payer().Hold = nil
	svc2, err := escrows.New(escrows.Config{Store: st, Runner: escrowstest.Instant(), MaxInFlight: 2, Payer: l.Payer(), Chain: l})
	if err != nil {
		t.Fatal(err)
	}
	l.Payer().Journal = multisig.JournalFunc(func(ctx context.Context, id string, rec multisig.PayoutRecord) error {
		return svc2.Record(ctx, id, rec)
	})
	if err := svc2.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc2.Shutdown(ctx) //nolint:errcheck // the payout has ended
	if done := waitPayout(t, svc2, e.ID); done.Status != store.StatusReleased || l.Sent(e.ID) != 1 {
		t.Fatalf("after recover: %+v, sent %d", done, l.Sent(e.ID))
	}
}

// TestFundingWatcher: a payment from elsewhere is noticed by the watcher;
// while checks fail (the daemon down) it keeps polling and warns once, not
// at every poll.
func TestFundingWatcher(t *testing.T) {
	ctx := context.Background()
	logs := &countingHandler{}
	svc, _, l := newLifecycle(t, func(c *escrows.Config) { c.Logger = slog.New(logs) })
	e := readyEscrow(t, svc, moneyReq)
	l.SetFundedError(errors.New("daemon unreachable"))
	l.Credit(e.ID, moneyReq.Amount)
	if _, err := l.Faucet().Mine(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if err := svc.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for logs.count("funding check failed again") < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the watcher did not keep polling")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := logs.count("funding check failed; retrying"); n != 1 {
		t.Fatalf("%d warnings for one failing escrow, want 1", n)
	}
	if got, _ := svc.Get(ctx, e.ID); got.Status != store.StatusReady {
		t.Fatalf("funded while the checks fail: %s", got.Status)
	}
	l.SetFundedError(nil)
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	got, err := svc.WaitFunded(wctx, e.ID)
	if err != nil || got.Status != store.StatusFunded || got.UnlockedBalance != moneyReq.Amount {
		t.Fatalf("after the daemon is back: %+v, %v", got, err)
	}
}

// TestFundingNeedsUnlock: paid but not yet unlocked is not funded.
func TestFundingNeedsUnlock(t *testing.T) {
	ctx := context.Background()
	svc, _, l := newLifecycle(t)
	e := readyEscrow(t, svc, moneyReq)
	l.Credit(e.ID, moneyReq.Amount)
	if _, err := l.Faucet().Mine(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if err := svc.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if got, _ := svc.WaitFunded(wctx, e.ID); got.Status != store.StatusReady {
		t.Fatalf("funded 9 blocks after the payment: %+v", got)
	}
	if _, err := l.Faucet().Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	wctx, cancel = context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if got, _ := svc.WaitFunded(wctx, e.ID); got.Status != store.StatusFunded {
		t.Fatalf("not funded once unlocked: %+v", got)
	}
}

// TestFundRefusals: fund off regtest, of an escrow not waiting for funds,
// or when the faucet fails, changes nothing.
func TestFundRefusals(t *testing.T) {
	ctx := context.Background()
	noFaucet, _, _ := newLifecycle(t, func(c *escrows.Config) { c.Faucet = nil })
	e := readyEscrow(t, noFaucet, moneyReq)
	if _, err := noFaucet.Fund(ctx, e.ID); !errors.Is(err, escrows.ErrNoFaucet) {
		t.Fatalf("fund without a faucet = %v", err)
	}
	svc, _, l := newLifecycle(t)
	funded := fundedEscrow(t, svc, moneyReq)
	if _, err := svc.Fund(ctx, funded.ID); !errors.Is(err, escrows.ErrNotReady) {
		t.Fatalf("fund a funded escrow = %v", err)
	}
	if _, err := svc.Fund(ctx, "no-such"); !errors.Is(err, escrows.ErrNotFound) {
		t.Fatalf("fund unknown = %v", err)
	}
	ready := readyEscrow(t, svc, moneyReq)
	l.Faucet().Err = errors.New("not enough money")
	if got, err := svc.Fund(ctx, ready.ID); !errors.Is(err, escrows.ErrFaucet) || got.Status != store.StatusReady {
		t.Fatalf("fund with a failing faucet = %+v, %v", got, err)
	}
}

// TestAddresses: addresses are checked at init and when set later, fixed
// once set, and never the escrow's own multisig address.
func TestAddresses(t *testing.T) {
	ctx := context.Background()
	svc, st, _ := newLifecycle(t, func(c *escrows.Config) {
		c.ValidateAddress = func(a string) error {
			if !strings.HasPrefix(a, "4") {
				return errors.New("not a mainnet address")
			}
			return nil
		}
	})
	isField := func(field string) func(error) bool {
		return func(err error) bool {
			var ve *escrows.ValidationError
			return errors.As(err, &ve) && ve.Field == field
		}
	}
	for _, tt := range []struct {
		name string
		req  escrows.Request
		want func(error) bool
	}{
		{"wrong network", escrows.Request{BuyerID: "b", VendorID: "v", Amount: 1, BuyerAddress: "9Buyer"}, isField("buyer_address")},
		{"not base58", escrows.Request{BuyerID: "b", VendorID: "v", Amount: 1, VendorAddress: "4vend0r"}, isField("vendor_address")},
		{"same for both", escrows.Request{BuyerID: "b", VendorID: "v", Amount: 1, BuyerAddress: "4Same", VendorAddress: "4Same"}, isField("vendor_address")},
	} {
		if _, err := svc.Submit(ctx, tt.req); !tt.want(err) {
			t.Errorf("%s: Submit = %v", tt.name, err)
		}
	}
	if n, _ := st.Count(ctx); n != 0 {
		t.Fatalf("%d escrows stored after refusals", n)
	}
	e := readyEscrow(t, svc, escrows.Request{BuyerID: "b", VendorID: "v", Amount: 1})
	steps := []struct {
		name          string
		buyer, vendor string
		want          func(error) bool
	}{
		{"the escrow's own address", e.MultisigAddress, "", isField("buyer_address")},
		{"buyer", "4Buyer", "", func(err error) bool { return err == nil }},
		{"vendor same as buyer", "", "4Buyer", isField("vendor_address")},
		{"buyer changed", "4Another", "", func(err error) bool { return errors.Is(err, escrows.ErrAddressFixed) }},
		{"vendor", "", "4Vendor", func(err error) bool { return err == nil }},
		{"both again, same", "4Buyer", "4Vendor", func(err error) bool { return err == nil }},
		{"none", "", "", isField("buyer_address")},
	}
	for _, s := range steps {
		if _, err := svc.SetAddresses(ctx, e.ID, s.buyer, s.vendor); !s.want(err) {
			t.Fatalf("%s: SetAddresses = %v", s.name, err)
		}
	}
	if got, _ := st.Get(ctx, e.ID); got.BuyerAddress != "4Buyer" || got.VendorAddress != "4Vendor" {
		t.Fatalf("addresses %q %q", got.BuyerAddress, got.VendorAddress)
	}
}

// TestPayoutLinksRequest: the payout's context carries the request's span
// (Config.Link), as the setup's does.
func TestPayoutLinksRequest(t *testing.T) {
	type key struct{}
	ctx := context.Background()
	var mu sync.Mutex
	var linked []any
	svc, _, _ := newLifecycle(t, func(c *escrows.Config) {
		c.Link = func(dst, src context.Context) context.Context {
			mu.Lock()
			linked = append(linked, src.Value(key{}))
			mu.Unlock()
			return dst
		}
	})
	e := fundedEscrow(t, svc, moneyReq)
	if _, err := svc.Payout(context.WithValue(ctx, key{}, "payout-request"), e.ID, escrow.PhaseRelease, ""); err != nil {
		t.Fatal(err)
	}
	waitPayout(t, svc, e.ID)
	mu.Lock()
	defer mu.Unlock()
	if len(linked) == 0 || linked[len(linked)-1] != "payout-request" {
		t.Fatalf("linked %v", linked)
	}
}

// countingHandler counts log records by message.
type countingHandler struct {
	mu   sync.Mutex
	msgs map[string]int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.msgs == nil {
		h.msgs = map[string]int{}
	}
	h.msgs[r.Message]++
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func (h *countingHandler) count(prefix string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for m, c := range h.msgs {
		if strings.HasPrefix(m, prefix) {
			n += c
		}
	}
	return n
}

// TestOnRecordAfterEachStage: OnRecord hears each write-ahead stage in
// order, after the store kept it (the record is readable when it is called).
func TestOnRecordAfterEachStage(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var heard []string
	var st *store.Store
	svc, st, _ := newLifecycle(t, func(c *escrows.Config) {
		c.OnRecord = func(id string, stage multisig.PayoutStage) {
			rec, err := st.PayoutRecord(context.Background(), id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || string(rec.Stage) != string(stage) {
				heard = append(heard, "not stored: "+string(stage))
				return
			}
			heard = append(heard, string(stage))
		}
	})
	e := fundedEscrow(t, svc, moneyReq)
	if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRelease, ""); err != nil {
		t.Fatal(err)
	}
	waitPayout(t, svc, e.ID)
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(heard, ",") != "unsigned,signed,submitted" {
		t.Fatalf("OnRecord heard %v", heard)
	}
}

// TestPayerWithoutJournalIsReported: a payer whose journal is not the
// service pays, but the service says loudly that such a payout could not
// be resumed after a crash.
func TestPayerWithoutJournalIsReported(t *testing.T) {
	ctx := context.Background()
	logs := &countingHandler{}
	svc, _, l := newLifecycle(t, func(c *escrows.Config) { c.Logger = slog.New(logs) })
	l.Payer().Journal = nil
	e := fundedEscrow(t, svc, moneyReq)
	if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRelease, ""); err != nil {
		t.Fatal(err)
	}
	if done := waitPayout(t, svc, e.ID); done.Status != store.StatusReleased {
		t.Fatalf("paid without a journal: %+v", done)
	}
	if n := logs.count("the payer kept no write-ahead record"); n != 1 {
		t.Fatalf("%d reports of the missing journal, want 1", n)
	}
}
