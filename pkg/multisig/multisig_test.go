package multisig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

func TestOthers(t *testing.T) {
	msgs := []string{"b", "v", "a"}
	tests := []struct {
		i    int
		want string
	}{{0, "v,a"}, {1, "b,a"}, {2, "b,v"}}
	for _, tt := range tests {
		if got := strings.Join(others(msgs, tt.i), ","); got != tt.want {
			t.Errorf("others(%d) = %s, want %s", tt.i, got, tt.want)
		}
	}
}

func TestCheckMessages(t *testing.T) {
	tests := []struct {
		name    string
		msgs    []string
		prefix  string
		wantErr string
	}{
		{"ok", []string{"MultisigxV2R1a", "MultisigxV2R1b", "MultisigxV2R1c"}, kexPrefix, ""},
		{"empty", []string{"MultisigxV2R1a", "", "MultisigxV2R1c"}, kexPrefix, "vendor's message is empty"},
		{"duplicate", []string{"x", "y", "x"}, "", "arbiter's message is same as buyer's"},
		{"wrong kind", []string{"MultisigxV2R1a", "MultisigV1b", "MultisigxV2R1c"}, kexPrefix, "vendor's message is not a MultisigxV2R1 message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkMessages("e1", escrow.Round1, "prepare_multisig", tt.msgs, tt.prefix)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrBadKexMessage) {
				t.Fatalf("err %v is not ErrBadKexMessage", err)
			}
			var se *StepError
			if !errors.As(err, &se) || se.Round != escrow.Round1 || se.Operation != "prepare_multisig" {
				t.Fatalf("err %#v lacks its step", err)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeLeased, "leased": ModeLeased, "shared": ModeShared, "global-lock": ModeGlobalLock} {
		got, err := ParseMode(in)
		if err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMode("global"); err == nil || !strings.Contains(err.Error(), "leased, shared or global-lock") {
		t.Errorf("ParseMode(global) error %v should list the modes", err)
	}
}

func TestWalletPassword(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	a := WalletPassword(secret, escrow.WalletName("e1", escrow.Buyer))
	if a != WalletPassword(secret, escrow.WalletName("e1", escrow.Buyer)) {
		t.Fatal("password is not deterministic")
	}
	seen := map[string]bool{a: true}
	for _, p := range []string{
		WalletPassword(secret, escrow.WalletName("e1", escrow.Vendor)),
		WalletPassword(secret, escrow.WalletName("e2", escrow.Buyer)),
		WalletPassword([]byte(strings.Repeat("j", 32)), escrow.WalletName("e1", escrow.Buyer)),
	} {
		if seen[p] {
			t.Fatalf("password %s repeats for a different wallet or secret", p)
		}
		seen[p] = true
	}
	if len(a) != 64 {
		t.Fatalf("password length %d, want 64 hex chars", len(a))
	}
}

func TestConfigValidate(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"short secret", Config{Secret: []byte("x")}, "at least 32 bytes"},
		{"bad mode", Config{Mode: "fast", Secret: secret}, "unknown mode"},
		{"leased without pool", Config{Secret: secret}, "needs a pool"},
		{"shared without server", Config{Mode: ModeShared, Secret: secret}, "shared mode needs one wallet server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestEscrowValidate(t *testing.T) {
	for _, id := range []string{"", "../x", "a/b", strings.Repeat("a", 65), "a b"} {
		if err := (Escrow{ID: id}).Validate(); !errors.Is(err, ErrInvalidEscrow) {
			t.Errorf("Validate(%q) = %v, want ErrInvalidEscrow", id, err)
		}
	}
	if err := (Escrow{ID: "0b6e3c4e-2f0a-4a57-9d0e-8f1f1c1a2b3c"}).Validate(); err != nil {
		t.Errorf("a UUID is refused: %v", err)
	}
}

func TestStepError(t *testing.T) {
	cause := &walletrpc.Error{Method: "make_multisig", Code: -28, Message: "This wallet is already multisig"}
	err := fmt.Errorf("run: %w", &StepError{EscrowID: "e1", Role: escrow.Vendor, Round: escrow.Round1, Operation: "make_multisig", Err: cause})
	if !errors.Is(err, walletrpc.ErrAlreadyMultisig) {
		t.Fatalf("%v does not match walletrpc.ErrAlreadyMultisig", err)
	}
	want := "escrow e1: vendor: round 1: make_multisig: "
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("%q does not contain %q", err.Error(), want)
	}
}

func TestBarrierReleasesAllParties(t *testing.T) {
	b := NewBarrier(3, time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	released := 0
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Wait(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			released++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if released != 3 {
		t.Fatalf("released %d, want 3", released)
	}
}

func TestBarrierLeaveFreesWaiters(t *testing.T) {
	b := NewBarrier(2, time.Minute)
	done := make(chan error)
	go func() { done <- b.Wait(context.Background()) }()
	b.Leave() // the other party's escrow ended
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b.Parties() != 1 {
		t.Fatalf("parties = %d, want 1", b.Parties())
	}
}

func TestBarrierCancel(t *testing.T) {
	b := NewBarrier(2, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Wait(ctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	// The cancelled waiter no longer counts: the next pair still meets.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = b.Wait(context.Background()) }()
	}
	wg.Wait()
}

func TestPointsInOrder(t *testing.T) {
	want := []string{"SNAPSHOT_PRE_ROUND1", "SNAPSHOT_POST_MAKE_MULTISIG", "SNAPSHOT_PRE_ROUND2",
		"SNAPSHOT_POST_EXPORT_MULTISIG", "SNAPSHOT_PRE_ROUND3", "SNAPSHOT_POST_IMPORT_MULTISIG", "SNAPSHOT_FINAL"}
	rounds := []escrow.Round{1, 1, 2, 2, 3, 3, 3}
	for i, p := range escrow.SetupPoints {
		if p.Name() != want[i] || p.Round() != rounds[i] {
			t.Errorf("point %d = %s round %d, want %s round %d", i, p.Name(), p.Round(), want[i], rounds[i])
		}
	}
}

func TestKindOf(t *testing.T) {
	wallet := &walletrpc.Error{Method: "make_multisig", Code: -28, Message: "This wallet is already multisig"}
	tests := []struct {
		name string
		err  error
		want escrow.Kind
	}{
		{"nil", nil, ""},
		{"step error's own kind", &StepError{Kind: escrow.KindNoServer, Err: errors.New("x")}, escrow.KindNoServer},
		{"wallet answer in a step", stepError("e1", escrow.Vendor, escrow.Round1, "make_multisig", "w", wallet), escrow.KindAlreadyMultisig},
		{"unexpected state", stepError("e1", escrow.Buyer, escrow.Round2, "is_multisig", "w", fmt.Errorf("%w after x", ErrUnexpectedState)), escrow.KindUnexpectedState},
		{"address mismatch", fmt.Errorf("%w: a", ErrAddressMismatch), escrow.KindAddressMismatch},
		{"bad kex message", checkMessages("e1", escrow.Round1, "prepare_multisig", []string{"", "a", "b"}, ""), escrow.KindBadKexMessage},
		{"invalid escrow", Escrow{ID: "../x"}.Validate(), escrow.KindInvalidEscrow},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), escrow.KindTimeout},
		{"transport", fmt.Errorf("x: %w", walletrpc.ErrUnavailable), escrow.KindUnavailable},
		{"anything else", errors.New("boom"), escrow.KindOther},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("%s: KindOf = %q, want %q", tt.name, got, tt.want)
		}
	}
	se := stepError("e1", escrow.Vendor, escrow.Round1, "make_multisig", "w", wallet)
	if se.Phase != escrow.PhaseSetup || se.Kind != escrow.KindAlreadyMultisig || !errors.Is(se, walletrpc.ErrAlreadyMultisig) {
		t.Errorf("step error %+v", se)
	}
	if k := leaseKind(fmt.Errorf("wait: %w", context.Canceled)); k != escrow.KindCanceled {
		t.Errorf("a cancelled lease: %q", k)
	}
	if k := leaseKind(errors.New("walletpool: wait queue is full")); k != escrow.KindNoServer {
		t.Errorf("a full queue: %q", k)
	}
}
