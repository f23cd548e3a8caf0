package walletpool

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
)

// markerVar is the environment variable that marks a wallet server as one
// of ours: "<token>:<pid>", the wallet directory's token and the PID of the
// escrowd that started it. A later run finds the servers a crashed run left
// behind by it and by their --wallet-dir, never by process name (an
// operator's own monero-wallet-rpc is none of our business).
const markerVar = "ESCROWD_WALLETPOOL"

// passedEnv are the variables a server gets from escrowd's environment, if
// set: what a program needs to run (HOME: monero keeps its shared ring
// database under it). Nothing else: escrowd's environment holds secrets
// (ESCROWD_API_TOKEN, OTEL_EXPORTER_OTLP_HEADERS, wallet RPC logins) that
// /proc/<pid>/environ would show for the server's whole life.
var passedEnv = []string{"HOME", "LANG", "LC_ALL", "TMPDIR", "TZ"}

// defaultPath is PATH when escrowd has none.
const defaultPath = "/usr/local/bin:/usr/bin:/bin"

// dirToken names a wallet directory in markers: the same directory gives
// the same token in every run.
func dirToken(walletDir string) string {
	sum := sha256.Sum256([]byte("escrowd walletpool\x00" + walletDir))
	return hex.EncodeToString(sum[:16])
}

// childEnv is the whole environment of a server that escrowd (pid) starts
// on walletDir.
func childEnv(walletDir string, pid int) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = defaultPath
	}
	env := []string{"PATH=" + path}
	for _, k := range passedEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, markerVar+"="+dirToken(walletDir)+":"+strconv.Itoa(pid))
}

// markerOf returns the PID of the escrowd that started a server with
// environment env on walletDir, and whether env holds that marker at all.
func markerOf(env []string, walletDir string) (owner int, ok bool) {
	for _, kv := range env {
		v, found := strings.CutPrefix(kv, markerVar+"=")
		if !found {
			continue
		}
		token, pid, found := strings.Cut(v, ":")
		if !found || token != dirToken(walletDir) {
			return 0, false
		}
		n, err := strconv.Atoi(pid)
		if err != nil || n <= 0 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// servesDir reports whether args (a process's argv) run a server on
// walletDir: "--wallet-dir <dir>" or "--wallet-dir=<dir>".
func servesDir(args []string, walletDir string) bool {
	for i, a := range args {
		if a == "--wallet-dir" && i+1 < len(args) && args[i+1] == walletDir {
			return true
		}
		if a == "--wallet-dir="+walletDir {
			return true
		}
	}
	return false
}
