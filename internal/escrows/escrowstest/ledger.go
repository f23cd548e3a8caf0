package escrowstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Ledger is a scripted chain: its Faucet pays escrows' multisig addresses
// (AddressPrefix + ID) and mines blocks, its Payer checks funding and pays
// out through a multisig.Journal as the real payer does (unsigned, signed,
// submitted), and it answers as the daemon (escrows.ChainInfo): heights and
// where transactions are. Payments are in the pool until mined; a funding
// payment unlocks chain.SpendableAge blocks after it is mined. It is safe
// for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	height  uint64
	txs     map[string]uint64 // tx hash -> block height; 0 in the pool
	funds   map[string][]credit
	paid    map[string]int // escrow ID -> payouts sent
	next    int
	payer   *Payer
	faucet  *Faucet
	fee     uint64
	funderr error
}

type credit struct {
	amount uint64
	tx     string
}

// NewLedger returns a ledger at height 100 with a fee of 1,000 atomic units per payout.
func NewLedger() *Ledger {
	l := &Ledger{height: 100, txs: map[string]uint64{}, funds: map[string][]credit{}, paid: map[string]int{}, fee: 1000}
	l.payer = &Payer{l: l, started: make(chan multisig.PayoutRequest, 100)}
	l.faucet = &Faucet{l: l}
	return l
}

// Payer is the ledger's escrows.Payer.
func (l *Ledger) Payer() *Payer { return l.payer }

// Faucet is the ledger's escrows.Faucet.
func (l *Ledger) Faucet() *Faucet { return l.faucet }

// SetFundedError makes every Funded check fail with err (nil: they work),
// as a daemon that is down would.
func (l *Ledger) SetFundedError(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.funderr = err
}

// Sent is how many payout transactions the escrow's wallet sent.
func (l *Ledger) Sent(escrowID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paid[escrowID]
}

// PoolSize is how many transactions wait in the pool.
func (l *Ledger) PoolSize() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, h := range l.txs {
		if h == 0 {
			n++
		}
	}
	return n
}

// Credit pays amount to the escrow, as a payment from elsewhere would.
func (l *Ledger) Credit(escrowID string, amount uint64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	tx := l.newTx()
	l.funds[escrowID] = append(l.funds[escrowID], credit{amount: amount, tx: tx})
	return tx
}

// newTx is a fresh transaction hash in the pool; l.mu is held.
func (l *Ledger) newTx() string {
	l.next++
	h := fmt.Sprintf("%064x", l.next)
	l.txs[h] = 0
	return h
}

// GetHeight implements escrows.ChainInfo.
func (l *Ledger) GetHeight(context.Context) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.height, nil
}

// Transactions implements escrows.ChainInfo.
func (l *Ledger) Transactions(_ context.Context, hashes ...string) ([]chain.TxStatus, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]chain.TxStatus, len(hashes))
	for i, h := range hashes {
		out[i] = chain.TxStatus{Hash: h}
		bh, ok := l.txs[h]
		switch {
		case !ok:
		case bh == 0:
			out[i].State = chain.TxInPool
		default:
			out[i].State, out[i].Height, out[i].Confirmations = chain.TxInChain, bh, l.height-bh
		}
	}
	return out, nil
}

// balance is the escrow's balance and its unlocked part; l.mu is held.
func (l *Ledger) balance(id string) (total, unlocked uint64) {
	for _, c := range l.funds[id] {
		total += c.amount
		if bh := l.txs[c.tx]; bh != 0 && l.height-bh >= chain.SpendableAge {
			unlocked += c.amount
		}
	}
	return total, unlocked
}

// Faucet is the ledger's regtest faucet.
type Faucet struct {
	l *Ledger
	// Err, when set, is the answer of Pay.
	Err error
}

// Pay pays the escrow whose multisig address is AddressPrefix + its ID.
func (f *Faucet) Pay(_ context.Context, address string, amount uint64) (string, error) {
	if f.Err != nil {
		return "", f.Err
	}
	id, ok := strings.CutPrefix(address, AddressPrefix)
	if !ok || amount == 0 {
		return "", fmt.Errorf("faucet: pay %d to %q: not an escrow of the ledger", amount, address)
	}
	return f.l.Credit(id, amount), nil
}

