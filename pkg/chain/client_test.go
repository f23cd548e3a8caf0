package chain_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

func TestNewClientRefusesBadAddress(t *testing.T) {
	for _, addr := range []string{"", "http://127.0.0.1:1", "127.0.0.1", "a b:1"} {
		if _, err := chain.NewClient(addr); err == nil {
			t.Errorf("NewClient(%q) accepted", addr)
		}
	}
}

func TestTransactionsRefusesBadHash(t *testing.T) {
	c, err := chain.NewClient("127.0.0.1:1") // never contacted
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"", "xyz", strings.Repeat("g", 64), strings.Repeat("a", 63)} {
		if _, err := c.Transaction(context.Background(), h); err == nil || errors.Is(err, chain.ErrUnavailable) {
			t.Errorf("Transaction(%q) = %v, want a refusal before sending", h, err)
		}
	}
}

// TestMiningRefusedOffRegtest: a daemon of another network (a scripted
// answer: the real one runs regtest only here) gets no generateblocks.
func TestMiningRefusedOffRegtest(t *testing.T) {
	var methods []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := r.Body.Read(buf)
		b.Write(buf[:n])
		switch {
		case strings.Contains(b.String(), `"get_info"`):
			methods = append(methods, "get_info")
			w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":{"status":"OK","nettype":"mainnet","height":3000000}}`))
		default:
			methods = append(methods, b.String())
			w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":{"status":"OK","height":1}}`))
		}
	}))
	defer srv.Close()
	c, err := chain.NewClient(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GenerateBlocks(context.Background(), 1, "4xyz"); !errors.Is(err, chain.ErrNotRegtest) {
		t.Errorf("GenerateBlocks on mainnet = %v, want ErrNotRegtest", err)
	}
	if len(methods) != 1 || methods[0] != "get_info" {
		t.Errorf("calls sent: %q, want get_info only", methods)
	}
}

func TestClientUnavailable(t *testing.T) {
	c, err := chain.NewClient("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.GetInfo(ctx); !errors.Is(err, chain.ErrUnavailable) || !strings.Contains(err.Error(), "get_info") {
		t.Errorf("GetInfo on a closed port = %v, want ErrUnavailable naming get_info", err)
	}
}

// TestFaucetPayTransactionAndUnlock pays a plain wallet of the test's own
// from the faucet and follows the transaction from the pool to the chain
// until the receiver can spend exactly what was paid.
func TestFaucetPayTransactionAndUnlock(t *testing.T) {
	chaintest.Skip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := env.Daemon.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	w := env.Spare.Client()
	name := "receiver_" + strings.ReplaceAll(t.Name(), "/", "_")
	if err := w.CreateWallet(ctx, name, "pw"); err != nil {
		t.Fatal(err)
	}
	addr, err := w.GetAddress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const amount = 1_234_567_890_123
	hash, err := env.Faucet.Pay(ctx, addr, amount)
	if err != nil {
		t.Fatal(err)
	}
	c := env.Daemon.Client()
	st, err := c.Transaction(ctx, hash)
	if err != nil || st.State != chain.TxInPool {
		t.Fatalf("after Pay: %+v, %v; want in pool", st, err)
	}
	h, err := env.Faucet.Mine(ctx, chain.SpendableAge)
	if err != nil {
		t.Fatal(err)
	}
	st, err = c.Transaction(ctx, hash)
	if err != nil || st.State != chain.TxInChain || st.Height != h-chain.SpendableAge || st.Confirmations != chain.SpendableAge {
		t.Fatalf("after mining: %+v, %v; want in chain at %d with %d confirmations", st, err, h-chain.SpendableAge, chain.SpendableAge)
	}
	unknown, err := c.Transaction(ctx, strings.Repeat("ab", 32))
	if err != nil || unknown.Known() {
		t.Errorf("unknown hash: %+v, %v", unknown, err)
	}
	if _, err := w.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := w.GetBalanceInfo(ctx)
	if err != nil || b.Balance != amount || b.UnlockedBalance != amount {
		t.Errorf("receiver balance %+v, %v; want %d unlocked", b, err, amount)
	}
	tr, err := w.GetTransferByTxID(ctx, hash)
	if err != nil || len(tr) != 1 || tr[0].Type != "in" || tr[0].Amount != amount {
		t.Errorf("receiver's transfer %+v, %v", tr, err)
	}
	if _, err := env.Faucet.Pay(ctx, addr, 0); err == nil {
		t.Error("Pay of 0 accepted")
	}
	if _, err := w.GetTransferByTxID(ctx, strings.Repeat("cd", 32)); !errors.Is(err, walletrpc.ErrWallet) {
		t.Errorf("unknown txid: %v", err)
	}
}
