package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

const (
	apiBuyerAddr  = "4BuyerPayeeAddress"
	apiVendorAddr = "4VendorPayeeAddress"
)

var moneyBody = `{"buyer_id":"b","vendor_id":"v","amount":1000000,"buyer_address":"` + apiBuyerAddr + `","vendor_address":"` + apiVendorAddr + `"}`

// readyViaAPI creates an escrow through the API and waits for its setup.
func (f *fixture) readyViaAPI(t *testing.T, body string) string {
	t.Helper()
	resp, m := f.do(t, http.MethodPost, "/api/escrow/init?wait=1m", body, nil)
	if resp.StatusCode != http.StatusOK || m["status"] != "ready" {
		t.Fatalf("init: %d %v", resp.StatusCode, m)
	}
	return m["escrow_id"].(string)
}

// fundedViaAPI is a ready escrow funded through POST /fund.
func (f *fixture) fundedViaAPI(t *testing.T, body string) string {
	t.Helper()
	id := f.readyViaAPI(t, body)
	resp, m := f.do(t, http.MethodPost, "/api/escrow/"+id+"/fund?wait=1m", "", nil)
	if resp.StatusCode != http.StatusOK || m["status"] != "funded" {
		t.Fatalf("fund: %d %v", resp.StatusCode, m)
	}
	return id
}

// TestLifecycleThroughAPI: init with the payee addresses, fund, then each
// payout through its POST: the escrow ends paid with its payout, whose
// confirmations follow the chain.
func TestLifecycleThroughAPI(t *testing.T) {
	tests := []struct {
		path, body string
		status     string
		toRole     string
		winner     string
	}{
		{"release", "", "released", "vendor", ""},
		{"refund", "{}", "refunded", "buyer", ""},
		{"resolve", `{"winner":"vendor"}`, "resolved", "vendor", "vendor"},
		{"resolve", `{"winner":"buyer"}`, "resolved", "buyer", "buyer"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"_"+tt.toRole, func(t *testing.T) {
			f := newFixture(t, options{money: true})
			id := f.readyViaAPI(t, moneyBody)
			resp, m := f.do(t, http.MethodPost, "/api/escrow/"+id+"/fund?wait=1m", "", nil)
			if resp.StatusCode != 200 || m["status"] != "funded" || m["balance"] != 1e6 || m["unlocked_balance"] != 1e6 ||
				m["buyer_address"] != apiBuyerAddr || m["vendor_address"] != apiVendorAddr {
				t.Fatalf("fund: %d %v", resp.StatusCode, m)
			}
			resp, m = f.do(t, http.MethodPost, "/api/escrow/"+id+"/"+tt.path+"?wait=1m", tt.body, nil)
			if resp.StatusCode != 200 || m["status"] != tt.status {
				t.Fatalf("%s: %d %v", tt.path, resp.StatusCode, m)
			}
			p, _ := m["payout"].(map[string]any)
			if p == nil || p["to_role"] != tt.toRole || p["amount"].(float64)+p["fee"].(float64) != 1e6 ||
				len(p["tx_hash"].(string)) != 64 || p["in_pool"] != true || p["confirmations"] != 0.0 || p["height"].(float64) == 0 {
				t.Fatalf("payout %v", p)
			}
			if w, _ := p["winner"].(string); w != tt.winner {
				t.Fatalf("winner %q, want %q", w, tt.winner)
			}
			if _, ok := m["balance"]; ok {
				t.Fatalf("a paid escrow shows a balance: %v", m)
			}
			// Mined: one block holds it, then each block adds a confirmation.
			if _, err := f.ledger.Faucet().Mine(context.Background(), 3); err != nil {
				t.Fatal(err)
			}
			_, m = f.do(t, http.MethodGet, "/api/escrow/"+id, "", nil)
			p, _ = m["payout"].(map[string]any)
			if p["confirmations"] != 3.0 || p["in_pool"] != nil {
				t.Fatalf("after 3 blocks: %v", p)
			}
			_, list := f.do(t, http.MethodGet, "/api/escrows?status="+tt.status, "", nil)
			if list["count"] != 1.0 {
				t.Fatalf("list ?status=%s: %v", tt.status, list)
			}
		})
	}
}

