package deploytest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestJaegerRelease(t *testing.T) {
	tests := []struct {
		module  string
		want    string
		wantErr bool
	}{
		// Pairs from the module's CHANGELOG.md.
		{module: "v1.76.0", want: "2.13.0"},
		{module: "v1.75.0", want: "2.12.0"},
		{module: "v1.70.0", want: "2.7.0"},
		{module: "v1.64.0", want: "2.1.0"},
		{module: "v1.76.2", want: "2.13.2"},
		{module: "v1.63.0", wantErr: true}, // last v1-only release
		{module: "v2.13.0", wantErr: true},
		{module: "v1.76.0-rc1", wantErr: true},
		{module: "1.76.0", wantErr: true},
		{module: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			got, err := JaegerRelease(tt.module)
			if (err != nil) != tt.wantErr {
				t.Fatalf("JaegerRelease(%q) error = %v, wantErr %v", tt.module, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("JaegerRelease(%q) = %q, want %q", tt.module, got, tt.want)
			}
		})
	}
}

func TestPinnedJaegerModule(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		gomod   string
		want    string
		wantErr bool
	}{
		{
			name:  "tool module with indirect require",
			gomod: "module x\n\ngo 1.26\n\ntool github.com/jaegertracing/jaeger/cmd/jaeger\n\nrequire (\n\tgithub.com/jaegertracing/jaeger v1.76.0 // indirect\n\tgithub.com/jaegertracing/jaeger-idl v0.6.0 // indirect\n)\n",
			want:  "v1.76.0",
		},
		{
			name:    "no jaeger",
			gomod:   "module x\n\ngo 1.26\n\nrequire github.com/jaegertracing/jaeger-idl v0.6.0\n",
			wantErr: true,
		},
		{
			name:    "not a go.mod",
			gomod:   "module x\nrequire (\n",
			wantErr: true,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(filepath.Base(t.Name())+string(rune('a'+i))+".mod", tt.gomod)
			got, err := PinnedJaegerModule(p)
			if (err != nil) != tt.wantErr {
				t.Fatalf("PinnedJaegerModule error = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("PinnedJaegerModule = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := PinnedJaegerModule(filepath.Join(dir, "missing.mod")); err == nil {
		t.Error("PinnedJaegerModule of a missing file: want an error")
	}
}
