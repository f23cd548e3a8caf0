package jsonfile_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/exporters/jsonfile"
)

func ExampleNew() {
	dir, err := os.MkdirTemp("", "traces")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	exp, err := jsonfile.New(jsonfile.Config{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	// escrowd uses the batch processor; the simple one keeps the example short.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(exp)))
	tracer := tp.Tracer("example")

	ctx, root := tracer.Start(context.Background(), escrowtrace.SpanNameEscrow,
		sdktraceAttrs(attribute.String(escrowtrace.AttrEscrowID, "example-1")))
	_, call := tracer.Start(ctx, "wallet is_multisig", sdktraceAttrs(
		attribute.String(escrowtrace.AttrEscrowID, "example-1"),
		attribute.String(escrowtrace.AttrEscrowRole, "buyer"),
		attribute.String(escrowtrace.AttrRPCMethod, "is_multisig")))
	call.End()
	root.SetAttributes(attribute.String(escrowtrace.AttrEscrowOutcome, escrowtrace.OutcomeSuccess))
	root.End() // the root's end queues the file; Shutdown returns once it is durable
	if err := tp.Shutdown(context.Background()); err != nil {
		fmt.Println(err)
		return
	}

	data, err := os.ReadFile(filepath.Join(dir, "escrow_example-1.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := escrowtrace.Decode(bytesReader(data))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.EscrowID, f.Outcome)
	for _, e := range f.Events {
		fmt.Println(e.Seq, e.Type, e.Role, e.Method)
	}
	fmt.Printf("%+v\n", exp.Stats())
	// Output:
	// example-1 success
	// 0 RPC_CALL_START buyer is_multisig
	// 1 RPC_CALL_END buyer is_multisig
	// {FilesWritten:1 WriteErrors:0 DroppedSpans:0 DroppedTraces:0 RefusedIDs:0 NonEscrowTraces:0 RemoteParentSpans:0 Buffered:0}
}
