package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestConfigErrors: each bad configuration is refused by run before anything
// starts (exit code 2), with a message naming what to change.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"pool too small (env)", nil, map[string]string{"ESCROWD_POOL_SIZE": "2"},
			[]string{"ESCROWD_POOL_SIZE=2: the pool needs at least 3 servers (one per role)"}},
		{"pool too small (flag wins over env)", []string{"--pool-size", "1"}, map[string]string{"ESCROWD_POOL_SIZE": "9"},
			[]string{"--pool-size=1: the pool needs at least 3 servers (one per role)"}},
		{"pool not a number", nil, map[string]string{"ESCROWD_POOL_SIZE": "nine"},
			[]string{"ESCROWD_POOL_SIZE=nine: want a whole number"}},
		{"unknown mode", []string{"--mode", "fast"}, nil, []string{`--mode=fast: unknown mode "fast": use leased, shared or global-lock`}},
		{"bad external URL flag", []string{"--wallet-rpc", "u:pw@127.0.0.1:1"}, nil,
			[]string{"--wallet-rpc=***@127.0.0.1:1", "want an http(s)://host:port URL"}},
		{"credentials in the external URL flag", []string{"--wallet-rpc", "http://u:pw@127.0.0.1:1"}, nil,
			[]string{"--wallet-rpc=http://***@127.0.0.1:1: credentials in a command-line URL are visible to every local user: drop user:pass@ and put user:pass in ESCROWD_WALLET_RPC_LOGIN"}},
		{"unknown flag", []string{"--pool", "3"}, nil, []string{"flag provided but not defined: -pool"}},
		{"unknown log format", []string{"--log-format", "xml"}, nil, []string{"--log-format=xml: want text or json"}},
		{"unknown log format (env)", nil, map[string]string{"ESCROWD_LOG_FORMAT": "logfmt"}, []string{"ESCROWD_LOG_FORMAT=logfmt: want text or json"}},
		{"public listen without token", []string{"--listen", "0.0.0.0:8080"}, nil,
			[]string{"--listen=0.0.0.0:8080 is not a loopback address: set ESCROWD_API_TOKEN"}},
		{"all interfaces without token", nil, map[string]string{"ESCROWD_LISTEN": ":8080"},
			[]string{"ESCROWD_LISTEN=:8080 is not a loopback address"}},
		{"bad listen", []string{"--listen", "localhost"}, nil, []string{"--listen=localhost: want host:port"}},
		{"shared with a pool", []string{"--mode", "shared", "--pool-size", "3"}, nil,
			[]string{"--pool-size=3: shared mode uses one wallet server"}},
		{"barrier outside shared", []string{"--shared-barrier", "3"}, nil,
			[]string{"--shared-barrier=3: the barrier only exists in shared mode"}},
		{"too few external servers", []string{"--wallet-rpc", "http://127.0.0.1:1"}, nil,
			[]string{"--wallet-rpc=http://127.0.0.1:1: leased mode needs at least 3 wallet servers"}},
		{"external URL without scheme", nil, map[string]string{"ESCROWD_WALLET_RPC": "u:pw@127.0.0.1:1"},
			[]string{"ESCROWD_WALLET_RPC=", "want an http(s)://host:port URL"}},
		{"bad shutdown timeout", []string{"--shutdown-timeout", "0s"}, nil, []string{"--shutdown-timeout=0s: must be positive"}},
		{"stray argument", []string{"serve"}, nil, []string{`unexpected argument "serve"`}},
		{"Jaeger UI not a URL", []string{"--jaeger-ui", "127.0.0.1:16686"}, nil,
			[]string{"--jaeger-ui=127.0.0.1:16686: want the Jaeger UI's base URL, http(s)://host[:port][/path]"}},
		{"Jaeger UI not http", nil, map[string]string{"ESCROWD_JAEGER_UI": "javascript:alert(1)"},
			[]string{"ESCROWD_JAEGER_UI=javascript:alert(1): want the Jaeger UI's base URL"}},
		{"Jaeger UI without host", []string{"--jaeger-ui", "http:///trace"}, nil,
			[]string{"--jaeger-ui=http:///trace: want the Jaeger UI's base URL"}},
		{"Jaeger UI with credentials", []string{"--jaeger-ui", "http://u:pw@127.0.0.1:16686"}, nil,
			[]string{"--jaeger-ui=http://***@127.0.0.1:16686: the pages show this URL in their links: no user:password@ in it"}},
		{"Jaeger UI with a query", []string{"--jaeger-ui", "http://127.0.0.1:16686/?x=1"}, nil,
			[]string{"--jaeger-ui=http://127.0.0.1:16686/?x=1: want a base URL without ?query"}},
		{"short token", nil, map[string]string{"ESCROWD_API_TOKEN": "s3cret"},
			[]string{"ESCROWD_API_TOKEN is 6 bytes long: at least 32 are needed"}},
		{"public listen without TLS", []string{"--listen", "0.0.0.0:8080"}, map[string]string{"ESCROWD_API_TOKEN": token32},
			[]string{"--listen=0.0.0.0:8080 is not a loopback address: the token and the session cookie would cross the network in clear", "--tls-cert and --tls-key", "--behind-tls-proxy"}},
		{"certificate without key", []string{"--tls-cert", "c.pem"}, nil,
			[]string{"--tls-cert=c.pem, --tls-key (unset): give both the certificate and its key"}},
		{"TLS and a TLS proxy", []string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--behind-tls-proxy"}, nil,
			[]string{"not both"}},
		{"proxy flag not a bool", nil, map[string]string{"ESCROWD_BEHIND_TLS_PROXY": "yes please"},
			[]string{"ESCROWD_BEHIND_TLS_PROXY=yes please: want true or false"}},
		{"trusted proxy not an address", []string{"--trusted-proxy", "10.0.0.0/8,proxy.local"}, nil,
			[]string{`--trusted-proxy=10.0.0.0/8,proxy.local: "proxy.local": want an IP address or a CIDR`}},
		{"zero read timeout", []string{"--read-timeout", "0s"}, nil, []string{"--read-timeout=0s: must be positive"}},
		{"idle timeout not a duration", nil, map[string]string{"ESCROWD_IDLE_TIMEOUT": "30"},
			[]string{"ESCROWD_IDLE_TIMEOUT=30: want a duration"}},
		{"wallet port range not a range", []string{"--wallet-rpc-ports", "18090"}, nil,
			[]string{`--wallet-rpc-ports=18090: port range "18090": want FIRST-LAST`}},
		{"wallet port range reversed (env)", nil, map[string]string{"ESCROWD_WALLET_RPC_PORTS": "18099-18090"},
			[]string{"ESCROWD_WALLET_RPC_PORTS=18099-18090: port range 18099-18090: want 1 <= FIRST <= LAST <= 65535"}},
		{"wallet port range smaller than the pool", []string{"--offline", "--pool-size", "6", "--wallet-rpc-ports", "18090-18094"}, nil,
			[]string{"--wallet-rpc-ports=18090-18094: 5 ports for 6 embedded wallet servers; give at least 6 ports"}},
		{"wallet port range without the faucet's port", []string{"--pool-size", "6", "--wallet-rpc-ports", "18090-18095"}, nil,
			[]string{"--wallet-rpc-ports=18090-18095: 6 ports for 7 embedded wallet servers (one is the regtest faucet's); give at least 7 ports"}},
		{"unknown network", []string{"--network", "testnet"}, nil,
			[]string{`--network=testnet: unknown network "testnet": want regtest, stagenet or mainnet`}},
		{"unknown network (env)", nil, map[string]string{"ESCROWD_NETWORK": "main"},
			[]string{`ESCROWD_NETWORK=main: unknown network "main"`}},
		{"mainnet without a daemon", []string{"--network", "mainnet"}, nil,
			[]string{"--network=mainnet needs your own mainnet daemon: escrowd embeds a regtest monerod only; give its RPC with --daemon-address http://127.0.0.1:18081"}},
		{"stagenet without a daemon (env)", nil, map[string]string{"ESCROWD_NETWORK": "stagenet"},
			[]string{"ESCROWD_NETWORK=stagenet needs your own stagenet daemon", "--daemon-address http://127.0.0.1:38081"}},
		{"offline with a daemon", []string{"--offline", "--daemon-address", "http://127.0.0.1:18081"}, nil,
			[]string{"--offline=true with --daemon-address=127.0.0.1:18081: --offline runs without any daemon; drop --offline to use the daemon, or drop --daemon-address"}},
		{"daemon address not a URL", []string{"--daemon-address", "monerod"}, nil,
			[]string{"--daemon-address=monerod: want http://host:port (or host:port)"}},
		{"daemon address over https", []string{"--daemon-address", "https://node.example:18089"}, nil,
			[]string{"--daemon-address=https://node.example:18089: escrowd talks to monerod over plain HTTP only"}},
		{"daemon address with a login", nil, map[string]string{"ESCROWD_DAEMON_ADDRESS": "http://u:pw@127.0.0.1:18081"},
			[]string{"a daemon with an RPC login is not supported"}},
		{"daemon address with a path", []string{"--daemon-address", "http://127.0.0.1:18081/json_rpc"}, nil,
			[]string{"without a path"}},
		{"daemon address bad port", []string{"--daemon-address", "127.0.0.1:0"}, nil,
			[]string{`--daemon-address=127.0.0.1:0: port "0": want 1 to 65535`}},
		{"offline not a bool (env)", nil, map[string]string{"ESCROWD_OFFLINE": "sometimes"},
			[]string{"ESCROWD_OFFLINE=sometimes: want true or false"}},
		{"unknown payout mode", []string{"--payout-mode", "fast"}, nil,
			[]string{`--payout-mode=fast: unknown payout mode "fast": want default`}},
		{"naive payouts offline", []string{"--payout-mode", "naive", "--offline"}, nil,
			[]string{"--payout-mode=naive with --offline: there are no payouts without a daemon"}},
		{"naive payouts on external wallet servers", []string{"--payout-mode", "naive", "--daemon-address", "127.0.0.1:18081",
			"--wallet-rpc", "http://127.0.0.1:1", "--wallet-rpc", "http://127.0.0.1:2", "--wallet-rpc", "http://127.0.0.1:3"}, nil,
			[]string{"the naive mode runs on escrowd's own wallet servers (it turns a payout's servers' background refresh off while it pays"}},
		{"funding poll zero", []string{"--funding-poll", "0s"}, nil, []string{"--funding-poll=0s: must be positive"}},
		{"funding poll not a duration", nil, map[string]string{"ESCROWD_FUNDING_POLL": "5"},
			[]string{"ESCROWD_FUNDING_POLL=5: want a duration"}},
		{"external wallet servers on the embedded daemon", []string{"--wallet-rpc", "http://127.0.0.1:1", "--wallet-rpc", "http://127.0.0.1:2", "--wallet-rpc", "http://127.0.0.1:3"}, nil,
			[]string{"external wallet servers use a daemon of their own, not an embedded one: give it with --daemon-address, or run setups only with --offline"}},
		{"unknown fault stage", nil, map[string]string{"ESCROWD_FAULT_KILL_AFTER_STAGE": "sign"},
			[]string{"ESCROWD_FAULT_KILL_AFTER_STAGE=sign: want unsigned, signed or submitted"}},
		{"fault injection offline", []string{"--offline"}, map[string]string{"ESCROWD_FAULT_KILL_AFTER_STAGE": "signed"},
			[]string{"ESCROWD_FAULT_KILL_AFTER_STAGE=signed with --offline: there are no payouts without a daemon"}},
		{"several at once", []string{"--pool-size", "2", "--listen", "0.0.0.0:1"}, nil,
			[]string{"--pool-size=2", "--listen=0.0.0.0:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			dir := t.TempDir()
			args := append([]string{"--data-dir", filepath.Join(dir, "data")}, tt.args...)
			if code := run(args, envOf(tt.env), &stdout, &stderr); code != exitConfig {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitConfig, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr.String())
				}
			}
			if strings.Contains(stderr.String(), "pw@") {
				t.Errorf("credentials in the error:\n%s", stderr.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
				t.Errorf("the data directory was created for a refused configuration")
			}
		})
	}
}

