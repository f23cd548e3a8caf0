package moneroaddr_test

import (
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/moneroaddr"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// startWalletServer runs one real monero-wallet-rpc with extra flags
// (--testnet, --stagenet) or on a daemon, stopped at cleanup.
func startWalletServer(t *testing.T, daemon string, extra ...string) *walletrpc.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	sup, err := walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{
		Count: 1, WalletDir: filepath.Join(dir, "wallets"), LogDir: filepath.Join(dir, "logs"),
		Daemon: daemon, ExtraArgs: extra, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// A server hung in its own shutdown is killed by design (FACTS.md).
		if err := sup.Stop(ctx); err != nil && !errors.Is(err, walletpool.ErrKilled) {
			t.Errorf("stop wallet server: %v", err)
		}
	})
	return sup.Servers()[0].Client()
}

// TestRealWalletAddresses: a fresh wallet of the real monero-wallet-rpc on
// each network; its main address, a new subaddress and an integrated
// address with a random payment ID parse as that network and kind, with the
// wallet's own payment ID and keys.
func TestRealWalletAddresses(t *testing.T) {
	chaintest.Skip(t)
	nets := []struct {
		network moneroaddr.Network
		flags   []string
	}{
		{moneroaddr.Mainnet, nil},
		{moneroaddr.Testnet, []string{"--testnet"}},
		{moneroaddr.Stagenet, []string{"--stagenet"}},
	}
	for _, n := range nets {
		t.Run(n.network.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			w := startWalletServer(t, "", n.flags...)
			if err := w.CreateWallet(ctx, "w", "pw"); err != nil {
				t.Fatal(err)
			}
			std, err := w.GetAddress(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var sub struct {
				Address string `json:"address"`
			}
			if err := w.Call(ctx, "create_address", map[string]any{"account_index": 0}, &sub); err != nil {
				t.Fatal(err)
			}
			var integ struct {
				Address   string `json:"integrated_address"`
				PaymentID string `json:"payment_id"`
			}
			if err := w.Call(ctx, "make_integrated_address", map[string]any{}, &integ); err != nil {
				t.Fatal(err)
			}
			want := map[string]moneroaddr.Kind{std: moneroaddr.Standard, sub.Address: moneroaddr.Subaddress, integ.Address: moneroaddr.Integrated}
			for addr, kind := range want {
				a, err := moneroaddr.Parse(addr)
				if err != nil || a.Network != n.network || a.Kind != kind {
					t.Errorf("%s: Parse = %s %s, %v; want %s %s", addr, a.Network, a.Kind, err, n.network, kind)
				}
				if err := moneroaddr.Validate(addr, n.network); err != nil {
					t.Errorf("Validate(%s, %s) = %v", addr, n.network, err)
				}
			}
			a, _ := moneroaddr.Parse(integ.Address)
			s, _ := moneroaddr.Parse(std)
			if got := hex.EncodeToString(a.PaymentID[:]); got != integ.PaymentID {
				t.Errorf("payment ID %s, the wallet says %s", got, integ.PaymentID)
			}
			if a.SpendKey != s.SpendKey || a.ViewKey != s.ViewKey {
				t.Error("the integrated address's keys are not the wallet's")
			}
		})
	}
}

// TestRegtestUsesMainnetAddresses measures the rule escrowd's regtest
// validation rests on: a wallet on a real monerod --regtest (the fakechain)
// has a mainnet address, the daemon mines to a mainnet address and refuses
// a stagenet one.
func TestRegtestUsesMainnetAddresses(t *testing.T) {
	chaintest.Skip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := chain.Start(ctx, chain.Config{DataDir: filepath.Join(t.TempDir(), "chain"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop(context.Background()) }) //nolint:errcheck // Stop kills what does not stop
	info, err := d.Client().GetInfo(ctx)
	if err != nil || info.Nettype != "fakechain" {
		t.Fatalf("get_info: %+v, %v; want fakechain", info, err)
	}
	w := startWalletServer(t, d.Address())
	if err := w.CreateWallet(ctx, "w", "pw"); err != nil {
		t.Fatal(err)
	}
	addr, err := w.GetAddress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := moneroaddr.Parse(addr)
	if err != nil || a.Network != moneroaddr.Mainnet || a.Kind != moneroaddr.Standard {
		t.Fatalf("regtest wallet address: %s %s, %v; want mainnet standard", a.Network, a.Kind, err)
	}
	if _, err := d.Client().GenerateBlocks(ctx, 1, addr); err != nil {
		t.Errorf("regtest monerod refused to mine to its wallet's mainnet address: %v", err)
	}
	if _, err := d.Client().GenerateBlocks(ctx, 1, stageStd); !errors.Is(err, chain.ErrDaemon) {
		t.Errorf("regtest monerod mining to a stagenet address: %v, want refused", err)
	}
}
