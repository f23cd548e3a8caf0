// Package jaegertest runs a real Jaeger v2 for tests: the binary built from
// deploy/jaeger (scripts/jaeger.sh build), with deploy/jaeger/config.yaml
// (memory storage, no batching, everything on 127.0.0.1) on free ports, one
// process per Start, stopped when the test ends.
//
// Start with:
//
//	j := jaegertest.Start(t)
//	exp, _ := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPEndpoint()), otlptracegrpc.WithInsecure())
//	// ... export spans, then:
//	raw, err := j.WaitTrace(ctx, traceID, 2) // the v1 answer once it has 2 spans
//	v3, status, err := j.TraceV3(ctx, traceID)
//
// The binary is found through ESCROWD_JAEGER_BIN or the build cache
// (scripts/jaeger.sh path). When it is missing, Start skips the test under
// -short and otherwise builds it first (about 6 minutes cold).
package jaegertest
