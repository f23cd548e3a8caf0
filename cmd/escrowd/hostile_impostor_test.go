package main

import (
	"bytes"
	"errors"
	"github.com/escrowd/escrowd/internal/osprobe"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/daemontest"
)

// bindPort is the --rpc-bind-port on the command line of process pid.
func bindPort(t *testing.T, pid int) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(bytes.TrimRight(raw, "\x00")) == 0) {
		return 0 // gone (or a zombie) since it was listed: a server that lost its port to an impostor
	}
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(string(bytes.TrimRight(raw, "\x00")), "\x00")
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--rpc-bind-port="); ok {
			args = append(args, "", v)
			a, i = "--rpc-bind-port", len(args)-2
		}
		if a == "--rpc-bind-port" && i+1 < len(args) {
			p, err := strconv.Atoi(args[i+1])
			if err != nil {
				t.Fatalf("pid %d: --rpc-bind-port %q", pid, args[i+1])
			}
			return p
		}
	}
	t.Fatalf("pid %d: no --rpc-bind-port in %q", pid, args)
	return 0
}

// TestHostileImpostorPort (issue 15, the impostor port, against the real
// binary): another program listens on the first port of --wallet-rpc-ports
// and answers get_version like a wallet server. escrowd still comes up ready
// with its wallet servers on other ports of the range. Then a second
// impostor takes the port of a wallet server killed with SIGKILL before the
// supervisor restarts it there; the server comes back on another port of the
// range. An escrow then runs to ready, and neither impostor ever got a
// password: no request mentions one, and no create_wallet or open_wallet
// (the wallet password is derived inside escrowd) reached them.
func TestHostileImpostorPort(t *testing.T) {
	needWalletRPC(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	im := daemontest.StartImpostor(t, ln, nil)
	const size = 10 // 3 servers and a restart; room for neighbours taken by others
	if im.Port+size-1 > 65535 {
		t.Skipf("impostor port %d too close to 65535 for a range of %d", im.Port, size)
	}
	first, last := im.Port, im.Port+size-1
	dir := t.TempDir()
	walletDir := filepath.Join(dir, "data", "wallets")
	t.Setenv("ESCROWD_API_TOKEN", "")
	d := startDaemon(t, dir, "--pool-size", "3", "--reserve", "0",
		"--wallet-rpc-ports", strconv.Itoa(first)+"-"+strconv.Itoa(last))

	// ports lists the wallet servers that listen: pid -> the port its own
	// socket listens on. A process just started on a port it will not get
	// (an impostor holds it) is not listed until it listens.
	ports := func() map[int]int {
		out := map[int]int{}
		for _, pid := range walletServers(t, walletDir) {
			p := bindPort(t, pid)
			if p == 0 {
				continue
			}
			ls, err := osprobe.PortListeners(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range ls {
				if own, err := osprobe.Owns(pid, l); err == nil && own {
					out[pid] = p
				}
			}
		}
		return out
	}
	before := ports()
	for wait := time.Now().Add(time.Minute); len(before) != 3 && time.Now().Before(wait); before = ports() {
		time.Sleep(50 * time.Millisecond)
	}
	if len(before) != 3 {
		t.Fatalf("%d wallet servers listening, want 3", len(before))
	}
	for pid, p := range before {
		if p == im.Port || p < first || p > last {
			t.Errorf("wallet server pid %d on port %d: want in %d-%d and not the impostor's %d", pid, p, first, last, im.Port)
		}
	}

	// 2. A wallet server dies; an impostor takes its port before the
	// restart. Polling the bind right after SIGKILL wins the race against
	// a process start on all but a pathological scheduler.
	var victim, taken int
	for pid, p := range before {
		victim, taken = pid, p
		break
	}
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var ln2 net.Listener
	for deadline := time.Now().Add(10 * time.Second); ln2 == nil && time.Now().Before(deadline); {
		if ln2, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(taken)); err != nil {
			ln2 = nil
			time.Sleep(time.Millisecond) // polling for the dead server's port
		}
	}
	if ln2 == nil {
		t.Skipf("the restarted wallet server got port %d back before the impostor could bind it", taken)
	}
	im2 := daemontest.StartImpostor(t, ln2, nil)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		after := ports()
		if _, dead := after[victim]; !dead && len(after) == 3 {
			bad := false
			for pid, p := range after {
				if p == taken || p == im.Port || p < first || p > last {
					t.Errorf("after the restart: wallet server pid %d on port %d, want in %d-%d and not an impostor's (%d, %d)", pid, p, first, last, im.Port, taken)
					bad = true
				}
			}
			if bad {
				t.FailNow()
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("wallet servers after killing pid %d: %v", victim, after)
		}
		time.Sleep(100 * time.Millisecond) // polling the supervisor's restart
	}
	daemontest.WaitReady(t, d.url, 3*time.Minute)

	code, m := d.mustCall(http.MethodPost, "/api/escrow/init", `{"buyer_id":"ib","vendor_id":"iv","amount":1000}`)
	if code != http.StatusAccepted {
		t.Fatalf("init: %d %v", code, m)
	}
	if final := d.waitStatus(m["escrow_id"].(string), "ready", "failed"); final["status"] != "ready" {
		t.Fatalf("escrow with impostors on the range: %v", final)
	}

	for _, r := range []*daemontest.Impostor{im, im2} {
		for _, req := range r.Requests() {
			low := strings.ToLower(req)
			for _, bad := range []string{"password", "create_wallet", "open_wallet"} {
				if strings.Contains(low, bad) {
					t.Errorf("the impostor on %d got a request with %q:\n%s", r.Port, bad, req)
				}
			}
		}
	}
	t.Logf("impostor on the range's first port %d got %d requests; impostor on the dead server's port %d got %d; wallet servers in %d-%d elsewhere",
		im.Port, len(im.Requests()), taken, len(im2.Requests()), first, last)
}
