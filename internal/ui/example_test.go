package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"

	"github.com/escrowd/escrowd/internal/ui"
)

// dirSource lists nothing and finds trace files in one directory, as
// escrowd's traces directory holds them.
type dirSource struct{ dir string }

func (s dirSource) List(context.Context, int) ([]ui.Entry, error) { return nil, nil }

func (s dirSource) OpenTrace(_ context.Context, id string) (io.ReadCloser, error) {
	if id != "race-b" {
		return nil, ui.ErrNotFound
	}
	return os.Open(filepath.Join(s.dir, "already_multisig_before_round1.json"))
}

// Mount the pages on escrowd's echo server and open one escrow.
func ExampleRegister() {
	e := echo.New()
	ui.Register(e, dirSource{dir: "../../analysis/testdata/fixtures"}, ui.Options{JaegerUIURL: "http://127.0.0.1:16686"})

	for _, path := range []string{"/ui/escrow/race-b", "/ui/escrow/nobody", "/ui/escrow/no.such.id"} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Println(path, rec.Code)
	}
	// Output:
	// /ui/escrow/race-b 200
	// /ui/escrow/nobody 404
	// /ui/escrow/no.such.id 400
}