// Mine mines n blocks: the pool's transactions go into the first.
func (f *Faucet) Mine(_ context.Context, n int) (uint64, error) {
	l := f.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if n <= 0 {
		return 0, errors.New("faucet: mine: n must be positive")
	}
	for h, bh := range l.txs {
		if bh == 0 {
			l.txs[h] = l.height
		}
	}
	l.height += uint64(n)
	return l.height, nil
}

// Payer is the ledger's escrows.Payer. Set Journal (the service's Record)
// before the first payout; Fail scripts failures.
type Payer struct {
	l *Ledger
	// Journal receives the write-ahead records, as multisig.PayoutConfig's.
	Journal multisig.Journal
	// Hold, when set, holds every Pay and Resume until it is closed.
	Hold chan struct{}

	mu      sync.Mutex
	fail    []string // steps the next payouts fail at, in order; "" succeeds
	started chan multisig.PayoutRequest
	pays    int
	resumes int
}

// FailNext makes the next payouts fail at these steps, one each:
// "prepare" (before anything is built), "sign" (after the unsigned record:
// the wallet's stale-data refusal), "submit" (after the signed record, the
// daemon's answer lost: the transaction is in the pool), "journal" (the
// journal's own error stops it), "resume" (a Resume of a signed payout:
// the daemon unreachable); "" succeeds.
func (p *Payer) FailNext(steps ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = append(p.fail, steps...)
}

// Started receives each payout request as Pay or Resume begins (buffered 100).
func (p *Payer) Started() <-chan multisig.PayoutRequest { return p.started }

// Calls are how many times Pay and Resume were called.
func (p *Payer) Calls() (pays, resumes int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pays, p.resumes
}

// Funded implements escrows.Payer.
func (p *Payer) Funded(_ context.Context, escrowID string, _ map[escrow.Role]string, amount uint64) (multisig.Funding, error) {
	l := p.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.funderr != nil {
		return multisig.Funding{}, l.funderr
	}
	total, unlocked := l.balance(escrowID)
	return multisig.Funding{Balance: total, UnlockedBalance: unlocked, Funded: amount > 0 && unlocked >= amount}, nil
}

