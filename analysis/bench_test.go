package analysis

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkStats10k runs stats over a generated directory of 10,000 escrow
// files (a mix of successes and the shared-mode race failure), created once
// in b.TempDir(); it reports files/s.
func BenchmarkStats10k(b *testing.B) {
	const files = 10_000
	dir := b.TempDir()
	for i := range files {
		s := setup{id: fmt.Sprintf("bench-%05d", i), jitterMS: float64(i % 7)}
		if i%10 == 0 {
			s.multisigPre1 = roleVendor
			s.failAt = &failure{1, roleVendor, "make_multisig"}
			s.failCode, s.failMsg = -28, "This wallet is already multisig"
		}
		writeFixtureFile(b, dir, s.build())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		st, err := Aggregate(context.Background(), []string{dir}, StatsOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if st.Files != files || st.Failed != files/10 {
			b.Fatalf("files %d failed %d", st.Files, st.Failed)
		}
	}
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
}
