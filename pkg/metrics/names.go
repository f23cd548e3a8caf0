package metrics

// The metrics, by their OpenTelemetry names. Prometheus sees dots as
// underscores, the unit as a suffix and counters with _total, e.g.
// escrowd_escrows_total and escrowd_escrow_setup_duration_seconds.
const (
	MetricEscrows        = "escrowd.escrows"
	MetricSetupDuration  = "escrowd.escrow.setup.duration"
	MetricPayoutDuration = "escrowd.escrow.payout.duration"
	MetricLeaseWait      = "escrowd.lease.wait.duration"
	MetricPoolServers    = "escrowd.pool.servers"
	MetricPoolWaiting    = "escrowd.pool.waiting"
	MetricReserve        = "escrowd.reserve.wallets"
	// MetricEscrowsCurrent is how many escrows are in each status now
	// (escrow.status), read from the store at each collection.
	MetricEscrowsCurrent = "escrowd.escrows.current"
	// MetricPayoutInFlightAge is how long the oldest payout still paying_out
	// has run (0 when none): a payout whose transaction was signed is
	// resumed until the daemon has it, never given up, so this is the gauge
	// to alert on (e.g. above 15 minutes: the daemon or the wallet servers
	// need an operator).
	MetricPayoutInFlightAge = "escrowd.payout.in_flight.age"
	// MetricRPCDuration is the RPC conventions' client call duration
	// (semconv v1.43 rpcconv), one series per wallet RPC method.
	MetricRPCDuration = "rpc.client.call.duration"
)

// Attribute keys of escrowd's own metrics, under its own namespace; the
// RPC metric uses the conventions' keys (rpc.method, error.type, ...).
const (
	AttrPhase     = "escrow.phase"      // setup, fund, release, refund, resolve
	AttrMode      = "escrow.mode"       // leased, shared, global-lock
	AttrOutcome   = "escrow.outcome"    // success, failed
	AttrErrorKind = "escrow.error.kind" // an escrow.Kind; "" on success
	AttrStatus    = "escrow.status"     // pending, running, ready, funded, paying_out, released, refunded, resolved, failed
	AttrState     = "escrowd.pool.server.state"
	AttrResult    = "escrowd.reserve.result"
)

// Pool server states and reserve results (the values of AttrState, AttrResult).
const (
	StateBusy       = "busy"
	StateIdle       = "idle"
	StateRestarting = "restarting"
	ResultHit       = "hit"
	ResultMiss      = "miss"
)
