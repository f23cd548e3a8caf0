package walletrpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// impostor is a server that took a wallet server's port; it records every
// request it gets, headers and body.
type impostor struct {
	mu   sync.Mutex
	seen []string
}

func (im *impostor) serve(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		im.mu.Lock()
		im.seen = append(im.seen, r.Header.Get("Authorization")+"\n"+string(body))
		im.mu.Unlock()
		r.Header.Set("X-Body", string(body)) // for the answer to echo the id
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (im *impostor) requests() []string {
	im.mu.Lock()
	defer im.mu.Unlock()
	return append([]string(nil), im.seen...)
}

// Impostors' answers.
var (
	answerAll = func(w http.ResponseWriter, r *http.Request) {
		var req fakeRequest
		_ = json.Unmarshal([]byte(r.Header.Get("X-Body")), &req)
		answerResult(w, req, `{"release":false,"version":65561}`)
	}
	challengeThenAcceptAny = func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Digest ") {
			w.Header().Set("WWW-Authenticate", `Digest qop="auth",algorithm=MD5,realm="monero-rpc",nonce="bm9uY2U=",stale=false`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		answerAll(w, r)
	}
	basicChallenge = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}
)

// TestVerifyServer: the real server with our credentials passes; every
// impostor, and the real server with other credentials, is ErrForeignServer,
// and no impostor ever sees the password.
func TestVerifyServer(t *testing.T) {
	real := startWalletServers(t, 1)[0]
	const secret = "the-wallet-servers-password"
	tests := []struct {
		name    string
		answer  func(w http.ResponseWriter, r *http.Request) // nil: the real server
		user    string
		pass    string
		wantErr error
		wantMsg string
	}{
		{"real server, our credentials", nil, testUser, testPassword, nil, ""},
		{"real server, another password", nil, testUser, secret, ErrForeignServer, "with our credentials it answered HTTP 401"},
		{"answers everything", answerAll, testUser, secret, ErrForeignServer, "with no credentials it answered HTTP 200, want 401"},
		{"challenges, then accepts any digest", challengeThenAcceptAny, testUser, secret, ErrForeignServer, "with a wrong password it answered HTTP 200, want 401"},
		{"no Digest challenge", basicChallenge, testUser, secret, ErrForeignServer, "without a usable Digest challenge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := real.url
			im := &impostor{}
			if tt.answer != nil {
				url = im.serve(t, tt.answer).URL
			}
			c := newFakeClient(t, url, Options{Username: tt.user, Password: tt.pass})
			err := c.VerifyServer(t.Context())
			if !errors.Is(err, tt.wantErr) || tt.wantErr != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("VerifyServer = %v, want %v (%q)", err, tt.wantErr, tt.wantMsg)
			}
			if err != nil && strings.Contains(err.Error(), tt.pass) {
				t.Errorf("the error shows the password: %v", err)
			}
			for _, r := range im.requests() {
				if strings.Contains(r, tt.pass) {
					t.Errorf("the impostor received the password: %q", r)
				}
			}
			if tt.answer != nil && len(im.requests()) == 0 {
				t.Error("the impostor was never asked")
			}
		})
	}

	t.Run("get_version alone is fooled", func(t *testing.T) {
		// Why VerifyServer exists: the plain readiness call succeeds on an
		// impostor that answers everything.
		im := &impostor{}
		c := newFakeClient(t, im.serve(t, answerAll).URL, Options{Username: testUser, Password: secret})
		if _, err := c.GetVersion(t.Context()); err != nil {
			t.Fatalf("GetVersion on the impostor: %v", err)
		}
	})

	t.Run("nothing listening", func(t *testing.T) {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		c := newFakeClient(t, fmt.Sprintf("http://127.0.0.1:%d", port), Options{Username: testUser, Password: testPassword})
		if err := c.VerifyServer(t.Context()); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("VerifyServer = %v, want ErrUnavailable", err)
		}
	})

	t.Run("client without credentials", func(t *testing.T) {
		c := newFakeClient(t, real.url, Options{})
		if err := c.VerifyServer(t.Context()); err == nil || errors.Is(err, ErrForeignServer) {
			t.Fatalf("VerifyServer without credentials = %v, want a usage error", err)
		}
	})
}
