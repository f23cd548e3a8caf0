package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/escrowd/escrowd/internal/api"
	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/escrows/escrowstest"
	"github.com/escrowd/escrowd/internal/store"
)

func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "api-example-")
	defer os.RemoveAll(dir)
	st, _ := store.Open(ctx, filepath.Join(dir, "escrowd.db"))
	defer st.Close()
	svc, _ := escrows.New(escrows.Config{Store: st, Runner: escrowstest.Instant(), MaxInFlight: 4})
	defer svc.Shutdown(ctx) //nolint:errcheck
	h, _ := api.New(api.Config{Service: svc})
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, body := range []string{
		`{"buyer_id":"alice","vendor_id":"bob","amount":0}`,
		`{"buyer_id":"alice","vendor_id":"bob","amount":1000000000000,"memo":"x"}`,
	} {
		resp, _ := http.Post(srv.URL+"/api/escrow/init?wait=10s", "application/json", strings.NewReader(body))
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ", string(b))
	}
	// Output:
	// 400 {"error":"amount: must be at least 1 atomic unit"}
	// 400 {"error":"unknown field \"memo\": the fields are buyer_id, vendor_id, amount, buyer_address, vendor_address"}
}
