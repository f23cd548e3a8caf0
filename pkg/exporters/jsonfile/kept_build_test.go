package jsonfile

import (
	"reflect"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/exporters/jsonfile/internal/spanconv"
)

// TestKeptBuildsTheSameFile: what the exporter keeps of spans without the
// otlp section gives the file that the full conversion gives.
func TestKeptBuildsTheSameFile(t *testing.T) {
	tests := []struct {
		name string
		c    escrowCase
		opts escrowtrace.BuildOptions
	}{
		{"success", escrowCase{escrowID: "e1", trace: 1, start: t0}, escrowtrace.BuildOptions{}},
		{"failed", escrowCase{escrowID: "e2", trace: 2, start: t0, failed: true}, escrowtrace.BuildOptions{}},
		{"incomplete", escrowCase{escrowID: "e3", trace: 3, start: t0}, escrowtrace.BuildOptions{Incomplete: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var full, kept []escrowtrace.Span
			for _, ro := range escrowStubs(tt.c).Snapshots() {
				full = append(full, spanconv.Convert(ro))
				k := spanconv.Keep(ro, false)
				kept = append(kept, k.Span())
			}
			want, err := escrowtrace.Build(full, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := escrowtrace.Build(kept, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Build of kept spans differs:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}
