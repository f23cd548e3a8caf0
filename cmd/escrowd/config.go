package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/escrowd/escrowd/pkg/logs"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// Defaults of the configuration.
const (
	defaultListen          = "127.0.0.1:8080"
	defaultDataDir         = "data"
	defaultPoolSize        = 9 // three escrows at a time in leased mode
	defaultShutdownTimeout = time.Minute
	// The HTTP server's bounds: a whole request (headers and body, at most
	// 64 KiB) arrives well within the read timeout; a keep-alive connection
	// idle longer is closed. Neither bounds a ?wait= answer, which is written
	// as the escrow ends.
	defaultReadTimeout = 20 * time.Second
	defaultIdleTimeout = 30 * time.Second
	readHeaderTimeout  = 10 * time.Second
	maxHeaderBytes     = 32 << 10
	// minTokenBytes is the shortest API token accepted: 32 bytes, e.g. the
	// 64 hex characters of `openssl rand -hex 32`.
	minTokenBytes = 32
)

// config is escrowd's configuration: flags over ESCROWD_* variables over defaults.
type config struct {
	Listen           string
	DataDir          string
	TracesDir        string // "" = pkg/trace's default (or ESCROWD_TRACES_DIR)
	Instrument       string // "", "true" or "false": overrides ENABLE_INSTRUMENTATION when set
	Mode             multisig.Mode
	PoolSize         int
	WalletRPC        []walletpool.External
	WalletRPCBinary  string
	WalletRPCPorts   walletpool.PortRange // zero = any free loopback port
	WalletRPCLogins  string
	MaxInFlight      int // 0 = from the pool size
	Reserve          int // -1 = one fresh wallet per server in leased mode
	SharedBarrier    int
	ShutdownTimeout  time.Duration
	MasterSecretFile string // "" = <data>/master.key
	APIToken         string
	JaegerUI         string // "" = no Jaeger links on the pages
	TLSCert, TLSKey  string // both or neither: serve HTTPS
	BehindTLSProxy   bool   // a TLS-terminating proxy is in front: plain HTTP off loopback is allowed
	TrustedProxies   []*net.IPNet
	ReadTimeout      time.Duration
	IdleTimeout      time.Duration
	LogLevel         slog.Level
	LogFormat        string
	ShowVersion      bool

	// The chain (chainconfig.go).
	Network       string        // netRegtest (default), netStagenet or netMainnet
	DaemonAddress string        // host:port of the user's own monerod; "" = embedded (regtest) or none (offline)
	Offline       bool          // no daemon at all: setups only
	MonerodBinary string        // "" = chain.DefaultBinary
	PayoutMode    string        // payoutDefault or payoutNaive
	FundingPoll   time.Duration // 0 = the escrows service's default
	// FaultKillAfter is the test-only fault injection of
	// ESCROWD_FAULT_KILL_AFTER_STAGE: "" = off.
	FaultKillAfter multisig.PayoutStage

	// source names where each setting came from, e.g. "--pool-size=2" or
	// "ESCROWD_POOL_SIZE=2", so that an error says what to change.
	source map[string]string
	// poolSizeSet is true when the pool size was given rather than defaulted.
	poolSizeSet bool
}

// errHelp is returned by parseConfig when --help was asked for.
var errHelp = flag.ErrHelp

// setting is one flag with its environment variable.
type setting struct {
	flag, env, usage string
}

