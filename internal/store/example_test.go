package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/escrowd/escrowd/internal/store"
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "store-example-")
	defer os.RemoveAll(dir)

	s, err := store.Open(ctx, filepath.Join(dir, "escrowd.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	_ = s.Create(ctx, store.Escrow{ID: "e1", TraceID: "t1", BuyerID: "alice", VendorID: "bob", Amount: 1000})
	_ = s.SetRunning(ctx, "e1")
	// The process stops here; at the next start:
	n, _ := s.MarkInterrupted(ctx)
	e, _ := s.Get(ctx, "e1")
	fmt.Println(n, e.Status, e.Error)
	// Output: 1 failed interrupted
}
