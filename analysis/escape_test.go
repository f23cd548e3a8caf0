package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

func TestEscapeControl(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, tabs\tand ✓ ✗ Δ", "plain text, tabs\tand ✓ ✗ Δ"},
		{"\x1b[2J\x1b]0;pwned\x07", `\x1b[2J\x1b]0;pwned\x07`},
		{"a\r\nb", `a\x0d\x0ab`},
		{"c1 \u009b31m", `c1 \x9b31m`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"del \x7f", `del \x7f`},
	}
	for _, tt := range tests {
		if got := EscapeControl(tt.in); got != tt.want {
			t.Errorf("EscapeControl(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// hostileTerminalFile is a failed escrow whose every free-text field carries
// terminal escape sequences, as a tampered or foreign file may.
func hostileTerminalFile(t *testing.T, dir string) string {
	t.Helper()
	const evil = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\r\u009b1m\u202e"
	f := setup{id: "hostile", shared: true, failAt: &failure{1, roleVendor, "make_multisig"}, failCode: -28,
		failMsg: "This wallet is already multisig" + evil}.build()
	f.Service = "escrowd" + evil
	f.Error.Operation = "make_multisig" + evil
	f.Events[0].Method = "create_wallet" + evil
	f.Events[0].Extra = map[string]json.RawMessage{"x_note": json.RawMessage(`"\u001b[5m"`)}
	for i := range f.Events {
		if s := f.Events[i].Snapshot; s != nil {
			s.WalletID += evil
			s.Error = "partial" + evil
		}
	}
	f.Events = append(f.Events, escrowtrace.Event{Seq: len(f.Events), Type: "X_EVIL" + evil, Role: "intruder" + evil,
		Time: f.Events[len(f.Events)-1].Time, OffsetMS: f.Events[len(f.Events)-1].OffsetMS})
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "escrow_hostile.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkTerminalSafe fails on any control character but newline and tab, and,
// with colour on, on any escape sequence that is not one of the renderer's.
func checkTerminalSafe(t *testing.T, what string, out []byte, color bool) {
	t.Helper()
	ours := []string{ansiReset, ansiBold, ansiDim, ansiRed, ansiGreen, ansiYellow}
	s := string(out)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0x1b && color {
			ok := false
			for _, o := range ours {
				if strings.HasPrefix(s[i:], o) {
					ok, i = true, i+len(o)-1
					break
				}
			}
			if ok {
				continue
			}
		}
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			t.Errorf("%s: control byte %#x reached the output at %d: %q", what, c, i, s[max(0, i-30):min(len(s), i+30)])
			return
		}
	}
	for _, bad := range []string{"\u009b", "\u202e"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s: %q reached the output", what, bad)
		}
	}
	if !strings.Contains(s, `\x1b]0;pwned\x07`) && !strings.Contains(s, `\\x1b]0;pwned\\x07`) && !strings.Contains(s, `\u001b]0;pwned\u0007`) {
		t.Errorf("%s: the hostile text is not shown escaped", what)
	}
}

func TestTextOutputEscapesHostileFile(t *testing.T) {
	dir := t.TempDir()
	path := hostileTerminalFile(t, dir)
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	good := setup{id: "ok"}.build()
	for _, color := range []bool{false, true} {
		o := TextOptions{Color: color}
		a := Analyze(f, Options{})
		var buf bytes.Buffer
		if err := WriteTimelineText(&buf, a.Timeline, o); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, "timeline", buf.Bytes(), color)
		buf.Reset()
		if err := WriteAnalysisText(&buf, a, o); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, "analyze", buf.Bytes(), color)
		buf.Reset()
		if err := WriteDiffText(&buf, Compare(good, f), o); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, "diff", buf.Bytes(), color)
		s, err := Aggregate(context.Background(), []string{dir}, StatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := WriteStatsText(&buf, s, o); err != nil {
			t.Fatal(err)
		}
		// stats shows roles and methods, not the messages: only check safety.
		out := buf.String()
		if strings.ContainsAny(out, "\x07\r\u009b\u202e") || (!color && strings.Contains(out, "\x1b")) {
			t.Errorf("stats: control characters reached the output: %q", out)
		}
	}
}