var settings = []setting{
	{"listen", "ESCROWD_LISTEN", "address to serve the API on (host:port); a non-loopback address requires ESCROWD_API_TOKEN and TLS (--tls-cert/--tls-key, or --behind-tls-proxy)"},
	{"tls-cert", "ESCROWD_TLS_CERT", "PEM certificate (chain) file: serve HTTPS; needs --tls-key. The session cookie of the pages is then Secure"},
	{"tls-key", "ESCROWD_TLS_KEY", "PEM private key file of --tls-cert"},
	{"behind-tls-proxy", "ESCROWD_BEHIND_TLS_PROXY", "true when a TLS-terminating reverse proxy is in front: allows plain HTTP on a non-loopback --listen and makes the session cookie Secure; true or false"},
	{"trusted-proxy", "ESCROWD_TRUSTED_PROXIES", "reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client (logs, client.address, login throttle); default none: the socket's peer is the client"},
	{"read-timeout", "ESCROWD_READ_TIMEOUT", "how long a client may take to send a whole request (headers and body); slower ones are cut off"},
	{"idle-timeout", "ESCROWD_IDLE_TIMEOUT", "how long an idle keep-alive connection stays open"},
	{"data-dir", "ESCROWD_DATA_DIR", "directory for the escrow database (escrowd.db), wallets/, logs/ and master.key; created 0700"},
	{"traces-dir", "ESCROWD_TRACES_DIR", "directory for the escrow_<id>.json trace files when instrumentation is on (default ./traces)"},
	{"instrument", "ENABLE_INSTRUMENTATION", "trace escrows (OpenTelemetry: trace files, and OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set); true or false"},
	{"mode", "ESCROWD_MODE", "how escrows use wallet servers: leased (one server per role per escrow, the default), shared (one server, no lock: reproduces the original race, never for real escrows) or global-lock (one server, one escrow at a time)"},
	{"pool-size", "ESCROWD_POOL_SIZE", "embedded monero-wallet-rpc servers to start in leased mode (at least 3, one per role; 3 per concurrent escrow); shared and global-lock modes use 1"},
	{"wallet-rpc", "ESCROWD_WALLET_RPC", "use this external wallet RPC server instead of starting our own, e.g. http://127.0.0.1:18083 (repeat the flag, or comma-separate in the variable); its login comes from ESCROWD_WALLET_RPC_LOGIN=user:pass, --wallet-rpc-login-file, or user:pass@ in the variable (never in the flag: every local user can read a command line); never logged"},
	{"wallet-rpc-login-file", "ESCROWD_WALLET_RPC_LOGIN_FILE", "file (mode 0600) with the external wallet servers' logins: a line user:pass for all, or host:port user:pass for one"},
	{"wallet-rpc-binary", "ESCROWD_WALLET_RPC_BINARY", "monero-wallet-rpc executable for the embedded servers (a path, or a name looked up in PATH)"},
	{"wallet-rpc-ports", "ESCROWD_WALLET_RPC_PORTS", "loopback port range FIRST-LAST (e.g. 18090-18099) the embedded servers take their ports from, for a firewall rule; at least one port per server; ports found taken, or answered by another program, are skipped (default: any free port)"},
	{"max-in-flight", "ESCROWD_MAX_IN_FLIGHT", "escrows pending or running at once before new ones get 503 (0 = 4 per 3 servers)"},
	{"reserve", "ESCROWD_RESERVE", "fresh wallets to keep created ahead of demand in leased mode (-1 = one per server, 0 = none)"},
	{"shared-barrier", "ESCROWD_SHARED_BARRIER", "shared mode only: line this many concurrent escrows up at each step so the race shows every time (a reproduction tool; 0 = off)"},
	{"shutdown-timeout", "ESCROWD_SHUTDOWN_TIMEOUT", "on SIGTERM/SIGINT, how long running escrows may take to finish before they are stopped and marked failed"},
	{"master-secret-file", "ESCROWD_MASTER_SECRET_FILE", "file holding the master secret wallet passwords are derived from (>= 32 bytes, mode 0600; default <data-dir>/master.key, created at first start)"},
	{"jaeger-ui", "ESCROWD_JAEGER_UI", "base URL of a Jaeger UI, e.g. http://127.0.0.1:16686: the /ui/ pages link each escrow to its trace there (\"\" = no links)"},
	{"network", "ESCROWD_NETWORK", "the Monero network: regtest (escrowd runs its own monerod --regtest under <data-dir>/chain, with a dev faucet for POST /api/escrow/:id/fund), stagenet or mainnet (both need your own daemon: --daemon-address); payee addresses must be of this network (regtest's are mainnet's)"},
	{"daemon-address", "ESCROWD_DAEMON_ADDRESS", "your own monerod's RPC, http://host:port (or host:port): no embedded daemon is started and escrowd checks at start that the daemon runs --network's chain; a faucet only on regtest"},
	{"offline", "ESCROWD_OFFLINE", "no daemon at all: the wallet servers run --offline and escrows can be set up but never funded or paid out; true or false"},
	{"monerod-binary", "ESCROWD_MONEROD_BINARY", "monerod executable for the embedded regtest daemon (a path, or a name looked up in PATH)"},
	{"payout-mode", "ESCROWD_PAYOUT_MODE", "default, or naive: DELIBERATELY BROKEN payouts (multisig info imported without refresh, an export reused, the payout's checks skipped; a payout's wallet servers have their background refresh off while it runs, so that it fails every time) to reproduce the stale-data bug of real marketplaces; never for real escrows; not with --wallet-rpc"},
	{"funding-poll", "ESCROWD_FUNDING_POLL", "how often the wallets of escrows waiting for funds are checked (default 5s)"},
	{"log-level", "ESCROWD_LOG_LEVEL", "debug, info, warn or error"},
	{"log-format", "ESCROWD_LOG_FORMAT", "text or json (one object per line; records of an escrow carry escrow_id, trace_id and span_id)"},
}

