package walletrpc

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestErrorsFromServer checks the error mapping against a real server: each
// case's error must have the right kind, name its method, and never contain
// the secrets sent with it.
func TestErrorsFromServer(t *testing.T) {
	t.Parallel() // real servers: mostly waiting on key generation and start-up
	servers := startWalletServers(t, 3)
	fresh, opened, victim := servers[0], servers[1], servers[2] // fresh never opens a wallet
	ctx := context.Background()
	const secret = "s3cret-wallet-password"

	freshC, openedC := fresh.client(t), opened.client(t)
	if err := openedC.CreateWallet(ctx, "w", secret); err != nil {
		t.Fatalf("create_wallet: %v", err)
	}
	victimC := victim.client(t)
	victim.kill(t)

	wrongCreds, err := New(Options{URL: fresh.url, Username: testUser, Password: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	noCreds, err := New(Options{URL: fresh.url})
	if err != nil {
		t.Fatal(err)
	}
	shortTimeout, err := New(Options{URL: opened.url, Username: testUser, Password: testPassword, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		endpoint string
		method   string
		want     error
		code     int // when the wallet answered
		call     func(ctx context.Context) error
	}{
		{"no wallet open", fresh.endpoint(), "prepare_multisig", ErrNoWalletOpen, -13, func(ctx context.Context) error {
			_, err := freshC.PrepareMultisig(ctx)
			return err
		}},
		{"method not found", fresh.endpoint(), "no_such_method", ErrMethodNotFound, -32601, func(ctx context.Context) error {
			return freshC.Call(ctx, "no_such_method", nil, nil)
		}},
		{"invalid params", fresh.endpoint(), "make_multisig", ErrInvalidParams, -32602, func(ctx context.Context) error {
			return freshC.Call(ctx, "make_multisig", map[string]string{"threshold": secret}, nil)
		}},
		{"invalid filename", fresh.endpoint(), "create_wallet", ErrInvalidFilename, -1, func(ctx context.Context) error {
			return freshC.CreateWallet(ctx, "../x", secret)
		}},
		{"wrong credentials", fresh.endpoint(), "get_version", ErrUnauthorized, 0, func(ctx context.Context) error {
			_, err := wrongCreds.GetVersion(ctx)
			return err
		}},
		{"no credentials", fresh.endpoint(), "get_version", ErrUnauthorized, 0, func(ctx context.Context) error {
			_, err := noCreds.GetVersion(ctx)
			return err
		}},
		{"wallet exists", opened.endpoint(), "create_wallet", ErrWalletExists, -21, func(ctx context.Context) error {
			return openedC.CreateWallet(ctx, "w", secret)
		}},
		{"wrong password", opened.endpoint(), "open_wallet", ErrOpenFailed, -1, func(ctx context.Context) error {
			return openedC.OpenWallet(ctx, "w", secret+"-wrong")
		}},
		{"not multisig", opened.endpoint(), "exchange_multisig_keys", ErrNotMultisig, -31, func(ctx context.Context) error {
			_, err := openedC.ExchangeMultisigKeys(ctx, []string{secret, secret}, secret)
			return err
		}},
		{"server killed", victim.endpoint(), "get_version", ErrUnavailable, 0, func(ctx context.Context) error {
			_, err := victimC.GetVersion(ctx)
			return err
		}},
		// open_wallet takes about 2 s (key generation for the server's TLS
		// client); the server finishes it after the client gave up, re-opening
		// the same wallet, so later cases are unaffected.
		{"ctx deadline during open_wallet", opened.endpoint(), "open_wallet", context.DeadlineExceeded, 0, func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			return openedC.OpenWallet(ctx, "w", secret)
		}},
		{"Options.Timeout during open_wallet", opened.endpoint(), "open_wallet", context.DeadlineExceeded, 0, func(ctx context.Context) error {
			return shortTimeout.OpenWallet(ctx, "w", secret)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.method) {
				t.Errorf("error %q does not name method %s", msg, tc.method)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error %q contains the password", msg)
			}
			var werr *Error
			isWallet := errors.As(err, &werr)
			if isWallet != (tc.code != 0) || isWallet != errors.Is(err, ErrWallet) {
				t.Fatalf("got %T %v: wallet answer = %v, want %v", err, err, isWallet, tc.code != 0)
			}
			if isWallet {
				if werr.Code != tc.code || werr.Endpoint != tc.endpoint {
					t.Errorf("got code %d at %s, want %d at %s", werr.Code, werr.Endpoint, tc.code, tc.endpoint)
				}
			} else if !strings.Contains(msg, tc.endpoint) {
				t.Errorf("error %q does not name endpoint %s", msg, tc.endpoint)
			}
			t.Logf("%v", err)
		})
	}
}

// TestConcurrentCallsShareDigest sends calls from several goroutines through
// one client and a With copy: the shared digest transport must authenticate
// all of them (nonce counts arrive out of order at the server).
func TestConcurrentCallsShareDigest(t *testing.T) {
	t.Parallel() // real servers: mostly waiting on key generation and start-up
	s := startWalletServers(t, 1)[0]
	c := s.client(t)
	copyC := c.With()
	const goroutines, calls = 6, 20
	err := forEach(goroutines, func(i int) error {
		cl := c
		if i%2 == 1 {
			cl = copyC
		}
		for range calls {
			v, err := cl.GetVersion(context.Background())
			if err != nil {
				return err
			}
			if v>>16 != 1 {
				return errors.New("unexpected major version")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
