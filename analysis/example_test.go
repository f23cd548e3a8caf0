package analysis_test

import (
	"fmt"
	"log"
	"os"

	"github.com/escrowd/escrowd/analysis"
)

// Analyze one escrow file and list its anomalies.
func ExampleAnalyze() {
	f, err := analysis.ReadFile("testdata/fixtures/already_multisig_before_round1.json")
	if err != nil {
		log.Fatal(err)
	}
	a := analysis.Analyze(f, analysis.Options{})
	fmt.Println(a.Timeline.Outcome, a.Clean())
	for _, an := range a.Anomalies {
		fmt.Println(an.Kind, an.Role)
	}
	// Output:
	// failed false
	// already_multisig_before_round1 buyer
	// rpc_error buyer
}

// Find where a failed escrow left the path of a successful one.
func ExampleCompare() {
	ok, err := analysis.ReadFile("testdata/fixtures/success.json")
	if err != nil {
		log.Fatal(err)
	}
	failed, err := analysis.ReadFile("testdata/fixtures/wrong_wallet_open.json")
	if err != nil {
		log.Fatal(err)
	}
	d := analysis.Compare(ok, failed)
	fmt.Printf("Divergence at event #%d: %s\n", d.First.Index, d.First.Reason)
	// Output:
	// Divergence at event #29: type RPC_CALL_END vs RPC_CALL_ERROR
}

// Print the seed-style timeline of one escrow.
func ExampleWriteTimelineText() {
	f, err := analysis.ReadFile("testdata/fixtures/incomplete_trace.json")
	if err != nil {
		log.Fatal(err)
	}
	tl := analysis.NewTimeline(f)
	tl.Events = tl.Events[len(tl.Events)-2:] // the end is what matters here
	if err := analysis.WriteTimelineText(os.Stdout, tl, analysis.TextOptions{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// escrow incomplete  trace 000000000000696e636f6d706c657465  service escrowd
	// started 2025-01-02T03:04:05Z  events 2
	//
	// [+12800ms]   SNAPSHOT_PRE_ROUND2           role=vendor round=2 multisig=true ready=false 2/3 addr=5e5e5e5e5e5e5e5e mode=0600 balance=0
	// [+12802ms]   RPC_CALL_START                role=vendor round=2 method=exchange_multisig_keys endpoint=127.0.0.1:18101
	//
	// … incomplete: the escrow never finished (its root span did not end); shown is what was recorded until then
}

// Name why a failed escrow failed: the root-cause kind a script, the stats
// and an alert group failures by.
func ExampleRootCause() {
	f, err := analysis.ReadFile("testdata/demo/shared_already_multisig.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Outcome, analysis.RootCause(f))
	// Output:
	// failed wrong_wallet_open
}
