package analysis_test

import (
	"fmt"
	"log"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// A payout that failed is named by its root cause, and its steps show what
// each signer did: the naive payout never refreshed before the import.
func ExampleAnalysis_Lifecycle() {
	f, err := analysis.ReadFile("testdata/lifecycle/import_before_refresh.json")
	if err != nil {
		log.Fatal(err)
	}
	a := analysis.Analyze(f, analysis.Options{})
	fmt.Println("root cause:", a.RootCause())
	for _, p := range a.Lifecycle.Phases {
		fmt.Println(p.Name, p.Outcome)
	}
	release := a.Lifecycle.Phases[2]
	for _, st := range release.Steps[:4] {
		fmt.Println(st.Name, st.Cells[0].Role, st.Cells[0].Status)
	}
	// Output:
	// root cause: import_before_refresh
	// setup success
	// fund success
	// release failed
	// refresh buyer skipped
	// export buyer ok
	// import buyer ok
	// transfer buyer error
}

// Look at one phase of an escrow's lifecycle.
func ExampleOnlyPhase() {
	f, err := analysis.ReadFile("testdata/lifecycle/released.json")
	if err != nil {
		log.Fatal(err)
	}
	release, err := analysis.OnlyPhase(f, escrow.PhaseRelease)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(release.Outcome, len(release.Events), "events from seq", release.Events[0].Seq)
	if _, err := analysis.OnlyPhase(f, escrow.PhaseRefund); err != nil {
		fmt.Println(err)
	}
	// Output:
	// success 63 events from seq 58
	// escrow released has no refund phase (it has setup, fund, release)
}
