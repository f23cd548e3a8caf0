package walletrpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
)

func TestMiddlewareOrder(t *testing.T) {
	srv := fakeServer(t, func(w http.ResponseWriter, _ *http.Request, req fakeRequest) {
		answerResult(w, req, `{"version":65561}`)
	})
	var trail []string
	// trace records entry and exit, what the call looks like at each, and
	// whether Result is filled before and after next.
	trace := func(name string) Middleware {
		return func(next Invoker) Invoker {
			return func(ctx context.Context, call *Call) error {
				v := call.Result.(*struct {
					Version uint32 `json:"version"`
				})
				trail = append(trail, fmt.Sprintf("%s> %s@%s v=%d", name, call.Method, call.Endpoint, v.Version))
				err := next(ctx, call)
				trail = append(trail, fmt.Sprintf("<%s v=%d", name, v.Version))
				return err
			}
		}
	}
	base := newFakeClient(t, srv.URL, Options{Middleware: []Middleware{trace("a"), trace("b")}})
	withC := base.With(trace("c"))
	ep := base.Endpoint()

	if _, err := withC.GetVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a> get_version@" + ep + " v=0",
		"b> get_version@" + ep + " v=0",
		"c> get_version@" + ep + " v=0",
		"<c v=65561",
		"<b v=65561",
		"<a v=65561",
	}
	if !slices.Equal(trail, want) {
		t.Fatalf("trail\n%q\nwant\n%q", trail, want)
	}

	// With must not change the client it was made from.
	trail = nil
	if _, err := base.GetVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(trail) != 4 {
		t.Fatalf("base client ran %d middleware steps, want 4 (a, b): %q", len(trail), trail)
	}
}

func TestMiddlewareSeesErrorsAndCanStopCalls(t *testing.T) {
	var reached atomic.Int32
	srv := fakeServer(t, func(w http.ResponseWriter, _ *http.Request, req fakeRequest) {
		reached.Add(1)
		_, _ = w.Write([]byte(`{"id":` + string(req.ID) + `,"jsonrpc":"2.0","error":{"code":-13,"message":"No wallet file"}}`))
	})
	var seen error
	observe := func(next Invoker) Invoker {
		return func(ctx context.Context, call *Call) error {
			seen = next(ctx, call)
			return seen
		}
	}
	errStop := errors.New("stopped by middleware")
	stop := func(next Invoker) Invoker {
		return func(ctx context.Context, call *Call) error { return errStop }
	}
	c := newFakeClient(t, srv.URL, Options{Middleware: []Middleware{observe}})
	if _, err := c.IsMultisig(context.Background()); !errors.Is(err, ErrNoWalletOpen) || !errors.Is(seen, ErrNoWalletOpen) {
		t.Fatalf("call error %v, middleware saw %v; want ErrNoWalletOpen for both", err, seen)
	}
	if _, err := c.With(stop).IsMultisig(context.Background()); !errors.Is(err, errStop) || reached.Load() != 1 {
		t.Fatalf("got %v after %d requests; want the middleware's error and no new request", err, reached.Load())
	}
}
