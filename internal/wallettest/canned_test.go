package wallettest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// TestCanned: results and errors as scripted, the same with and without a
// socket, and every request counted.
func TestCanned(t *testing.T) {
	w := &wallettest.Canned{Results: wallettest.ReadyResults(), Errors: map[string]wallettest.CannedError{
		"open_wallet": {Code: -1, Message: `Failed to open wallet "x"`},
	}}
	srv := httptest.NewServer(w)
	defer srv.Close()
	for _, opts := range []walletrpc.Options{
		{URL: "http://127.0.0.1:18083", HTTPClient: &http.Client{Transport: w}},
		{URL: srv.URL},
	} {
		c, err := walletrpc.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		st, err := c.IsMultisig(ctx)
		if err != nil || !st.Ready || st.Threshold != 2 || st.Total != 3 {
			t.Fatalf("is_multisig %+v, %v", st, err)
		}
		var werr *walletrpc.Error
		if err := c.OpenWallet(ctx, "x", "pw"); !errors.Is(err, walletrpc.ErrOpenFailed) || !errors.As(err, &werr) || werr.Code != -1 {
			t.Fatalf("open_wallet: %v", err)
		}
		if err := c.Store(ctx); err != nil { // not scripted: an empty result
			t.Fatalf("store: %v", err)
		}
	}
	if n := w.Calls(); n != 6 {
		t.Fatalf("%d calls counted, want 6", n)
	}
}
