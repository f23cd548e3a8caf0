package main

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// TestNoPayerSaysWhy: a run without payouts refuses fund and payouts with
// its real reason: shared and global-lock modes name leased mode (not
// --offline), still as escrows.ErrOffline (409); offline leaves the
// escrows service's own --offline refusal.
func TestNoPayerSaysWhy(t *testing.T) {
	client, err := chain.NewClient("127.0.0.1:1") // never called
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	for _, mode := range []multisig.Mode{multisig.ModeShared, multisig.ModeGlobalLock} {
		cfg := config{Mode: mode, Network: netRegtest}
		m, err := moneyConfig(cfg, &chainRun{client: client}, nil, nil, nil, nil, nil, nil, logger)
		if err != nil {
			t.Fatal(err)
		}
		if m.Payer != nil || m.NoPayer == nil {
			t.Fatalf("%s: payer %v, refusal %v", mode, m.Payer, m.NoPayer)
		}
		msg := m.NoPayer.Error()
		if !errors.Is(m.NoPayer, escrows.ErrOffline) || strings.Contains(msg, "offline") ||
			!strings.Contains(msg, string(mode)+" mode") || !strings.Contains(msg, "--mode=leased") {
			t.Errorf("%s: refusal %q (is ErrOffline %v)", mode, msg, errors.Is(m.NoPayer, escrows.ErrOffline))
		}
	}
	m, err := moneyConfig(config{Mode: multisig.ModeLeased, Network: netRegtest, Offline: true}, &chainRun{}, nil, nil, nil, nil, nil, nil, logger)
	if err != nil || m.Payer != nil || m.NoPayer != nil {
		t.Errorf("offline: payer %v, refusal %v, %v; want none (escrows says --offline)", m.Payer, m.NoPayer, err)
	}
}
