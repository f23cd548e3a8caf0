package escrowtrace_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

func ExamplePath() {
	path, _ := escrowtrace.Path("traces", "0b0e7c2e-3f7a-4c1e-9d6a-2a4f1c9e8b11")
	_, err := escrowtrace.Path("traces", "../etc/passwd")
	fmt.Println(path)
	fmt.Println(err)
	// Output:
	// traces/escrow_0b0e7c2e-3f7a-4c1e-9d6a-2a4f1c9e8b11.json
	// trace file path: escrow id "../etc/passwd": not filename-safe (want ^[A-Za-z0-9_-]{1,64}$)
}

// A file of another producer may leave out what the contract defines: a
// snapshot's round (its point's) and an event's phase (setup). Decode fills
// them in, and Encode writes the file back as the exporter writes it.
func ExampleDecode_derived() {
	in := `{"schema":"escrow-trace/v1","escrow_id":"e1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
	"started_at":"2025-03-01T12:00:00Z","outcome":"incomplete","error":null,
	"events":[{"seq":0,"type":"SNAPSHOT_PRE_ROUND2","time":"2025-03-01T12:00:00Z","offset_ms":0,"role":"buyer",
	"snapshot":{"is_multisig":true}}]}`
	f, err := escrowtrace.Decode(strings.NewReader(in))
	if err != nil {
		fmt.Println(err)
		return
	}
	e := f.Events[0]
	fmt.Println(e.Type, "round", e.Round, "phase", e.Phase)
	if err := escrowtrace.Encode(os.Stdout, f); err != nil {
		fmt.Println(err)
	}
	// Output:
	// SNAPSHOT_PRE_ROUND2 round 2 phase setup
	// {
	//   "schema": "escrow-trace/v1",
	//   "escrow_id": "e1",
	//   "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
	//   "started_at": "2025-03-01T12:00:00Z",
	//   "outcome": "incomplete",
	//   "error": null,
	//   "events": [
	//     {
	//       "seq": 0,
	//       "type": "SNAPSHOT_PRE_ROUND2",
	//       "time": "2025-03-01T12:00:00Z",
	//       "offset_ms": 0,
	//       "role": "buyer",
	//       "round": 2,
	//       "snapshot": {
	//         "is_multisig": true
	//       }
	//     }
	//   ]
	// }
}

func ExampleBuild() {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	trace := "4bf92f3577b34da6a3ce929d0e0e4736"
	spans := []escrowtrace.Span{
		{
			TraceID: trace, SpanID: "0000000000000001", ParentSpanID: "00f067aa0ba902b7",
			Name: "wallet.is_multisig", Start: start.Add(time.Millisecond), End: start.Add(13 * time.Millisecond),
			Attributes: map[string]any{
				escrowtrace.AttrEscrowID: "e1", escrowtrace.AttrEscrowRole: "buyer",
				escrowtrace.AttrRPCMethod: "is_multisig", escrowtrace.AttrServerAddress: "127.0.0.1", escrowtrace.AttrServerPort: int64(18090),
			},
		},
		{
			TraceID: trace, SpanID: "00f067aa0ba902b7", Name: escrowtrace.SpanNameEscrow,
			Start: start, End: start.Add(20 * time.Millisecond),
			Attributes: map[string]any{escrowtrace.AttrEscrowID: "e1", escrowtrace.AttrEscrowOutcome: "success"},
		},
	}
	f, err := escrowtrace.Build(spans, escrowtrace.BuildOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.EscrowID, f.Outcome, *f.DurationMS)
	for _, e := range f.Events {
		fmt.Println(e.Seq, e.Type, e.Role, e.Method, e.Endpoint, e.OffsetMS)
	}
	// Output:
	// e1 success 20
	// 0 RPC_CALL_START buyer is_multisig 127.0.0.1:18090 1
	// 1 RPC_CALL_END buyer is_multisig 127.0.0.1:18090 13
}

func ExampleDecode() {
	in := `{"schema":"escrow-trace/v1","escrow_id":"e1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
	"started_at":"2025-03-01T12:00:00Z","outcome":"incomplete","error":null,
	"events":[{"seq":0,"type":"RPC_CALL_START","time":"2025-03-01T12:00:00Z","offset_ms":"0"}]}`
	_, err := escrowtrace.Decode(strings.NewReader(in))
	fmt.Println(err)
	// Output:
	// decode escrow trace: events[0].offset_ms: want a number, got "0"
}

// When a later phase of an escrow ends, its file gets the phase: Merge adds
// it to the file as it is, and the top level becomes the latest phase's.
func ExampleMerge() {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	span := func(id, name, phase string, from, to int, outcome string) escrowtrace.Span {
		attrs := map[string]any{escrowtrace.AttrEscrowID: "e1", escrowtrace.AttrEscrowOutcome: outcome}
		if phase != "" {
			attrs[escrowtrace.AttrEscrowPhase] = phase
		}
		return escrowtrace.Span{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: id, Name: name,
			Start: at(from), End: at(to), Attributes: attrs}
	}
	setup, _ := escrowtrace.Build([]escrowtrace.Span{span("00000000000000a1", "escrow.setup", "", 0, 900, "success")}, escrowtrace.BuildOptions{})
	fund, _ := escrowtrace.Build([]escrowtrace.Span{span("00000000000000b2", "escrow.fund", "fund", 5000, 5200, "success")}, escrowtrace.BuildOptions{})
	f, err := escrowtrace.Merge(setup, fund)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range f.Phases {
		fmt.Println(p.Name, p.Outcome, p.StartedAt.Sub(f.StartedAt), *p.DurationMS)
	}
	fmt.Println("file:", f.Outcome, *f.DurationMS)
	// Output:
	// setup success 0s 900
	// fund success 5s 200
	// file: success 200
}