// parseConfig reads the environment, then the flags. Errors name the flag or
// variable to change.
// --help prints the usage to stdout; a bad flag is returned as an error for
// run to report with the others, without the whole usage around it.
func parseConfig(args []string, getenv func(string) string, stdout io.Writer) (config, error) {
	c := config{
		Listen:          defaultListen,
		DataDir:         defaultDataDir,
		Mode:            multisig.ModeLeased,
		PoolSize:        defaultPoolSize,
		Reserve:         -1,
		ShutdownTimeout: defaultShutdownTimeout,
		ReadTimeout:     defaultReadTimeout,
		IdleTimeout:     defaultIdleTimeout,
		LogLevel:        slog.LevelInfo,
		LogFormat:       logs.FormatText,
		Network:         netRegtest,
		PayoutMode:      payoutDefault,
		APIToken:        getenv("ESCROWD_API_TOKEN"),
		source:          map[string]string{},
	}
	fs := flag.NewFlagSet("escrowd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}

	var errs []error
	var flagErr error
	for _, s := range settings {
		v := &value{c: &c, name: s.flag, flagErr: &flagErr}
		if ev := getenv(s.env); ev != "" && s.env != "ENABLE_INSTRUMENTATION" { // pkg/trace reads that one itself
			if err := v.Set(ev); err != nil {
				errs = append(errs, fmt.Errorf("%s=%s: %w", s.env, redact(s.flag, ev), err))
			}
			c.source[s.flag] = s.env + "=" + redact(s.flag, ev)
		}
		v.fromFlag = true
		fs.Var(v, s.flag, s.usage)
	}
	fs.BoolVar(&c.ShowVersion, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, stdout)
		}
		if flagErr != nil {
			return c, flagErr
		}
		return c, err
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q: escrowd takes only flags (see --help)", fs.Arg(0)))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "version" {
			c.source[f.Name] = "--" + f.Name + "=" + redact(f.Name, f.Value.String())
		}
	})
	if err := c.readFault(getenv); err != nil {
		errs = append(errs, err)
	}
	if len(c.WalletRPC) > 0 {
		logins, err := walletpool.LoadLogins(getenv(walletpool.LoginEnv), c.WalletRPCLogins)
		if err != nil {
			errs = append(errs, err)
		}
		c.WalletRPC = logins.Apply(c.WalletRPC)
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, nil
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, `escrowd %s: 2-of-3 Monero multisig escrows over HTTP, each escrow an OpenTelemetry trace.

Usage: escrowd [flags]

With no flags: serve on %s, run a local Monero chain (monerod --regtest
under ./%s/chain, loopback only, with a dev faucet), start %d monero-wallet-rpc
servers on it (leased mode), keep data under ./%s, write traces to ./traces
when ENABLE_INSTRUMENTATION=1. A real network: --network stagenet|mainnet with
--daemon-address of your own monerod; setups only, no daemon: --offline.
Every flag can be set by its environment variable; the flag wins.

`, version, defaultListen, defaultDataDir, defaultPoolSize, defaultDataDir)
	for _, s := range settings {
		f := fs.Lookup(s.flag)
		def := ""
		if f.DefValue != "" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  --%s  [%s]%s\n      %s\n", s.flag, s.env, def, s.usage)
	}
	fmt.Fprintf(w, `  --version
      print the version and exit

Environment only:
  ESCROWD_WALLET_RPC_LOGIN   user:pass for the external wallet servers (--wallet-rpc) whose URL has none
  ESCROWD_API_TOKEN   bearer token required on /api/ and /ui/ (required when --listen is not loopback),
                      at least 32 bytes (e.g. openssl rand -hex 32); browsers give it once in the form at
                      /ui/login, which sets a session cookie; wrong tokens there are throttled per client.
                      Without it only loopback Host names are served (DNS rebinding guard), and every
                      POST must be Content-Type: application/json from no foreign Origin (CSRF guard)
  OpenTelemetry's own: OTEL_EXPORTER_OTLP_ENDPOINT and _PROTOCOL (grpc or http/protobuf),
      OTEL_TRACES_EXPORTER (otlp, console, none), OTEL_METRICS_EXPORTER (prometheus, otlp, console,
      none), OTEL_TRACES_SAMPLER(_ARG) (exported spans only: trace files are always written and a
      failed escrow is always exported), OTEL_PROPAGATORS, OTEL_RESOURCE_ATTRIBUTES,
      OTEL_SERVICE_NAME, OTEL_SDK_DISABLED
  ESCROWD_TRACE_FILES=0, ESCROWD_TRACE_OTLP_SECTION=1   trace file options

API: POST /api/escrow/init, GET /api/escrow/:id, GET /api/escrow/:id/trace,
     POST /api/escrow/:id/fund (regtest), /release, /refund, /resolve,
     GET /api/escrows?status=&limit=, GET /healthz, GET /readyz, GET /metrics (Prometheus)
Pages (open http://<listen>/ui/ in a browser): /ui/ recent escrows, /ui/escrow/:id one escrow's
     trace, /ui/diff?a=&b= two escrows compared; they need traces (ENABLE_INSTRUMENTATION=1)
`)
}

