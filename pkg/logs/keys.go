package logs

// The attribute keys escrowd logs under, one per concept.
const (
	KeyErr      = "err"       // an error (never "error")
	KeyEscrowID = "escrow_id" // an escrow's ID (never "escrow" or "id")
	KeyTraceID  = "trace_id"  // 32 lowercase hex characters
	KeySpanID   = "span_id"   // 16 lowercase hex characters
	KeyServer   = "server"    // a wallet RPC server's ID
	KeyRole     = "role"      // buyer, vendor, arbiter
)
