package walletrpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// A stand-in for monero-wallet-rpc, so that the example runs without one.
func fakeWalletRPC() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"id":1,"jsonrpc":"2.0","result":{"release":true,"version":65561}}`)
	}))
}

func ExampleNew() {
	srv := fakeWalletRPC()
	defer srv.Close()

	c, err := walletrpc.New(walletrpc.Options{
		URL: srv.URL, // e.g. "http://127.0.0.1:18083"
		// Username/Password: the server's --rpc-login, sent with HTTP Digest.
	})
	if err != nil {
		log.Fatal(err)
	}
	v, err := c.GetVersion(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wallet RPC %d.%d\n", v>>16, v&0xffff)
	// Output: wallet RPC 1.25
}

func ExampleClient_With() {
	srv := fakeWalletRPC()
	defer srv.Close()
	c, err := walletrpc.New(walletrpc.Options{URL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}

	// Middleware sees each call's method and endpoint, never its params
	// (passwords, multisig key material).
	logCalls := func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			err := next(ctx, call)
			fmt.Printf("%s: err=%v\n", call.Method, err)
			return err
		}
	}
	if _, err := c.With(logCalls).GetVersion(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output: get_version: err=<nil>
}

func ExampleClassify() {
	err := &walletrpc.Error{Method: "make_multisig", Code: -28, Message: "This wallet is already multisig"}
	fmt.Println(errors.Is(err, walletrpc.ErrAlreadyMultisig), errors.Is(err, walletrpc.ErrWallet))
	fmt.Println(err)
	// Output:
	// true true
	// wallet rpc make_multisig: code -28: This wallet is already multisig
}