// value is a flag.Value writing into one config field. The first Set from a
// flag replaces what the environment gave (a repeated --wallet-rpc appends).
type value struct {
	c        *config
	name     string
	fromFlag bool
	flagSeen bool
	// flagErr receives a bad flag's error in our words: the flag package's
	// own message quotes the raw value, credentials included.
	flagErr *error
}

// IsBoolFlag lets --behind-tls-proxy stand alone (flag.Value's boolFlag).
func (v *value) IsBoolFlag() bool { return v.name == "behind-tls-proxy" || v.name == "offline" }

func (v *value) Set(s string) error {
	err := v.set(s)
	if err != nil && v.fromFlag && v.flagErr != nil {
		*v.flagErr = fmt.Errorf("--%s=%s: %w", v.name, redact(v.name, s), err)
	}
	return err
}

func (v *value) set(s string) error {
	c := v.c
	first := v.fromFlag && !v.flagSeen
	if v.fromFlag {
		v.flagSeen = true
	}
	switch v.name {
	case "listen":
		c.Listen = s
	case "data-dir":
		c.DataDir = s
	case "traces-dir":
		c.TracesDir = s
	case "instrument":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("want true or false")
		}
		c.Instrument = strconv.FormatBool(b)
	case "mode":
		m, err := multisig.ParseMode(s)
		if err != nil {
			return err
		}
		c.Mode = m
	case "pool-size":
		return setInt(&c.PoolSize, s, func() { c.poolSizeSet = true })
	case "wallet-rpc":
		if first {
			c.WalletRPC = nil
		}
		for _, u := range strings.Split(s, ",") {
			if u = strings.TrimSpace(u); u == "" {
				continue
			}
			src := walletpool.FromEnvironment
			if v.fromFlag {
				src = walletpool.FromCommandLine
			}
			ext, err := walletpool.ParseExternal(u, src)
			if err != nil {
				return err
			}
			c.WalletRPC = append(c.WalletRPC, ext)
		}
	case "wallet-rpc-binary":
		c.WalletRPCBinary = s
	case "wallet-rpc-ports":
		r, err := walletpool.ParsePortRange(s)
		if err != nil {
			return err
		}
		c.WalletRPCPorts = r
	case "wallet-rpc-login-file":
		c.WalletRPCLogins = s
	case "max-in-flight":
		return setInt(&c.MaxInFlight, s, nil)
	case "reserve":
		return setInt(&c.Reserve, s, nil)
	case "shared-barrier":
		return setInt(&c.SharedBarrier, s, nil)
	case "shutdown-timeout":
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("want a duration such as 60s or 2m")
		}
		c.ShutdownTimeout = d
	case "master-secret-file":
		c.MasterSecretFile = s
	case "jaeger-ui":
		c.JaegerUI = s
	case "tls-cert":
		c.TLSCert = s
	case "tls-key":
		c.TLSKey = s
	case "behind-tls-proxy":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("want true or false")
		}
		c.BehindTLSProxy = b
	case "trusted-proxy":
		if first {
			c.TrustedProxies = nil
		}
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			n, err := parseProxy(p)
			if err != nil {
				return err
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
	case "read-timeout":
		return setDuration(&c.ReadTimeout, s)
	case "idle-timeout":
		return setDuration(&c.IdleTimeout, s)
	case "network", "daemon-address", "offline", "monerod-binary", "payout-mode", "funding-poll":
		return v.setChain(s)
	case "log-level":
		var l slog.Level
		if err := l.UnmarshalText([]byte(s)); err != nil {
			return errors.New("want debug, info, warn or error")
		}
		c.LogLevel = l
	case "log-format":
		if s != logs.FormatText && s != logs.FormatJSON {
			return errors.New("want text or json")
		}
		c.LogFormat = s
	default:
		return fmt.Errorf("unknown setting %q", v.name)
	}
	return nil
}

