package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/escrows/escrowstest"
	"github.com/escrowd/escrowd/internal/store"
)

// The documented invariants of an accepted request, written independently of
// the code under test: participant IDs and escrow IDs match idPattern, and
// 0 < amount <= escrows.MaxAmount (Monero's money supply, the uint64 maximum).
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// addressPattern is a Monero address's form on any network: base58 (no 0,
// O, I, l), at most 128 characters; the network's own rules are the
// service's Config.ValidateAddress.
var addressPattern = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{1,128}$`)

// fuzzOutside is what a file outside the traces directory holds; no answer of
// the API may ever contain it.
const fuzzOutside = "OUTSIDE-THE-TRACES-DIRECTORY"

// fuzzAPI is the real handler over a real store and service, with a traces
// directory that holds one escrow's file and has a decoy beside it.
type fuzzAPI struct {
	handler   http.Handler
	knownID   string
	knownBody string
}

func newFuzzAPI(tb testing.TB) *fuzzAPI {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "data", "escrowd.db"))
	if err != nil {
		tb.Fatal(err)
	}
	// Runs end at once, so in-flight escrows never pile up to the limit;
	// a high limit keeps admission out of what is fuzzed here.
	svc, err := escrows.New(escrows.Config{Store: st, Runner: escrowstest.Instant(), MaxInFlight: 1 << 16})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		svc.Shutdown(ctx) //nolint:errcheck // runs end at once
		st.Close()
	})
	tracesDir := filepath.Join(dir, "traces")
	if err := os.Mkdir(tracesDir, 0o700); err != nil {
		tb.Fatal(err)
	}
	// Decoys a path-traversing ID would reach: beside the traces directory,
	// at its root, and named like a trace file one level up.
	for _, p := range []string{"outside.json", "escrow_.json", "escrow_...json", filepath.Join("data", "escrow_x.json")} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(fuzzOutside), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	e, err := svc.Submit(ctx, escrows.Request{BuyerID: "b", VendorID: "v", Amount: 1})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Wait(ctx, e.ID); err != nil {
		tb.Fatal(err)
	}
	known := `{"escrow_id":"` + e.ID + `"}`
	if err := os.WriteFile(filepath.Join(tracesDir, "escrow_"+e.ID+".json"), []byte(known), 0o600); err != nil {
		tb.Fatal(err)
	}
	h, err := New(Config{Service: svc, TracesDir: tracesDir})
	if err != nil {
		tb.Fatal(err)
	}
	return &fuzzAPI{handler: h, knownID: e.ID, knownBody: known}
}

// serve sends one request through the handler and returns the answer.
func (a *fuzzAPI) serve(req *http.Request) *httptest.ResponseRecorder {
	// As curl sends them to the default listener: a loopback Host (the
	// rebinding guard refuses others without a token), JSON declared.
	req.Host = "127.0.0.1:8080"
	if req.Method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	return rec
}

// checkRefusal: a refusal is a 4xx whose body is {"error": "<non-empty>"}.
func checkRefusal(t *testing.T, rec *httptest.ResponseRecorder, wantCode int, wantMsg string) {
	t.Helper()
	if rec.Code != wantCode {
		t.Fatalf("status %d, want %d; body %q", rec.Code, wantCode, rec.Body.Bytes())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("refusal %d with Content-Type %q", rec.Code, ct)
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("refusal %d is not JSON: %v: %q", rec.Code, err, rec.Body.Bytes())
	}
	msg, ok := body["error"].(string)
	if !ok || msg == "" || len(body) != 1 {
		t.Fatalf("refusal %d body %q: want exactly {\"error\": \"<message>\"}", rec.Code, rec.Body.Bytes())
	}
	if wantMsg != "" && !strings.Contains(msg, wantMsg) {
		t.Fatalf("refusal %d says %q, want it to contain %q", rec.Code, msg, wantMsg)
	}
}

// FuzzInitRequest feeds arbitrary bodies to POST /api/escrow/init. Nothing
// panics; a body the decoder refuses is answered 400 (413 past the size
// limit) with a JSON message; a body it accepts satisfies the documented
// invariants, says the same to encoding/json, and is answered 202.
//
// Seeds: testdata/fuzz/FuzzInitRequest (a valid body, each kind of refusal).
func FuzzInitRequest(f *testing.F) {
	a := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, decErr := decodeInit(body)

		rec := a.serve(httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/api/escrow/init", bytes.NewReader(body)))
		switch {
		case len(body) > MaxBodyBytes:
			checkRefusal(t, rec, http.StatusRequestEntityTooLarge, "at most")
			return
		case decErr != nil:
			checkRefusal(t, rec, http.StatusBadRequest, decErr.Error())
			return
		}

		// Accepted: the invariants, independently checked.
		if !idPattern.MatchString(req.BuyerID) || !idPattern.MatchString(req.VendorID) {
			t.Fatalf("accepted IDs %q, %q outside [A-Za-z0-9_-]{1,64}", req.BuyerID, req.VendorID)
		}
		if req.Amount == 0 || req.Amount > escrows.MaxAmount {
			t.Fatalf("accepted amount %d outside 1..%d", req.Amount, escrows.MaxAmount)
		}
		// encoding/json reads the same three fields with the same values:
		// the strict decoder never accepts what means something else.
		if !json.Valid(body) {
			t.Fatalf("accepted a body encoding/json calls invalid: %q", body)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			t.Fatalf("accepted a body that is not one JSON object: %v", err)
		}
		if len(fields) < 3 || len(fields) > 5 {
			t.Fatalf("accepted %d distinct fields, want the 3 required and at most the 2 addresses: %q", len(fields), body)
		}
		var buyer, vendor string
		if json.Unmarshal(fields["buyer_id"], &buyer) != nil || buyer != req.BuyerID ||
			json.Unmarshal(fields["vendor_id"], &vendor) != nil || vendor != req.VendorID {
			t.Fatalf("decoded IDs %q, %q; encoding/json reads %s, %s", req.BuyerID, req.VendorID, fields["buyer_id"], fields["vendor_id"])
		}
		if got := string(fields["amount"]); got != strconv.FormatUint(req.Amount, 10) {
			t.Fatalf("decoded amount %d from %s", req.Amount, got)
		}
		// Addresses: absent, or base58 text of at most 128 characters, the
		// same as encoding/json reads, and never the same for both.
		for name, got := range map[string]string{"buyer_address": req.BuyerAddress, "vendor_address": req.VendorAddress} {
			raw, ok := fields[name]
			if !ok {
				if got != "" {
					t.Fatalf("decoded %s %q from a body without it", name, got)
				}
				continue
			}
			var want string
			if json.Unmarshal(raw, &want) != nil || want != got || !addressPattern.MatchString(got) {
				t.Fatalf("decoded %s %q; encoding/json reads %s", name, got, raw)
			}
		}
		if req.BuyerAddress != "" && req.BuyerAddress == req.VendorAddress {
			t.Fatalf("accepted the same address for both: %q", req.BuyerAddress)
		}

		if rec.Code != http.StatusAccepted {
			t.Fatalf("accepted body answered %d: %q", rec.Code, rec.Body.Bytes())
		}
		var view map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &view); err != nil {
			t.Fatalf("202 body is not JSON: %v", err)
		}
		id, _ := view["escrow_id"].(string)
		if !idPattern.MatchString(id) || view["buyer_id"] != req.BuyerID || view["vendor_id"] != req.VendorID {
			t.Fatalf("202 body %q does not describe the request", rec.Body.Bytes())
		}
		if loc := rec.Header().Get("Location"); loc != "/api/escrow/"+id {
			t.Fatalf("Location %q for escrow %s", loc, id)
		}
	})
}

// FuzzEscrowID feeds arbitrary escrow IDs to GET /api/escrow/:id and
// GET /api/escrow/:id/trace, twice: path-escaped (the ID as a client library
// would send it) and raw (the fuzzed bytes as the request target, when they
// parse as one). Nothing panics; an ID outside [A-Za-z0-9_-]{1,64} is refused
// with a 4xx and a JSON message; a well-formed unknown ID is a 404; only the
// known escrow is found, and no answer ever holds a file from outside the
// traces directory.
//
// Seeds: testdata/fuzz/FuzzEscrowID (an unknown ID, traversal and odd IDs);
// the known ID is added here, since it is made per run.
func FuzzEscrowID(f *testing.F) {
	a := newFuzzAPI(f)
	f.Add(a.knownID)
	f.Fuzz(func(t *testing.T, id string) {
		for _, suffix := range []string{"", "/trace"} {
			target := "/api/escrow/" + url.PathEscape(id) + suffix
			rec := a.serve(httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil))
			a.checkNoOutside(t, target, rec)
			switch {
			case id == "" && rec.Code == http.StatusNotFound:
				// /api/escrow//trace matches no route; /api/escrow/ is a
				// malformed (empty) ID, the next case.
				checkRefusal(t, rec, http.StatusNotFound, "Not Found")
			case !idPattern.MatchString(id):
				checkRefusal(t, rec, http.StatusBadRequest, "malformed")
			case id != a.knownID:
				checkRefusal(t, rec, http.StatusNotFound, "unknown escrow id")
			default:
				a.checkKnown(t, target, suffix, rec)
			}

			// Raw: whatever the router makes of the bytes, only the known
			// escrow is ever found, and every other answer is a refusal.
			raw := "/api/escrow/" + id + suffix
			req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + raw + " HTTP/1.1\r\nHost: escrowd\r\n\r\n")))
			if err != nil {
				continue // not a request target a server would pass on
			}
			rec = a.serve(req)
			a.checkNoOutside(t, raw, rec)
			if rec.Code == http.StatusOK {
				a.checkKnown(t, raw, suffix, rec)
				continue
			}
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("GET %q: %d, want 200 for the known escrow or a 4xx", raw, rec.Code)
			}
			checkRefusal(t, rec, rec.Code, "")
		}
	})
}

func (a *fuzzAPI) checkNoOutside(t *testing.T, target string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if bytes.Contains(rec.Body.Bytes(), []byte(fuzzOutside)) {
		t.Fatalf("GET %q answered a file from outside the traces directory", target)
	}
}

// checkKnown: the answer is the known escrow, or its trace file, and nothing else.
func (a *fuzzAPI) checkKnown(t *testing.T, target, suffix string, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %q: %d %q, want 200", target, rec.Code, body)
	}
	if suffix == "/trace" {
		if string(body) != a.knownBody {
			t.Fatalf("GET %q: %q, want the known escrow's trace file", target, body)
		}
		return
	}
	var view map[string]any
	if err := json.Unmarshal(body, &view); err != nil || view["escrow_id"] != a.knownID {
		t.Fatalf("GET %q: %q, want the known escrow", target, body)
	}
}

// FuzzPayoutBody feeds arbitrary bodies to the decoders of the lifecycle's
// POSTs (resolve's winner, the addresses, and the bodies that take no
// fields). Nothing panics; an accepted winner is "buyer" or "vendor" and
// encoding/json reads the same one object; accepted addresses are base58
// of at most 128 characters, different from each other; a body with no
// fields is empty or {} (with whitespace).
//
// Seeds: testdata/fuzz/FuzzPayoutBody.
func FuzzPayoutBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		if w, err := decodeResolve(body); err == nil {
			var m map[string]string
			if json.Unmarshal(body, &m) != nil || len(m) != 1 || m["winner"] != string(w) || (w != "buyer" && w != "vendor") {
				t.Fatalf("accepted winner %q from %q", w, body)
			}
		}
		if b, v, err := decodeSetAddresses(body); err == nil {
			if b == "" && v == "" {
				t.Fatalf("accepted no address from %q", body)
			}
			for _, a := range []string{b, v} {
				if a != "" && !addressPattern.MatchString(a) {
					t.Fatalf("accepted address %q from %q", a, body)
				}
			}
			var m map[string]string
			if json.Unmarshal(body, &m) != nil || m["buyer_address"] != b || m["vendor_address"] != v {
				t.Fatalf("decoded %q, %q; encoding/json reads %v", b, v, m)
			}
		}
		if err := decodeEmpty(body); err == nil {
			if s := strings.Trim(string(body), " \t\r\n{}"); s != "" || strings.Count(string(body), "{") > 1 {
				t.Fatalf("a body with no fields accepted %q", body)
			}
		}
	})
}
