package walletrpc

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// BenchmarkCall measures one call through the client against a local server
// answering a tiny result, with no middleware, with a stack of no-op
// middleware, and through the digest transport (the fake asks for no auth, so
// only turn-taking is measured), so that middleware (tracing) overhead can be
// compared. The fake server runs in-process: its allocations count too.
func BenchmarkCall(b *testing.B) {
	const answer = `{"id":1,"jsonrpc":"2.0","result":{"multisig":true,"ready":true,"threshold":2,"total":3}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, answer)
	}))
	defer srv.Close()
	noop := func(next Invoker) Invoker {
		return func(ctx context.Context, call *Call) error { return next(ctx, call) }
	}
	for _, bc := range []struct {
		middleware int
		user       string // non-empty: through the digest transport's turns
	}{{0, ""}, {4, ""}, {0, "u"}} {
		name := "middleware=" + strconv.Itoa(bc.middleware)
		if bc.user != "" {
			name += "/digest"
		}
		b.Run(name, func(b *testing.B) {
			mws := make([]Middleware, bc.middleware)
			for i := range mws {
				mws[i] = noop
			}
			c, err := New(Options{URL: srv.URL, Username: bc.user, Middleware: mws})
			if err != nil {
				b.Fatal(err)
			}
			// The fake answers id 1 to everything; the client checks ids, so
			// restart the sequence before each call.
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				c.ids.Store(0)
				if _, err := c.IsMultisig(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
