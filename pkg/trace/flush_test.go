package trace_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

// ForceFlush reaches the file exporter (the SDK's simple processor does not
// pass it on): an escrow still running is written as incomplete, and
// rewritten whole when it ends.
func TestForceFlushWritesRunningEscrow(t *testing.T) {
	dir := t.TempDir()
	p, err := trace.Setup(context.Background(), trace.Config{Enabled: true, File: true, FileDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })

	const id = "flush-me-1"
	obs := p.Observer()
	ctx := obs.StartEscrow(context.Background(), multisig.Escrow{ID: id, BuyerID: "b", VendorID: "v", Amount: 1}, multisig.ModeLeased)
	pctx := obs.StartPhase(ctx, multisig.PhaseCreateWallets)
	// One wallet RPC span, as the coordinator's client makes it.
	call := p.Middleware()(func(context.Context, *walletrpc.Call) error { return nil })
	step := multisig.Step{EscrowID: id, Role: escrow.Buyer, Round: 0, WalletID: id + "_buyer"}
	if err := call(multisig.WithStep(pctx, step), &walletrpc.Call{Method: "get_version", Endpoint: "127.0.0.1:18083"}); err != nil {
		t.Fatal(err)
	}
	obs.EndPhase(pctx, nil)

	name, err := escrow.FileName(id)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file before the flush: %v", err)
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if got := readOutcome(t, path); got != escrowtrace.OutcomeIncomplete {
		t.Fatalf("outcome after ForceFlush = %q, want %q", got, escrowtrace.OutcomeIncomplete)
	}

	obs.EndEscrow(ctx, multisig.Result{}, nil)
	if got := readOutcome(t, path); got != escrowtrace.OutcomeSuccess {
		t.Fatalf("outcome after the escrow ended = %q, want %q", got, escrowtrace.OutcomeSuccess)
	}
}

func readOutcome(t *testing.T, path string) string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := escrowtrace.Decode(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f.Outcome
}