// TestLifecycleRefusals: every refusal answers its code and message and
// changes nothing: no transaction sent, the escrow as it was.
func TestLifecycleRefusals(t *testing.T) {
	f := newFixture(t, options{money: true})
	ready := f.readyViaAPI(t, moneyBody)
	funded := f.fundedViaAPI(t, moneyBody)
	noAddr := f.fundedViaAPI(t, `{"buyer_id":"b","vendor_id":"v","amount":7}`)
	paid := f.fundedViaAPI(t, moneyBody)
	if resp, m := f.do(t, http.MethodPost, "/api/escrow/"+paid+"/release?wait=1m", "", nil); resp.StatusCode != 200 {
		t.Fatalf("release: %d %v", resp.StatusCode, m)
	}
	sentBefore := f.ledger.Sent(paid)
	tests := []struct {
		name, path, body string
		code             int
		msg              string
	}{
		{"release not funded", "/api/escrow/" + ready + "/release", "", 409, "not funded"},
		{"release unknown", "/api/escrow/0b8e5d4e-0000-4000-8000-000000000000/release", "", 404, "unknown escrow id"},
		{"release malformed id", "/api/escrow/a.b/release", "", 400, "malformed"},
		{"release with a winner", "/api/escrow/" + funded + "/release", `{"winner":"buyer"}`, 400, "this request takes no fields"},
		{"release not JSON", "/api/escrow/" + funded + "/release", `nope`, 400, "malformed JSON"},
		{"release bad wait", "/api/escrow/" + funded + "/release?wait=soon", "", 400, "wait="},
		{"resolve without body", "/api/escrow/" + funded + "/resolve", "", 400, "request body is empty"},
		{"resolve for the arbiter", "/api/escrow/" + funded + "/resolve", `{"winner":"arbiter"}`, 400, `winner: "arbiter"`},
		{"resolve winner not a string", "/api/escrow/" + funded + "/resolve", `{"winner":1}`, 400, "winner: must be a JSON string"},
		{"resolve two winners", "/api/escrow/" + funded + "/resolve", `{"winner":"buyer","winner":"vendor"}`, 400, "appears twice"},
		{"release without addresses", "/api/escrow/" + noAddr + "/release", "", 409, "buyer_address and vendor_address must both be set"},
		{"second payout", "/api/escrow/" + paid + "/refund", "", 409, "already paying out or paid"},
		{"fund funded", "/api/escrow/" + funded + "/fund", "", 409, "not waiting for funds"},
		{"fund with a field", "/api/escrow/" + ready + "/fund", `{"amount":5}`, 400, "unknown field"},
		{"address changed", "/api/escrow/" + ready + "/addresses", `{"buyer_address":"4AnybodyXyz"}`, 409, "cannot change"},
		{"address for both", "/api/escrow/" + noAddr + "/addresses", `{"buyer_address":"4Same","vendor_address":"4Same"}`, 400, "must differ"},
		{"address not base58", "/api/escrow/" + noAddr + "/addresses", `{"vendor_address":"4vend0r"}`, 400, "base58"},
		{"no address", "/api/escrow/" + noAddr + "/addresses", `{}`, 400, "no address given"},
		{"address of a paid escrow", "/api/escrow/" + paid + "/addresses", `{"buyer_address":"` + apiBuyerAddr + `"}`, 409, "paid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.snapshot(t)
			resp, m := f.do(t, http.MethodPost, tt.path, tt.body, nil)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.code, m)
			}
			if msg, _ := m["error"].(string); !strings.Contains(msg, tt.msg) {
				t.Fatalf("error %q, want it to contain %q", msg, tt.msg)
			}
			if after := f.snapshot(t); after != before {
				t.Fatalf("a refusal changed the escrows:\n%s\n->\n%s", before, after)
			}
			if f.ledger.PoolSize() != 1 || f.ledger.Sent(paid) != sentBefore {
				t.Fatalf("a refusal sent a transaction (pool %d)", f.ledger.PoolSize())
			}
		})
	}
	// The second payout is answered with the payout that exists.
	_, m := f.do(t, http.MethodPost, "/api/escrow/"+paid+"/resolve", `{"winner":"buyer"}`, nil)
	e, _ := m["escrow"].(map[string]any)
	p, _ := e["payout"].(map[string]any)
	if e["status"] != "released" || p == nil || p["to_role"] != "vendor" || len(p["tx_hash"].(string)) != 64 {
		t.Fatalf("409 of a second payout shows %v", m)
	}
}