func TestConfigSources(t *testing.T) {
	env := map[string]string{
		"ESCROWD_LISTEN":     "127.0.0.1:9999",
		"ESCROWD_WALLET_RPC": "http://a:b@127.0.0.1:1, http://127.0.0.1:2,http://c:d@127.0.0.1:3",
		"ESCROWD_MODE":       "global-lock",
	}
	c, err := parseConfig([]string{"--mode", "leased", "--log-level", "debug", "--offline"}, envOf(env), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9999" || c.Mode != "leased" || c.LogLevel.String() != "DEBUG" {
		t.Fatalf("config %+v", c)
	}
	if len(c.WalletRPC) != 3 || c.WalletRPC[0].URL != "http://127.0.0.1:1" || c.WalletRPC[0].Username != "a" ||
		c.WalletRPC[0].Password != "b" || c.WalletRPC[1].Username != "" || c.WalletRPC[2].Password != "d" {
		t.Fatalf("wallet rpc %+v", c.WalletRPC)
	}
	if c.JaegerUI != "" {
		t.Fatalf("Jaeger UI %q without a setting", c.JaegerUI)
	}
	if c.servers() != 3 || c.maxInFlight() != 4 {
		t.Fatalf("servers %d, max in flight %d", c.servers(), c.maxInFlight())
	}
	// A repeated flag replaces the variable's list, and appends to itself.
	c, err = parseConfig([]string{"--wallet-rpc", "http://127.0.0.1:7", "--wallet-rpc", "http://127.0.0.1:8"}, envOf(env), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.WalletRPC) != 2 || c.WalletRPC[1].URL != "http://127.0.0.1:8" {
		t.Fatalf("wallet rpc %+v", c.WalletRPC)
	}
}

