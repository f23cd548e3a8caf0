package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/moneroaddr"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// TestChainSettings: each accepted combination of the chain's settings and
// what escrowd runs with it.
func TestChainSettings(t *testing.T) {
	tests := []struct {
		name                     string
		args                     []string
		env                      map[string]string
		embedded, faucet, daemon bool
		addrNet                  moneroaddr.Network
		check                    func(c config) bool
	}{
		{"defaults: embedded regtest with a faucet", nil, nil, true, true, false, moneroaddr.Mainnet,
			func(c config) bool {
				return c.Network == netRegtest && c.PayoutMode == payoutDefault && c.FundingPoll == 0 &&
					c.chainDir() == filepath.Join("data", "chain") && c.embeddedServers() == 10
			}},
		{"offline", []string{"--offline"}, nil, false, false, false, moneroaddr.Mainnet,
			func(c config) bool { return c.Offline && c.embeddedServers() == 9 }},
		{"offline (env)", nil, map[string]string{"ESCROWD_OFFLINE": "true"}, false, false, false, moneroaddr.Mainnet,
			func(c config) bool { return c.Offline }},
		{"flag over variable", []string{"--offline=false"}, map[string]string{"ESCROWD_OFFLINE": "true"}, true, true, false, moneroaddr.Mainnet,
			func(c config) bool { return !c.Offline }},
		{"user's regtest daemon: a faucet, no embedded daemon", []string{"--daemon-address", "http://127.0.0.1:18081"}, nil, false, true, true, moneroaddr.Mainnet,
			func(c config) bool { return c.DaemonAddress == "127.0.0.1:18081" }},
		{"stagenet daemon as host:port", []string{"--network", "stagenet", "--daemon-address", "node.lan:38081"}, nil, false, false, true, moneroaddr.Stagenet,
			func(c config) bool { return c.DaemonAddress == "node.lan:38081" && c.embeddedServers() == 9 }},
		{"mainnet daemon (env)", nil, map[string]string{"ESCROWD_NETWORK": "mainnet", "ESCROWD_DAEMON_ADDRESS": "http://[::1]:18081/"}, false, false, true, moneroaddr.Mainnet,
			func(c config) bool { return c.DaemonAddress == "[::1]:18081" }},
		{"mainnet offline: setups only", []string{"--network", "mainnet", "--offline"}, nil, false, false, false, moneroaddr.Mainnet,
			func(c config) bool { return c.Offline }},
		{"naive payouts, monerod binary, funding poll", []string{"--payout-mode", "naive", "--monerod-binary", "/opt/monerod", "--funding-poll", "500ms"}, nil, true, true, false, moneroaddr.Mainnet,
			func(c config) bool {
				return c.PayoutMode == payoutNaive && c.MonerodBinary == "/opt/monerod" && c.FundingPoll == 500*time.Millisecond
			}},
		{"external wallet servers on the user's daemon: no faucet", []string{"--wallet-rpc", "http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3", "--daemon-address", "127.0.0.1:18081"}, nil, false, false, true, moneroaddr.Mainnet,
			func(c config) bool { return c.embeddedServers() == 0 }},
		{"fault injection", nil, map[string]string{faultEnv: "submitted"}, true, true, false, moneroaddr.Mainnet,
			func(c config) bool { return c.FaultKillAfter == multisig.StageSubmitted }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, envOf(tt.env), &bytes.Buffer{})
			if err == nil {
				err = c.validate()
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.embedsDaemon() != tt.embedded || c.hasFaucet() != tt.faucet || (c.DaemonAddress != "") != tt.daemon || c.addressNetwork() != tt.addrNet {
				t.Errorf("embedded %v faucet %v daemon %q address network %s; want %v %v %v %s",
					c.embedsDaemon(), c.hasFaucet(), c.DaemonAddress, c.addressNetwork(), tt.embedded, tt.faucet, tt.daemon, tt.addrNet)
			}
			if !tt.check(c) {
				t.Errorf("config %+v", c)
			}
		})
	}
}

// TestCheckNettype: a user's daemon of another network is refused, saying
// which network it runs and what to change.
func TestCheckNettype(t *testing.T) {
	tests := []struct {
		network, nettype string
		want             string
	}{
		{netRegtest, "fakechain", ""},
		{netStagenet, "stagenet", ""},
		{netMainnet, "mainnet", ""},
		{netRegtest, "mainnet", `runs mainnet (get_info nettype "mainnet"), but escrowd is set to --network=regtest: set --network mainnet, or point --daemon-address at a regtest daemon`},
		{netMainnet, "stagenet", "runs stagenet (get_info nettype \"stagenet\"), but escrowd is set to --network=mainnet: set --network stagenet"},
		{netStagenet, "fakechain", "runs regtest (get_info nettype \"fakechain\")"},
		{netMainnet, "testnet", "runs testnet"},
	}
	for _, tt := range tests {
		c := config{Network: tt.network, DaemonAddress: "127.0.0.1:18081", source: map[string]string{}}
		err := checkNettype(c, chain.Info{Nettype: tt.nettype})
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s on a %s daemon: %v, want %q", tt.network, tt.nettype, err, tt.want)
		}
	}
}

// TestValidateAddress: the address rules per network; regtest wants
// mainnet addresses and says so.
func TestValidateAddress(t *testing.T) {
	const (
		mainnet  = "49qJQNYyKjGM1kXyRpWCFAMwAmYdkn4oJ6oYMPvd3rSS8t6ZugMhdG3b1gCPRbG6US3AF6ySvwryo6HXi2Gi3jaTTiuz9x5"
		stagenet = "58JdeNBrEgucB8ZYiRQd9G8irfTQZhpE8aEKHoW4LXxqUF4mfrcCw9yDSYEkCjGxKGgUNg5USnrinYK6uXFppbmZ1HPmZp7"
	)
	for _, tt := range []struct {
		network, addr, want string
	}{
		{netRegtest, mainnet, ""},
		{netMainnet, mainnet, ""},
		{netStagenet, stagenet, ""},
		{netRegtest, stagenet, "a stagenet standard address, want a mainnet address (escrowd runs regtest, whose wallets have mainnet addresses)"},
		{netStagenet, mainnet, "a mainnet standard address, want a stagenet address"},
		{netMainnet, mainnet[:90], "not a valid Monero address"},
	} {
		c := config{Network: tt.network}
		err := validateAddress(tt.addr, c.addressNetwork(), c.Network)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.network, err, tt.want)
		}
	}
}

// TestJournalSlot: the payer's journal refuses until the service is
// connected, then forwards.
func TestJournalSlot(t *testing.T) {
	var j journalSlot
	ctx := t.Context()
	if err := j.Record(ctx, "e", multisig.PayoutRecord{Stage: multisig.StageUnsigned}); err == nil {
		t.Fatal("Record without a target succeeded")
	}
	var got []multisig.PayoutStage
	j.Set(multisig.JournalFunc(func(_ context.Context, id string, rec multisig.PayoutRecord) error {
		got = append(got, rec.Stage)
		if rec.Stage == multisig.StageSigned {
			return errors.New("disk full")
		}
		return nil
	}))
	if err := j.Record(ctx, "e", multisig.PayoutRecord{Stage: multisig.StageUnsigned}); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(ctx, "e", multisig.PayoutRecord{Stage: multisig.StageSigned}); err == nil || err.Error() != "disk full" {
		t.Fatalf("target's error not passed on: %v", err)
	}
	if len(got) != 2 {
		t.Errorf("records %v", got)
	}
}
