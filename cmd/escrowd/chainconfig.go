package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/moneroaddr"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// The networks --network takes. Regtest is monerod's fakechain: local, mined
// on demand, worthless coins.
const (
	netRegtest  = "regtest"
	netStagenet = "stagenet"
	netMainnet  = "mainnet"
)

// The payout modes --payout-mode takes.
const (
	payoutDefault = "default"
	payoutNaive   = "naive"
)

// faultEnv names the test-only fault injection (see doc.go).
const faultEnv = "ESCROWD_FAULT_KILL_AFTER_STAGE"

// nettype is get_info's name of each network.
var nettype = map[string]string{netRegtest: "fakechain", netStagenet: "stagenet", netMainnet: "mainnet"}

// defaultRPCPort is monerod's RPC port per network, for the messages.
var defaultRPCPort = map[string]int{netStagenet: 38081, netMainnet: 18081}

// setChain sets one of the chain's settings.
func (v *value) setChain(s string) error {
	c := v.c
	switch v.name {
	case "network":
		if _, ok := nettype[s]; !ok {
			return fmt.Errorf("unknown network %q: want regtest, stagenet or mainnet", s)
		}
		c.Network = s
	case "daemon-address":
		if s == "" {
			c.DaemonAddress = ""
			return nil
		}
		addr, err := parseDaemonAddress(s)
		if err != nil {
			return err
		}
		c.DaemonAddress = addr
	case "offline":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("want true or false")
		}
		c.Offline = b
	case "monerod-binary":
		c.MonerodBinary = s
	case "payout-mode":
		if s != payoutDefault && s != payoutNaive {
			return fmt.Errorf("unknown payout mode %q: want default (or naive, deliberately broken, to reproduce the stale-data bug)", s)
		}
		c.PayoutMode = s
	case "funding-poll":
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("want a duration such as 5s or 1m")
		}
		if d <= 0 {
			return errors.New("must be positive, e.g. 5s")
		}
		c.FundingPoll = d
	}
	return nil
}

// chainString shows a chain setting's current value.
func (v *value) chainString() string {
	c := v.c
	switch v.name {
	case "network":
		return c.Network
	case "daemon-address":
		return c.DaemonAddress
	case "offline":
		return strconv.FormatBool(c.Offline)
	case "monerod-binary":
		return c.MonerodBinary
	case "payout-mode":
		return c.PayoutMode
	case "funding-poll":
		if c.FundingPoll == 0 {
			return ""
		}
		return c.FundingPoll.String()
	}
	return ""
}

// parseDaemonAddress reads http://host:port or host:port and returns
// host:port: what wallet servers take as --daemon-address and the daemon
// client dials.
func parseDaemonAddress(s string) (string, error) {
	const want = "want http://host:port (or host:port), e.g. http://127.0.0.1:18081"
	hostport := s
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", errors.New(want)
		}
		switch {
		case u.Scheme == "https":
			return "", errors.New("escrowd talks to monerod over plain HTTP only: run it on this host or a private network and give http://host:port")
		case u.Scheme != "http":
			return "", errors.New(want)
		case u.User != nil:
			return "", errors.New("a daemon with an RPC login is not supported: no user:pass@ (and never a password on the command line)")
		case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
			return "", errors.New(want + ", without a path")
		}
		hostport = u.Host
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || host == "" || strings.ContainsAny(host, " /@") {
		return "", errors.New(want)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q: want 1 to 65535", port)
	}
	return hostport, nil
}

// readFault reads the test-only fault injection: an unknown stage is
// refused (a typo must not silently disable a crash test).
func (c *config) readFault(getenv func(string) string) error {
	v := getenv(faultEnv)
	if v == "" {
		return nil
	}
	switch st := multisig.PayoutStage(v); st {
	case multisig.StageUnsigned, multisig.StageSigned, multisig.StageSubmitted:
		c.FaultKillAfter = st
		c.source["fault"] = faultEnv + "=" + v
		return nil
	}
	return fmt.Errorf("%s=%s: want %s, %s or %s (test-only: escrowd kills itself right after a payout records that stage)",
		faultEnv, v, multisig.StageUnsigned, multisig.StageSigned, multisig.StageSubmitted)
}

// validateChain checks the chain settings together, saying what to change.
func (c config) validateChain() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	network := c.where("network", "--network="+c.Network)
	switch {
	case c.Offline && c.DaemonAddress != "":
		add("%s with %s: --offline runs without any daemon; drop --offline to use the daemon, or drop --daemon-address",
			c.where("offline", "--offline"), c.where("daemon-address", "--daemon-address"))
	case c.Network != netRegtest && c.DaemonAddress == "" && !c.Offline:
		add("%s needs your own %s daemon: escrowd embeds a regtest monerod only; give its RPC with --daemon-address http://127.0.0.1:%d (or --network regtest for a local chain, or --offline for setups only)",
			network, c.Network, defaultRPCPort[c.Network])
	}
	if len(c.WalletRPC) > 0 && c.DaemonAddress == "" && !c.Offline {
		add("%s: external wallet servers use a daemon of their own, not an embedded one: give it with --daemon-address, or run setups only with --offline",
			c.where("wallet-rpc", "--wallet-rpc"))
	}
	if c.PayoutMode == payoutNaive && c.Offline {
		add("%s with --offline: there are no payouts without a daemon; drop one of them", c.where("payout-mode", "--payout-mode="+c.PayoutMode))
	}
	if c.PayoutMode == payoutNaive && len(c.WalletRPC) > 0 {
		add("%s with %s: the naive mode runs on escrowd's own wallet servers (it turns a payout's servers' background refresh off while it pays, which would change your servers for everyone); drop --wallet-rpc or the naive mode",
			c.where("payout-mode", "--payout-mode="+c.PayoutMode), c.where("wallet-rpc", "--wallet-rpc"))
	}
	if c.FaultKillAfter != "" && c.Offline {
		add("%s with --offline: there are no payouts without a daemon", c.where("fault", faultEnv))
	}
	return errs
}

// embedsDaemon reports whether escrowd runs its own monerod --regtest.
func (c config) embedsDaemon() bool {
	return !c.Offline && c.DaemonAddress == "" && c.Network == netRegtest
}

// hasFaucet reports whether escrowd runs the regtest dev faucet: on regtest
// with a daemon, on a wallet server of its own (not with external servers).
func (c config) hasFaucet() bool {
	return !c.Offline && c.Network == netRegtest && len(c.WalletRPC) == 0
}

// addressNetwork is the network whose addresses payees must give: regtest's
// wallets use mainnet's (measured: moneroaddr's TestRegtestUsesMainnetAddresses).
func (c config) addressNetwork() moneroaddr.Network {
	if c.Network == netStagenet {
		return moneroaddr.Stagenet
	}
	return moneroaddr.Mainnet
}

// chainDir is the embedded daemon's data directory.
func (c config) chainDir() string { return filepath.Join(c.DataDir, "chain") }
