package multisig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// session is one role's wallet on the server that serves it during a setup.
type session struct {
	server    *walletpool.Server
	escrowID  string
	role      escrow.Role
	wallet    string // wallet file name
	password  string
	client    *walletrpc.Client // with the caller's middleware: every setup call is seen
	raw       *walletrpc.Client // without it: snapshot reads are observation, not setup calls
	walletDir string            // "" for external servers
	// switching: the server is shared between roles (or escrows), so each step
	// first opens this role's wallet.
	switching bool
	// adopted: the wallet is a fresh one from the warm reserve, already
	// open; adoptedAddr is the address it had when it was created.
	adopted     bool
	adoptedAddr string
}

func (s *session) adopt(w reserveWallet, password string) {
	s.wallet, s.password, s.adopted, s.adoptedAddr = w.name, password, true, w.address
}

// step returns ctx tagged with the session's role and round for middleware.
func (s *session) step(ctx context.Context, r escrow.Round) context.Context {
	return WithStep(ctx, Step{EscrowID: s.escrowID, Role: s.role, Round: r, WalletID: s.wallet})
}

func (s *session) fail(r escrow.Round, op string, err error) error {
	return stepError(s.escrowID, s.role, r, op, s.wallet, err)
}

// ensureOpen opens the role's wallet when the server is shared; a leased
// server keeps it open from create_wallet on.
func (s *session) ensureOpen(ctx context.Context, r escrow.Round) error {
	if !s.switching {
		return nil
	}
	if err := s.client.OpenWallet(s.step(ctx, r), s.wallet, s.password); err != nil {
		return s.fail(r, "open_wallet", err)
	}
	return nil
}

// store saves the wallet after a step, so that neither a crash nor a switch to
// another wallet loses a kex round (see FACTS: an unsaved round breaks the next open).
func (s *session) store(ctx context.Context, r escrow.Round) error {
	if err := s.client.Store(s.step(ctx, r)); err != nil {
		return s.fail(r, "store", err)
	}
	return nil
}

// check verifies with is_multisig that the step left the wallet as expected.
func (s *session) check(ctx context.Context, r escrow.Round, after string, want func(walletrpc.MultisigStatus) bool) (walletrpc.MultisigStatus, error) {
	st, err := s.client.IsMultisig(s.step(ctx, r))
	if err != nil {
		return st, s.fail(r, "is_multisig", err)
	}
	if !want(st) {
		return st, s.fail(r, "is_multisig", fmt.Errorf("%w after %s: multisig=%t ready=%t threshold=%d total=%d",
			ErrUnexpectedState, after, st.Multisig, st.Ready, st.Threshold, st.Total))
	}
	return st, nil
}

// stillReserved reports whether the server's open wallet is the fresh
// reserve wallet the session adopted: not multisig, with the address it had
// when the reserve created it.
func (s *session) stillReserved(ctx context.Context) bool {
	ms, err := s.client.IsMultisig(s.step(ctx, 0))
	if err != nil || ms.Multisig {
		return false
	}
	addr, err := s.client.GetAddress(s.step(ctx, 0))
	return err == nil && addr != "" && addr == s.adoptedAddr
}

// ReadSnapshot reads the state of whatever wallet the role's server has open.
func (s *session) ReadSnapshot(ctx context.Context) Snapshot {
	return readSnapshot(ctx, s.raw, s.walletDir, s.wallet, false)
}

// readSnapshot reads the state of the wallet that raw's server has open, the
// one expected being wallet (in walletDir, "" for an external server): its
// multisig state, address hash, balances and keys file mode. raw is a client
// without the caller's middleware: reading is observation, not a step.
//
// chain adds what the phases after the setup need (Snapshot.Chain): the
// same get_balance answer's multisig_import_needed, and the wallet's height
// (one get_height more).
func readSnapshot(ctx context.Context, raw *walletrpc.Client, walletDir, wallet string, chain bool) Snapshot {
	snap := Snapshot{WalletID: wallet}
	var firstErr error
	note := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	st, err := raw.IsMultisig(ctx)
	note(err)
	snap.IsMultisig, snap.Ready, snap.Threshold, snap.Total = st.Multisig, st.Ready, st.Threshold, st.Total
	addr, err := raw.GetAddress(ctx)
	note(err)
	if addr != "" {
		snap.AddressHash = escrow.HashAddress(addr)
	}
	if chain {
		snap.Chain = true
		bal, err := raw.GetBalanceInfo(ctx)
		note(err)
		snap.Balance, snap.UnlockedBalance, snap.MultisigImportNeeded = bal.Balance, bal.UnlockedBalance, bal.MultisigImportNeeded
		h, err := raw.GetHeight(ctx)
		note(err)
		snap.Height = h
	} else {
		bal, err := raw.GetBalance(ctx)
		note(err)
		snap.Balance, snap.UnlockedBalance = bal.Balance, bal.UnlockedBalance
	}
	if walletDir != "" {
		fi, err := os.Stat(filepath.Join(walletDir, wallet+".keys"))
		if err == nil {
			snap.FileMode = fmt.Sprintf("%04o", fi.Mode().Perm())
		} else if !os.IsNotExist(err) {
			note(err)
		}
	}
	snap.Err = firstErr
	return snap
}