// token32 is a token of the shortest accepted length.
const token32 = "0123456789abcdef0123456789abcdef"

// TestNetworkSettings: the settings of a listener off loopback, each as it
// is accepted.
func TestNetworkSettings(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(c config) bool
	}{
		{"TLS off loopback", []string{"--listen", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, map[string]string{"ESCROWD_API_TOKEN": token32},
			func(c config) bool { return c.TLSCert == "c.pem" && c.TLSKey == "k.pem" && !c.BehindTLSProxy }},
		{"behind a TLS proxy", []string{"--listen", "10.0.0.5:8080", "--behind-tls-proxy"}, map[string]string{"ESCROWD_API_TOKEN": token32},
			func(c config) bool { return c.BehindTLSProxy }},
		{"proxy from the environment", []string{"--listen", "10.0.0.5:8080"}, map[string]string{"ESCROWD_API_TOKEN": token32, "ESCROWD_BEHIND_TLS_PROXY": "true"},
			func(c config) bool { return c.BehindTLSProxy }},
		{"trusted proxies", []string{"--trusted-proxy", "10.0.0.0/8, 192.0.2.7", "--trusted-proxy", "::1"}, nil,
			func(c config) bool {
				return len(c.TrustedProxies) == 3 && c.TrustedProxies[0].String() == "10.0.0.0/8" &&
					c.TrustedProxies[1].String() == "192.0.2.7/32" && c.TrustedProxies[2].String() == "::1/128"
			}},
		{"timeouts", []string{"--read-timeout", "5s"}, map[string]string{"ESCROWD_IDLE_TIMEOUT": "1m"},
			func(c config) bool { return c.ReadTimeout == 5*time.Second && c.IdleTimeout == time.Minute }},
		{"wallet port range", []string{"--pool-size", "3", "--wallet-rpc-ports", "18090-18092", "--offline"}, nil,
			func(c config) bool { return c.WalletRPCPorts == walletpool.PortRange{First: 18090, Last: 18092} }},
		{"wallet port range with the faucet's", []string{"--pool-size", "3", "--wallet-rpc-ports", "18090-18093"}, nil,
			func(c config) bool { return c.embeddedServers() == 4 && c.hasFaucet() }},
		{"long token on loopback", nil, map[string]string{"ESCROWD_API_TOKEN": token32 + "x"},
			func(c config) bool { return c.APIToken == token32+"x" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, envOf(tt.env), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.validate(); err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("config %+v", c)
			}
		})
	}
}

