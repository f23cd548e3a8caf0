package walletrpc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// kexPassword is the wallets' password in the real-server tests.
const kexPassword = "kex-test-password"

// forEach runs f for participants 0..n-1 at once, as a coordinator sends one
// round's calls, and returns the errors of all of them.
func forEach(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := f(i); err != nil {
				errs[i] = fmt.Errorf("participant %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// others returns msgs without msgs[i]: what participant i receives.
func others(msgs []string, i int) []string {
	out := make([]string, 0, len(msgs)-1)
	for j, m := range msgs {
		if j != i {
			out = append(out, m)
		}
	}
	return out
}

// TestMultisig2of3 runs a whole 2-of-3 key exchange through the client on three
// real servers, and at each stage checks that misuse is refused with the right
// kind of error (each refusal leaves the wallet's state unchanged, which the
// following rounds prove).
func TestMultisig2of3(t *testing.T) {
	t.Parallel() // real servers: mostly waiting on key generation and start-up
	servers := startWalletServers(t, 3)
	ctx := context.Background()
	var mu sync.Mutex
	var methods []string // seen by middleware on participant 0
	record := func(next Invoker) Invoker {
		return func(ctx context.Context, call *Call) error {
			mu.Lock()
			methods = append(methods, call.Method)
			mu.Unlock()
			return next(ctx, call)
		}
	}
	cs := make([]*Client, 3)
	for i, s := range servers {
		cs[i] = s.client(t)
	}
	cs[0] = cs[0].With(record)

	if err := forEach(3, func(i int) error {
		return cs[i].CreateWallet(ctx, fmt.Sprintf("escrow-%d", i), kexPassword)
	}); err != nil {
		t.Fatalf("create: %v", err)
	}

	prep := make([]string, 3)
	if err := forEach(3, func(i int) (err error) {
		prep[i], err = cs[i].PrepareMultisig(ctx)
		return err
	}); err != nil {
		t.Fatalf("prepare: %v", err)
	}

	round1 := make([]KexResult, 3)
	if err := forEach(3, func(i int) (err error) {
		round1[i], err = cs[i].MakeMultisig(ctx, others(prep, i), 2, kexPassword)
		return err
	}); err != nil {
		t.Fatalf("make_multisig: %v", err)
	}
	msgs1 := nextMessages(round1)
	wantStatus(t, cs[1], MultisigStatus{Multisig: true, Ready: false, Threshold: 2, Total: 3})

	// Misuse after round 1, on participant 1.
	refused(t, "after round 1", []misuse{
		{"make_multisig twice", ErrAlreadyMultisig, func() error {
			_, err := cs[1].MakeMultisig(ctx, others(prep, 1), 2, kexPassword)
			return err
		}},
		{"prepare_multisig after make", ErrAlreadyMultisig, func() error {
			_, err := cs[1].PrepareMultisig(ctx)
			return err
		}},
		{"one message only", ErrNeedMoreInfo, func() error {
			_, err := cs[1].ExchangeMultisigKeys(ctx, msgs1[:1], kexPassword)
			return err
		}},
		{"own message among others", ErrKexBadMessage, func() error {
			_, err := cs[1].ExchangeMultisigKeys(ctx, msgs1[1:], kexPassword)
			return err
		}},
		{"duplicate message", ErrKexBadMessage, func() error {
			_, err := cs[1].ExchangeMultisigKeys(ctx, []string{msgs1[0], msgs1[0]}, kexPassword)
			return err
		}},
		{"export before finalized", ErrMultisigNotReady, func() error {
			return cs[1].Call(ctx, "export_multisig_info", nil, nil)
		}},
	})

	round2 := make([]KexResult, 3)
	if err := forEach(3, func(i int) (err error) {
		round2[i], err = cs[i].ExchangeMultisigKeys(ctx, others(msgs1, i), kexPassword)
		return err
	}); err != nil {
		t.Fatalf("exchange round 2: %v", err)
	}
	msgs2 := nextMessages(round2)

	refused(t, "after round 2", []misuse{
		{"round-1 messages replayed", ErrKexRoundMismatch, func() error {
			_, err := cs[2].ExchangeMultisigKeys(ctx, others(msgs1, 2), kexPassword)
			return err
		}},
	})

	round3 := make([]KexResult, 3)
	if err := forEach(3, func(i int) (err error) {
		round3[i], err = cs[i].ExchangeMultisigKeys(ctx, others(msgs2, i), kexPassword)
		return err
	}); err != nil {
		t.Fatalf("exchange round 3: %v", err)
	}

	final := round3[0].Address
	if final == "" {
		t.Fatal("round 3 gave no address")
	}
	for i, c := range cs {
		if round3[i].Address != final {
			t.Errorf("participant %d: round 3 address differs from participant 0's", i)
		}
		addr, err := c.GetAddress(ctx)
		if err != nil {
			t.Fatalf("participant %d: get_address: %v", i, err)
		}
		if addr != final {
			t.Errorf("participant %d: get_address differs from the kex address", i)
		}
		wantStatus(t, c, MultisigStatus{Multisig: true, Ready: true, Threshold: 2, Total: 3})
	}
	if round1[0].Address == final {
		t.Error("round 1 placeholder address equals the final address")
	}

	refused(t, "after round 3", []misuse{
		{"make_multisig on finalized wallet", ErrAlreadyMultisig, func() error {
			_, err := cs[0].MakeMultisig(ctx, others(prep, 0), 2, kexPassword)
			return err
		}},
		{"exchange on finalized wallet", ErrAlreadyMultisig, func() error {
			_, err := cs[0].ExchangeMultisigKeys(ctx, others(msgs2, 0), kexPassword)
			return err
		}},
	})

	// Close (with autosave) and reopen: the finished multisig state was saved.
	if err := cs[0].Store(ctx); err != nil {
		t.Fatalf("store: %v", err)
	}
	if err := cs[0].CloseWallet(ctx); err != nil {
		t.Fatalf("close_wallet: %v", err)
	}
	if _, err := cs[0].IsMultisig(ctx); !errors.Is(err, ErrNoWalletOpen) {
		t.Fatalf("is_multisig after close: got %v, want ErrNoWalletOpen", err)
	}
	if err := cs[0].OpenWallet(ctx, "escrow-0", kexPassword); err != nil {
		t.Fatalf("open_wallet: %v", err)
	}
	wantStatus(t, cs[0], MultisigStatus{Multisig: true, Ready: true, Threshold: 2, Total: 3})
	if b, err := cs[0].GetBalance(ctx); err != nil || b != (Balance{}) {
		t.Errorf("get_balance of an unfunded wallet: %+v, %v", b, err)
	}

	mu.Lock()
	defer mu.Unlock()
	want := []string{"create_wallet", "prepare_multisig", "make_multisig", "exchange_multisig_keys"}
	for i, m := range want {
		if i >= len(methods) || methods[i] != m {
			t.Fatalf("middleware saw %v, want it to start with %v", methods, want)
		}
	}
}

// nextMessages returns each participant's message for the next round.
func nextMessages(rs []KexResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.MultisigInfo
	}
	return out
}

type misuse struct {
	name string
	want error
	call func() error
}

// refused runs each misuse and checks the error's kind.
func refused(t *testing.T, stage string, cases []misuse) {
	t.Helper()
	for _, tc := range cases {
		t.Run(stage+"/"+tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var werr *Error
			if !errors.As(err, &werr) || !errors.Is(err, ErrWallet) {
				t.Fatalf("got %T %v, want a wallet *Error", err, err)
			}
			t.Logf("%v", err) // the server's exact words, for FACTS
		})
	}
}

func wantStatus(t *testing.T, c *Client, want MultisigStatus) {
	t.Helper()
	got, err := c.IsMultisig(context.Background())
	if err != nil {
		t.Fatalf("is_multisig on %s: %v", c.Endpoint(), err)
	}
	if got != want {
		t.Fatalf("is_multisig on %s = %+v, want %+v", c.Endpoint(), got, want)
	}
}
