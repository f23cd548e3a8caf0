package walletrpc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRequestShape(t *testing.T) {
	var mu sync.Mutex
	var got []fakeRequest
	var paths, types []string
	srv := fakeServer(t, func(w http.ResponseWriter, r *http.Request, req fakeRequest) {
		mu.Lock()
		got = append(got, req)
		paths = append(paths, r.Method+" "+r.URL.Path)
		types = append(types, r.Header.Get("Content-Type"))
		mu.Unlock()
		answerResult(w, req, `{}`)
	})
	c := newFakeClient(t, srv.URL, Options{})
	ctx := context.Background()
	if err := c.Store(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWallet(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PrepareMultisig(ctx); err != nil {
		t.Fatal(err)
	}
	wantParams := []string{"", `{"autosave_current":true}`, `{"enable_multisig_experimental":true}`}
	wantMethods := []string{"store", "close_wallet", "prepare_multisig"}
	if len(got) != len(wantParams) {
		t.Fatalf("server saw %d requests, want %d", len(got), len(wantParams))
	}
	for i, req := range got {
		if req.JSONRPC != "2.0" || req.Method != wantMethods[i] || string(req.Params) != wantParams[i] {
			t.Errorf("request %d = %+v (params %s), want method %s params %q", i, req, req.Params, wantMethods[i], wantParams[i])
		}
		if string(req.ID) != strconv.Itoa(i+1) {
			t.Errorf("request %d id = %s, want %d", i, req.ID, i+1)
		}
		if paths[i] != "POST /json_rpc" || types[i] != "application/json" {
			t.Errorf("request %d: %s with Content-Type %q", i, paths[i], types[i])
		}
	}
}

func TestAnswers(t *testing.T) {
	const limit = 1024
	tests := []struct {
		name    string
		answer  func(w http.ResponseWriter, req fakeRequest)
		want    error  // nil = success
		wantMsg string // substring of the error
	}{
		{"result", func(w http.ResponseWriter, req fakeRequest) {
			answerResult(w, req, `{"version":65561,"release":false}`)
		}, nil, ""},
		{"result at the size limit", func(w http.ResponseWriter, req fakeRequest) {
			head := `{"id":` + string(req.ID) + `,"jsonrpc":"2.0","result":{"version":65561,"pad":"`
			tail := `"}}`
			_, _ = io.WriteString(w, head+strings.Repeat("x", limit-len(head)-len(tail))+tail)
		}, nil, ""},
		{"larger than the limit", func(w http.ResponseWriter, req fakeRequest) {
			answerResult(w, req, `{"version":65561,"pad":"`+strings.Repeat("x", limit)+`"}`)
		}, ErrUnavailable, "larger than 1024 bytes"},
		{"bad JSON", func(w http.ResponseWriter, req fakeRequest) {
			_, _ = io.WriteString(w, `{"id":1,"result":`)
		}, ErrUnavailable, "bad JSON answer"},
		{"HTML page", func(w http.ResponseWriter, req fakeRequest) {
			_, _ = io.WriteString(w, `<html>proxy error</html>`)
		}, ErrUnavailable, "bad JSON answer"},
		{"HTTP 500", func(w http.ResponseWriter, req fakeRequest) {
			w.WriteHeader(http.StatusInternalServerError)
		}, ErrUnavailable, "HTTP 500"},
		{"HTTP 401 without challenge", func(w http.ResponseWriter, req fakeRequest) {
			w.WriteHeader(http.StatusUnauthorized)
		}, ErrUnauthorized, "HTTP 401"},
		{"id mismatch", func(w http.ResponseWriter, req fakeRequest) {
			_, _ = io.WriteString(w, `{"id":999,"jsonrpc":"2.0","result":{"version":1}}`)
		}, ErrUnavailable, "answer id"},
		{"string id", func(w http.ResponseWriter, req fakeRequest) {
			_, _ = io.WriteString(w, `{"id":"`+string(req.ID)+`","jsonrpc":"2.0","result":{"version":1}}`)
		}, ErrUnavailable, "answer id"},
		{"parse error answered with id 0", func(w http.ResponseWriter, req fakeRequest) {
			_, _ = io.WriteString(w, `{"id":0,"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}}`)
		}, ErrBadRequest, "code -32700: Parse error"},
		{"neither result nor error", func(w http.ResponseWriter, req fakeRequest) {
			_, _ = io.WriteString(w, `{"id":`+string(req.ID)+`,"jsonrpc":"2.0"}`)
		}, ErrUnavailable, "neither result nor error"},
		{"null result", func(w http.ResponseWriter, req fakeRequest) {
			answerResult(w, req, `null`)
		}, ErrUnavailable, "neither result nor error"},
		{"result of the wrong type", func(w http.ResponseWriter, req fakeRequest) {
			answerResult(w, req, `{"version":"one"}`)
		}, ErrUnavailable, "decode result"},
		{"body cut short", func(w http.ResponseWriter, req fakeRequest) {
			w.Header().Set("Content-Length", "500")
			_, _ = io.WriteString(w, `{"id":`+string(req.ID)+`,"result":{`)
		}, ErrUnavailable, "read answer"},
		{"connection dropped", func(w http.ResponseWriter, req fakeRequest) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, ErrUnavailable, "EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakeServer(t, func(w http.ResponseWriter, _ *http.Request, req fakeRequest) { tc.answer(w, req) })
			c := newFakeClient(t, srv.URL, Options{MaxResponseBytes: limit})
			v, err := c.GetVersion(context.Background())
			if tc.want == nil {
				if err != nil || v != 65561 {
					t.Fatalf("got %d, %v; want 65561, nil", v, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.wantMsg) || !strings.Contains(msg, "get_version") {
				t.Fatalf("error %q, want it to name get_version and contain %q", msg, tc.wantMsg)
			}
		})
	}
}

// blockingServer answers nothing until the client goes away, and counts the
// requests that reached it.
func blockingServer(t *testing.T) (url string, reached func() int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := fakeServer(t, func(w http.ResponseWriter, r *http.Request, req fakeRequest) {
		mu.Lock()
		n++
		mu.Unlock()
		<-r.Context().Done()
	})
	return srv.URL, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func TestContextEnds(t *testing.T) {
	url, _ := blockingServer(t)
	tests := []struct {
		name string
		opts Options
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"Options.Timeout", Options{Timeout: 20 * time.Millisecond}, func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, context.DeadlineExceeded},
		{"earlier ctx deadline", Options{Timeout: time.Hour}, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancelled ctx", Options{}, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeClient(t, url, tc.opts)
			ctx, cancel := tc.ctx()
			defer cancel()
			_, err := c.GetVersion(ctx)
			if !errors.Is(err, tc.want) || errors.Is(err, ErrUnavailable) {
				t.Fatalf("got %v, want %v and not ErrUnavailable", err, tc.want)
			}
			if msg := err.Error(); !strings.Contains(msg, "get_version") || !strings.Contains(msg, c.Endpoint()) {
				t.Fatalf("error %q does not name method and endpoint", msg)
			}
		})
	}
}

// TestDigestTurns checks that authenticated requests of one client take turns
// (see digestTransport) and that waiting for a turn honours the context.
func TestDigestTurns(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	reached := 0
	srv := fakeServer(t, func(w http.ResponseWriter, r *http.Request, req fakeRequest) {
		mu.Lock()
		reached++
		first := reached == 1
		mu.Unlock()
		if first {
			<-release
		}
		answerResult(w, req, `{"version":65561}`)
	})
	// The fake asks for no auth, so digest.Transport passes answers through;
	// only the turn-taking is under test.
	c := newFakeClient(t, srv.URL, Options{Username: "u", Password: "p"})

	firstDone := make(chan error, 1)
	go func() {
		_, err := c.GetVersion(context.Background())
		firstDone <- err
	}()
	// Wait until the first request is at the server and holds the turn.
	for deadline := time.Now().Add(10 * time.Second); ; {
		mu.Lock()
		n := reached
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first request never reached the server")
		}
		time.Sleep(time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.With().GetVersion(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second call while the first holds the turn: got %v, want DeadlineExceeded", err)
	}
	mu.Lock()
	if reached != 1 {
		t.Errorf("server saw %d requests while the first held the turn, want 1", reached)
	}
	mu.Unlock()

	close(release)
	if err := <-firstDone; err != nil {
		t.Fatalf("first call: %v", err)
	}
	if _, err := c.GetVersion(context.Background()); err != nil {
		t.Fatalf("call after the turn was handed on: %v", err)
	}
}