func (p *Payer) begin(ctx context.Context, req multisig.PayoutRequest, resume bool) (string, error) {
	p.mu.Lock()
	if resume {
		p.resumes++
	} else {
		p.pays++
	}
	step := ""
	if len(p.fail) > 0 {
		step, p.fail = p.fail[0], p.fail[1:]
	}
	p.mu.Unlock()
	p.started <- req
	if p.Hold != nil {
		select {
		case <-p.Hold:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return step, nil
}

// Pay implements escrows.Payer: the whole unlocked balance minus the fee to
// the payee, through the journal's three stages.
func (p *Payer) Pay(ctx context.Context, req multisig.PayoutRequest) (multisig.PayoutResult, error) {
	if err := req.Validate(); err != nil {
		return multisig.PayoutResult{}, err
	}
	failAt, err := p.begin(ctx, req, false)
	if err != nil {
		return multisig.PayoutResult{}, &multisig.PayoutError{EscrowID: req.EscrowID, Phase: req.Phase, Step: "lease", Operation: "lease", Err: err}
	}
	signers, _ := req.Phase.Signers(req.Winner)
	fail := func(step string, role escrow.Role, op string, err error) error {
		return &multisig.PayoutError{EscrowID: req.EscrowID, Phase: req.Phase, Step: step, Role: role, Operation: op, Err: err}
	}
	if failAt == "prepare" {
		return multisig.PayoutResult{}, fail("prepare", signers[0], "refresh", walletrpc.ErrImportNeeded)
	}
	l := p.l
	l.mu.Lock()
	_, unlocked := l.balance(req.EscrowID)
	l.mu.Unlock()
	if unlocked <= l.fee {
		return multisig.PayoutResult{}, fail("transfer", signers[0], "transfer", multisig.ErrNotFunded)
	}
	amount := unlocked - l.fee
	if err := p.record(ctx, req, multisig.PayoutRecord{Stage: multisig.StageUnsigned, TxSet: "unsigned-" + req.EscrowID, Amount: amount, Fee: l.fee}); err != nil {
		return multisig.PayoutResult{}, fail("transfer", "", "journal", err)
	}
	if failAt == "sign" {
		return multisig.PayoutResult{}, fail("sign", signers[1], "sign_multisig", walletrpc.ErrStaleData)
	}
	if failAt == "journal" {
		return multisig.PayoutResult{}, fail("sign", "", "journal", errors.New("journal refused"))
	}
	hash := TxHashFor(req.EscrowID)
	signed := multisig.PayoutRecord{Stage: multisig.StageSigned, TxSet: "signed-" + req.EscrowID, TxHashes: []string{hash}, Amount: amount, Fee: l.fee}
	if err := p.record(ctx, req, signed); err != nil {
		return multisig.PayoutResult{}, fail("sign", "", "journal", err)
	}
	height := l.Send(req.EscrowID, hash)
	if failAt == "submit" {
		return multisig.PayoutResult{}, fail("submit", signers[1], "submit_multisig", errors.New("connection reset: the answer was lost"))
	}
	submitted := signed
	submitted.Stage, submitted.TxSet, submitted.Height = multisig.StageSubmitted, "", height
	if err := p.record(ctx, req, submitted); err != nil {
		return multisig.PayoutResult{}, fail("submit", "", "journal", err)
	}
	payee, _ := req.Phase.Payee(req.Winner)
	return multisig.PayoutResult{TxHash: hash, TxHashes: []string{hash}, Amount: amount, Fee: l.fee, Payee: payee, Height: height}, nil
}

// TxHashFor is the payout transaction of an escrow on the ledger: the same
// for every attempt, as the same signed set always is.
func TxHashFor(escrowID string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(escrowID); i++ {
		h = (h ^ uint64(escrowID[i])) * 1099511628211
	}
	return fmt.Sprintf("%016x%048x", h, 0xfeed)
}

// Send puts the escrow's payout in the pool once (a second submit of the
// same set adds nothing) and empties its wallet; it returns the height.
func (l *Ledger) Send(escrowID, hash string) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.txs[hash]; !ok {
		l.txs[hash] = 0
		l.paid[escrowID]++
		l.funds[escrowID] = nil
	}
	return l.height
}

func (p *Payer) record(ctx context.Context, req multisig.PayoutRequest, rec multisig.PayoutRecord) error {
	if p.Journal == nil {
		return nil
	}
	return p.Journal.Record(ctx, req.EscrowID, rec)
}

// Resume implements escrows.Payer as the real one: a signed or submitted
// record whose transaction the ledger has is done; a signed one it lacks is
// sent; anything else pays again.
func (p *Payer) Resume(ctx context.Context, req multisig.PayoutRequest, rec multisig.PayoutRecord) (multisig.PayoutResult, error) {
	if rec.Stage != multisig.StageSigned && rec.Stage != multisig.StageSubmitted {
		return p.Pay(ctx, req)
	}
	step, err := p.begin(ctx, req, true)
	if err == nil && step == "resume" {
		err = errors.New("daemon unreachable")
	}
	if err != nil {
		return multisig.PayoutResult{}, &multisig.PayoutError{EscrowID: req.EscrowID, Phase: req.Phase, Step: "resume", Operation: "get_transactions", Err: err}
	}
	height := p.l.Send(req.EscrowID, rec.TxHashes[0])
	if rec.Stage != multisig.StageSubmitted {
		sub := rec
		sub.Stage, sub.Height = multisig.StageSubmitted, height
		if err := p.record(ctx, req, sub); err != nil {
			return multisig.PayoutResult{}, err
		}
	}
	payee, _ := req.Phase.Payee(req.Winner)
	return multisig.PayoutResult{TxHash: rec.TxHashes[0], TxHashes: rec.TxHashes, Amount: rec.Amount, Fee: rec.Fee,
		Payee: payee, Height: height, Resumed: true}, nil
}