func setInt(dst *int, s string, set func()) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number")
	}
	*dst = n
	if set != nil {
		set()
	}
	return nil
}

// String shows the current value (flag's default in --help); credentials never.
func (v *value) String() string {
	if v == nil || v.c == nil {
		return ""
	}
	c := v.c
	switch v.name {
	case "listen":
		return c.Listen
	case "data-dir":
		return c.DataDir
	case "traces-dir":
		return c.TracesDir
	case "instrument":
		return c.Instrument
	case "mode":
		return string(c.Mode)
	case "pool-size":
		return strconv.Itoa(c.PoolSize)
	case "wallet-rpc":
		urls := make([]string, len(c.WalletRPC))
		for i, e := range c.WalletRPC {
			urls[i] = e.URL
		}
		return strings.Join(urls, ",")
	case "wallet-rpc-binary":
		return c.WalletRPCBinary
	case "wallet-rpc-ports":
		return c.WalletRPCPorts.String()
	case "wallet-rpc-login-file":
		return c.WalletRPCLogins
	case "max-in-flight":
		return strconv.Itoa(c.MaxInFlight)
	case "reserve":
		return strconv.Itoa(c.Reserve)
	case "shared-barrier":
		return strconv.Itoa(c.SharedBarrier)
	case "shutdown-timeout":
		return c.ShutdownTimeout.String()
	case "master-secret-file":
		return c.MasterSecretFile
	case "jaeger-ui":
		return c.JaegerUI
	case "tls-cert":
		return c.TLSCert
	case "tls-key":
		return c.TLSKey
	case "behind-tls-proxy":
		return strconv.FormatBool(c.BehindTLSProxy)
	case "trusted-proxy":
		nets := make([]string, len(c.TrustedProxies))
		for i, n := range c.TrustedProxies {
			nets[i] = n.String()
		}
		return strings.Join(nets, ",")
	case "read-timeout":
		return c.ReadTimeout.String()
	case "idle-timeout":
		return c.IdleTimeout.String()
	case "network", "daemon-address", "offline", "monerod-binary", "payout-mode", "funding-poll":
		return v.chainString()
	case "log-level":
		return c.LogLevel.String()
	case "log-format":
		return c.LogFormat
	}
	return ""
}

