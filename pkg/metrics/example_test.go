package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/metrics"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Metrics on with the /metrics handler; an escrow's setup failed, another
// one succeeded; Prometheus scrapes.
func ExampleRecorder_Handler() {
	ctx := context.Background()
	rec, err := metrics.Setup(ctx, metrics.ConfigFromEnv(func(k string) string {
		return map[string]string{"ENABLE_INSTRUMENTATION": "1"}[k]
	}))
	if err != nil {
		panic(err)
	}
	defer rec.Shutdown(ctx)
	rec.EscrowEnded(ctx, escrow.PhaseSetup, multisig.ModeLeased, 40*time.Second, nil)
	rec.EscrowEnded(ctx, escrow.PhaseSetup, multisig.ModeShared, 10*time.Second, walletrpc.ErrAlreadyMultisig)

	w := httptest.NewRecorder()
	rec.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, line := range strings.Split(w.Body.String(), "\n") {
		if strings.HasPrefix(line, "escrowd_escrows_total{") {
			fmt.Println(line[:strings.Index(line, ",otel_scope")] + "} " + line[strings.LastIndex(line, " ")+1:])
		}
	}
	// Output:
	// escrowd_escrows_total{escrow_error_kind="",escrow_mode="leased",escrow_outcome="success",escrow_phase="setup"} 1
	// escrowd_escrows_total{escrow_error_kind="already_multisig",escrow_mode="shared",escrow_outcome="failed",escrow_phase="setup"} 1
}

// With metrics off the recorder adds nothing: no middleware, the tracing
// observer as it is, and /metrics answers 404 saying how to turn them on.
func ExampleRecorder_off() {
	rec, _ := metrics.Setup(context.Background(), metrics.Config{})
	w := httptest.NewRecorder()
	rec.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	fmt.Println(rec.Middleware() == nil, rec.Observer(nil) == nil, w.Code)
	// Output: true true 404
}