// snapshot is every escrow's status, addresses and payout, as text.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	list, err := f.store.List(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range list {
		b.WriteString(e.ID + " " + string(e.Status) + " " + e.BuyerAddress + " " + e.VendorAddress)
		if e.Payout != nil {
			b.WriteString(" " + string(e.Payout.Phase) + " " + e.Payout.TxHash())
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestLifecycleOffNetwork: without a faucet (not regtest) fund is refused
// with what to do instead; offline (no payer) fund and payouts are refused.
func TestLifecycleOffNetwork(t *testing.T) {
	nf := newFixture(t, options{money: true, noFaucet: true})
	id := nf.readyViaAPI(t, moneyBody)
	resp, m := nf.do(t, http.MethodPost, "/api/escrow/"+id+"/fund", "", nil)
	if msg, _ := m["error"].(string); resp.StatusCode != 409 || !strings.Contains(msg, "regtest dev faucet") || !strings.Contains(msg, "pay the escrow's multisig address") {
		t.Fatalf("fund without a faucet: %d %v", resp.StatusCode, m)
	}
	off := newFixture(t, options{})
	id = off.readyViaAPI(t, moneyBody)
	for _, path := range []string{"/fund", "/release", "/refund"} {
		resp, m := off.do(t, http.MethodPost, "/api/escrow/"+id+path, "", nil)
		if msg, _ := m["error"].(string); resp.StatusCode != 409 || !strings.Contains(msg, "--offline") {
			t.Fatalf("offline %s: %d %v", path, resp.StatusCode, m)
		}
	}
	if _, m := off.do(t, http.MethodGet, "/api/escrow/"+id, "", nil); m["status"] != "ready" {
		t.Fatalf("offline refusals changed the escrow: %v", m)
	}
}

// TestLifecycleGuards: the new POSTs keep every guard of the API: the
// token, JSON only, no foreign origin; each refused before anything runs.
func TestLifecycleGuards(t *testing.T) {
	f := newFixture(t, options{money: true, token: "tok"})
	auth := http.Header{"Authorization": {"Bearer tok"}}
	resp, m := f.do(t, http.MethodPost, "/api/escrow/init?wait=1m", moneyBody, auth)
	if resp.StatusCode != 200 {
		t.Fatalf("init: %d %v", resp.StatusCode, m)
	}
	id := m["escrow_id"].(string)
	for _, path := range []string{"/fund", "/release", "/refund", "/resolve", "/addresses"} {
		for _, g := range []struct {
			name   string
			header http.Header
			code   int
		}{
			{"no token", http.Header{}, 401},
			{"text/plain", http.Header{"Authorization": {"Bearer tok"}, "Content-Type": {"text/plain"}}, 415},
			{"foreign origin", http.Header{"Authorization": {"Bearer tok"}, "Origin": {"https://evil.example"}}, 403},
		} {
			resp, m := f.do(t, http.MethodPost, "/api/escrow/"+id+path, `{"winner":"buyer"}`, g.header)
			if resp.StatusCode != g.code {
				t.Errorf("%s %s: %d, want %d (%v)", path, g.name, resp.StatusCode, g.code, m)
			}
		}
	}
	if _, m := f.do(t, http.MethodGet, "/api/escrow/"+id, "", auth); m["status"] != "ready" {
		t.Fatalf("guarded requests changed the escrow: %v", m)
	}
}

// TestFailedPayoutThroughAPI: a payout the wallet refused leaves the escrow
// funded, and the escrow shows where and why in last_error, with the
// failure's kind.
func TestFailedPayoutThroughAPI(t *testing.T) {
	f := newFixture(t, options{money: true})
	id := f.fundedViaAPI(t, moneyBody)
	f.ledger.Payer().FailNext("sign")
	_, m := f.do(t, http.MethodPost, "/api/escrow/"+id+"/release?wait=1m", "", nil)
	le, _ := m["last_error"].(map[string]any)
	if m["status"] != "funded" || le == nil || le["phase"] != "release" || le["step"] != "sign" || le["role"] != "vendor" ||
		le["kind"] != "stale_data" || le["message"] == "" {
		t.Fatalf("after a refused signature: %v", m)
	}
	if m["balance"] != 1e6 || m["payout"] != nil {
		t.Fatalf("a failed payout must leave the funds shown and no payout: %v", m)
	}
}