func setDuration(dst *time.Duration, s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 20s or 1m")
	}
	*dst = d
	return nil
}

// parseProxy reads a trusted proxy: a CIDR, or one address (a /32 or /128).
func parseProxy(s string) (*net.IPNet, error) {
	if _, n, err := net.ParseCIDR(s); err == nil {
		return n, nil
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, fmt.Errorf("%q: want an IP address or a CIDR such as 10.0.0.0/8", s)
	}
	bits := 128
	if ip4 := ip.To4(); ip4 != nil {
		ip, bits = ip4, 32
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
}

func redact(name, v string) string {
	if name != "wallet-rpc" && name != "jaeger-ui" && name != "daemon-address" {
		return v
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = redactURL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// redactURL drops userinfo from a URL-ish string, even an unparseable one.
func redactURL(s string) string {
	prefix, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return prefix + "***@" + rest[at+1:]
	}
	return s
}

// where names the source of a setting for an error message.
func (c config) where(name, fallback string) string {
	if s, ok := c.source[name]; ok {
		return s
	}
	return fallback
}

// servers is how many wallet servers escrowd will use.
func (c config) servers() int {
	if len(c.WalletRPC) > 0 {
		return len(c.WalletRPC)
	}
	if c.Mode != multisig.ModeLeased {
		return 1
	}
	return c.PoolSize
}

// embeddedServers is how many wallet servers escrowd starts itself: the
// escrows' and, on regtest, the faucet's.
func (c config) embeddedServers() int {
	if len(c.WalletRPC) > 0 {
		return 0
	}
	if c.hasFaucet() {
		return c.servers() + 1
	}
	return c.servers()
}

// maxInFlight is the admission limit: four escrows per three servers, so a
// few queue behind the ones that run without the queue growing unbounded.
func (c config) maxInFlight() int {
	if c.MaxInFlight > 0 {
		return c.MaxInFlight
	}
	return max(c.servers()/escrow.Participants, 1) * 4
}

// validate checks everything that can be checked before anything starts,
// and says what to change.
func (c config) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		add("%s: want host:port, e.g. 127.0.0.1:8080", c.where("listen", "--listen="+c.Listen))
	} else {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			add("%s: port %q is not a number from 0 to 65535", c.where("listen", "--listen"), port)
		}
		if !loopback(host) && c.APIToken == "" {
			add("%s is not a loopback address: set ESCROWD_API_TOKEN so that the API requires a bearer token, or listen on 127.0.0.1", c.where("listen", "--listen="+c.Listen))
		}
		if !loopback(host) && c.TLSCert == "" && !c.BehindTLSProxy {
			add("%s is not a loopback address: the token and the session cookie would cross the network in clear; serve HTTPS with --tls-cert and --tls-key, or say that a TLS-terminating proxy is in front with --behind-tls-proxy", c.where("listen", "--listen="+c.Listen))
		}
	}
	if c.APIToken != "" && len(c.APIToken) < minTokenBytes {
		add("ESCROWD_API_TOKEN is %d bytes long: at least %d are needed so that it cannot be guessed (e.g. openssl rand -hex 32)", len(c.APIToken), minTokenBytes)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		add("%s, %s: give both the certificate and its key, or neither", c.where("tls-cert", "--tls-cert (unset)"), c.where("tls-key", "--tls-key (unset)"))
	}
	if c.TLSCert != "" && c.BehindTLSProxy {
		add("%s with %s: escrowd serves TLS itself or sits behind a TLS proxy, not both", c.where("tls-cert", "--tls-cert"), c.where("behind-tls-proxy", "--behind-tls-proxy"))
	}
	if n := c.embeddedServers(); !c.WalletRPCPorts.IsZero() && len(c.WalletRPC) == 0 && c.WalletRPCPorts.Size() < n {
		faucet := ""
		if c.hasFaucet() {
			faucet = " (one is the regtest faucet's)"
		}
		add("%s: %d ports for %d embedded wallet servers%s; give at least %d ports", c.where("wallet-rpc-ports", "--wallet-rpc-ports"), c.WalletRPCPorts.Size(), n, faucet, n)
	}
	if c.ReadTimeout <= 0 {
		add("%s: must be positive, e.g. 20s", c.where("read-timeout", "--read-timeout"))
	}
	if c.IdleTimeout <= 0 {
		add("%s: must be positive, e.g. 30s", c.where("idle-timeout", "--idle-timeout"))
	}
	if c.DataDir == "" {
		add("%s: the data directory must not be empty", c.where("data-dir", "--data-dir"))
	}
	switch {
	case len(c.WalletRPC) > 0:
		if c.Mode == multisig.ModeLeased && len(c.WalletRPC) < escrow.Participants {
			add("%s: leased mode needs at least %d wallet servers (one per role), %d given", c.where("wallet-rpc", "--wallet-rpc"), escrow.Participants, len(c.WalletRPC))
		}
		if c.Mode != multisig.ModeLeased && len(c.WalletRPC) != 1 {
			add("%s: %s mode uses exactly one wallet server, %d given", c.where("wallet-rpc", "--wallet-rpc"), c.Mode, len(c.WalletRPC))
		}
		if c.poolSizeSet {
			add("%s: the pool size is for embedded servers; with --wallet-rpc the servers are the ones given, so drop it", c.where("pool-size", "--pool-size"))
		}
	case c.Mode == multisig.ModeLeased:
		if c.PoolSize < escrow.Participants {
			add("%s: the pool needs at least %d servers (one per role)", c.where("pool-size", "--pool-size"), escrow.Participants)
		} else if c.PoolSize > walletpool.MaxCount {
			add("%s: at most %d servers", c.where("pool-size", "--pool-size"), walletpool.MaxCount)
		}
	default:
		if c.poolSizeSet && c.PoolSize != 1 {
			add("%s: %s mode uses one wallet server; set the pool size to 1 or drop it", c.where("pool-size", "--pool-size"), c.Mode)
		}
	}
	if c.MaxInFlight < 0 {
		add("%s: must be 0 (automatic) or more", c.where("max-in-flight", "--max-in-flight"))
	}
	if c.Reserve < -1 {
		add("%s: must be -1 (one per server), 0 (none) or more", c.where("reserve", "--reserve"))
	}
	if c.SharedBarrier < 0 {
		add("%s: must be 0 (off) or more", c.where("shared-barrier", "--shared-barrier"))
	} else if c.SharedBarrier > 0 && c.Mode != multisig.ModeShared {
		add("%s: the barrier only exists in shared mode (--mode shared)", c.where("shared-barrier", "--shared-barrier"))
	}
	if c.ShutdownTimeout <= 0 {
		add("%s: must be positive, e.g. 60s", c.where("shutdown-timeout", "--shutdown-timeout"))
	}
	if c.JaegerUI != "" {
		if err := checkJaegerUI(c.JaegerUI); err != nil {
			add("%s: %v", c.where("jaeger-ui", "--jaeger-ui"), err)
		}
	}
	errs = append(errs, c.validateChain()...)
	return errors.Join(errs...)
}

// checkJaegerUI wants an http(s) URL with a host: the pages put it in
// every link, so no credentials either (any reader of a page would see them).
func checkJaegerUI(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want the Jaeger UI's base URL, http(s)://host[:port][/path], e.g. http://127.0.0.1:16686")
	}
	if u.User != nil {
		return errors.New("the pages show this URL in their links: no user:password@ in it")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want a base URL without ?query or #fragment: /trace/<id> is appended to it")
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// paths under the data directory.
func (c config) walletDir() string { return filepath.Join(c.DataDir, "wallets") }
func (c config) logDir() string    { return filepath.Join(c.DataDir, "logs") }
func (c config) dbPath() string    { return filepath.Join(c.DataDir, "escrowd.db") }
func (c config) secretPath() string {
	if c.MasterSecretFile != "" {
		return c.MasterSecretFile
	}
	return filepath.Join(c.DataDir, "master.key")
}
