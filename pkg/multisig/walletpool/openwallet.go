package walletpool

import (
	"context"
	"errors"
	"fmt"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// ErrWrongWallet: the server does not have the expected wallet open: another
// wallet (a failed close_wallet left one, or another escrow's create or open
// replaced it), none, or the process that opened it was replaced.
var ErrWrongWallet = errors.New("walletpool: the server does not have the expected wallet open")

// OpenWallet identifies the wallet a server has open. monero-wallet-rpc
// cannot say which file it has open; the wallet's primary address, random
// per wallet, says which wallet it is.
type OpenWallet struct {
	// PID is the server process that opened it (0 for an external server): a
	// restarted process has no wallet open.
	PID int
	// Address is the wallet's primary address.
	Address string
}

// Opened identifies the wallet s has open now. Call it right after a
// create_wallet or open_wallet succeeded, under the same lease, and keep the
// result with the wallet's name; CheckOpen compares against it later.
func (s *Server) Opened(ctx context.Context) (OpenWallet, error) {
	pid := s.PID()
	addr, err := s.address(ctx)
	if err != nil {
		return OpenWallet{}, err
	}
	if s.PID() != pid {
		return OpenWallet{}, fmt.Errorf("walletpool: %s restarted while asked for its wallet: %w", s.id, ErrWrongWallet)
	}
	return OpenWallet{PID: pid, Address: addr}, nil
}

// CheckOpen confirms that s still has w open: the same process as when w
// was recorded and the same primary address. A mismatch or no open wallet
// wraps ErrWrongWallet; a server that does not answer gives its error. A
// caller about to adopt a wallet opened earlier (a reserve wallet) must not
// use the server's open wallet unless CheckOpen returns nil.
func (s *Server) CheckOpen(ctx context.Context, w OpenWallet) error {
	if w.Address == "" {
		return fmt.Errorf("walletpool: %s: no wallet recorded: %w", s.id, ErrWrongWallet)
	}
	if pid := s.PID(); pid != w.PID {
		return fmt.Errorf("walletpool: %s: process %d opened the wallet, %d runs now: %w", s.id, w.PID, pid, ErrWrongWallet)
	}
	addr, err := s.address(ctx)
	if errors.Is(err, walletrpc.ErrNoWalletOpen) {
		return fmt.Errorf("walletpool: %s: no wallet open: %w", s.id, ErrWrongWallet)
	}
	if err != nil {
		return err
	}
	if s.PID() != w.PID {
		return fmt.Errorf("walletpool: %s restarted while asked for its wallet: %w", s.id, ErrWrongWallet)
	}
	if addr != w.Address {
		// Addresses are public: naming them in the error leaks nothing.
		return fmt.Errorf("walletpool: %s has wallet %s open, want %s: %w", s.id, addr, w.Address, ErrWrongWallet)
	}
	return nil
}

func (s *Server) address(ctx context.Context) (string, error) {
	c := s.Client()
	if c == nil {
		return "", fmt.Errorf("walletpool: %s has no client: %w", s.id, walletrpc.ErrUnavailable)
	}
	addr, err := c.GetAddress(ctx)
	if err != nil {
		return "", fmt.Errorf("walletpool: %s get_address: %w", s.id, err)
	}
	return addr, nil
}