// TestHTTPServerBounds: the server that serves the API has every bound set.
func TestHTTPServerBounds(t *testing.T) {
	c, err := parseConfig(nil, envOf(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(c, http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != defaultReadTimeout || srv.IdleTimeout != defaultIdleTimeout ||
		srv.MaxHeaderBytes != maxHeaderBytes || srv.TLSConfig != nil {
		t.Errorf("server %+v", srv)
	}
	c.ReadTimeout = 2 * time.Second
	if srv := newHTTPServer(c, http.NotFoundHandler(), slog.New(slog.DiscardHandler)); srv.ReadHeaderTimeout != 2*time.Second {
		t.Errorf("header timeout %v above the read timeout", srv.ReadHeaderTimeout)
	}
}

// TestTracesDirChecked: a traces directory that others can write to, or
// that is not ours, is refused with what to do.
func TestTracesDirChecked(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		mode os.FileMode
		want string
	}{
		{0o700, ""}, {0o750, ""}, {0o755, ""},
		{0o770, "mode 0770: it must not be writable by group or others (chmod go-w"},
		{0o777, "mode 0777"},
		{0o1777, "mode 0777"},
	} {
		if err := os.Chmod(dir, tt.mode); err != nil {
			t.Fatal(err)
		}
		err := checkTracesDir(dir)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("mode %o: %v, want %q", tt.mode, err, tt.want)
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Owned by another user: as root, a directory given to nobody (65534);
	// as another user, root's /.
	other, owner := "/", "belongs to user 0"
	if os.Geteuid() == 0 {
		other, owner = filepath.Join(t.TempDir(), "nobodys"), "belongs to user 65534"
		if err := os.Mkdir(other, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	if err := checkTracesDir(other); err == nil || !strings.Contains(err.Error(), owner) {
		t.Errorf("%s: %v, want %q", other, err, owner)
	}
}

func TestJaegerUI(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unset", nil, nil, ""},
		{"variable", nil, map[string]string{"ESCROWD_JAEGER_UI": "http://127.0.0.1:16686"}, "http://127.0.0.1:16686"},
		{"flag over variable", []string{"--jaeger-ui", "https://jaeger.example/base/"}, map[string]string{"ESCROWD_JAEGER_UI": "http://127.0.0.1:16686"}, "https://jaeger.example/base/"},
		{"flag empties variable", []string{"--jaeger-ui="}, map[string]string{"ESCROWD_JAEGER_UI": "http://127.0.0.1:16686"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, envOf(tt.env), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.validate(); err != nil {
				t.Fatal(err)
			}
			if c.JaegerUI != tt.want {
				t.Errorf("Jaeger UI %q, want %q", c.JaegerUI, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := parseConfig(nil, envOf(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DataDir != "data" || c.Mode != "leased" || c.servers() != 9 ||
		c.maxInFlight() != 12 || c.dbPath() != filepath.Join("data", "escrowd.db") ||
		c.walletDir() != filepath.Join("data", "wallets") || c.secretPath() != filepath.Join("data", "master.key") {
		t.Fatalf("defaults %+v", c)
	}
	tc, err := traceConfig(c, envOf(nil))
	if err != nil || tc.Enabled {
		t.Fatalf("instrumentation on by default: %+v %v", tc, err)
	}
	tc, err = traceConfig(c, envOf(map[string]string{"ENABLE_INSTRUMENTATION": "1"}))
	if err != nil || !tc.Enabled {
		t.Fatalf("ENABLE_INSTRUMENTATION=1 ignored: %+v %v", tc, err)
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--help"}, envOf(nil), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, s := range settings {
		if !strings.Contains(stdout.String(), "--"+s.flag) || !strings.Contains(stdout.String(), s.env) {
			t.Errorf("--help does not explain --%s / %s", s.flag, s.env)
		}
	}
	for _, w := range []string{"ESCROWD_API_TOKEN", "/ui/login", "/ui/escrow/:id", "/ui/diff"} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("--help does not mention %s", w)
		}
	}
}
