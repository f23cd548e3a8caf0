package trace

import (
	"log/slog"

	"github.com/escrowd/escrowd/pkg/multisig"
)

func discard() *slog.Logger                 { return slog.New(slog.DiscardHandler) }
func escrowFor(id string) multisig.Escrow   { return multisig.Escrow{ID: id} }
func resultFor(addr string) multisig.Result { return multisig.Result{Address: addr} }
