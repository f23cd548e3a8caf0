package walletpool

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr string
	}{
		{"", PortRange{}, ""},
		{"18090-18099", PortRange{18090, 18099}, ""},
		{" 18090 - 18090 ", PortRange{18090, 18090}, ""},
		{"18090", PortRange{}, "want FIRST-LAST"},
		{"a-b", PortRange{}, "with numbers"},
		{"18099-18090", PortRange{}, "FIRST <= LAST"},
		{"0-10", PortRange{}, "1 <= FIRST"},
		{"65535-65536", PortRange{}, "LAST <= 65535"},
	}
	for _, tt := range tests {
		got, err := ParsePortRange(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePortRange(%q) = %v, %v; want error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePortRange(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestValidatePorts(t *testing.T) {
	tests := []struct {
		ports   PortRange
		count   int
		wantErr string
	}{
		{PortRange{}, 3, ""},
		{PortRange{20000, 20002}, 3, ""},
		{PortRange{20000, 20001}, 3, "2 ports for 3 servers"},
		{PortRange{20002, 20000}, 1, "FIRST <= LAST"},
	}
	for _, tt := range tests {
		err := SupervisorConfig{Count: tt.count, WalletDir: "w", Ports: tt.ports}.Validate()
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Ports %v, Count %d: %v; want %q", tt.ports, tt.count, err, tt.wantErr)
		}
	}
}

// TestRangePicker: the picker stays inside the range, skips a port something
// listens on, and hands out different ports in turn.
func TestRangePicker(t *testing.T) {
	// A range of three ports around a port we hold.
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	first := held.Addr().(*net.TCPAddr).Port
	if first > 65533 {
		t.Skip("kernel gave a port at the top of the range")
	}
	p := &rangePicker{r: PortRange{first, first + 2}}
	seen := map[int]bool{}
	for range 2 {
		port, err := p.pick()
		if err != nil {
			t.Skipf("neighbouring ports of %d are taken by others: %v", first, err)
		}
		if port == first {
			t.Fatalf("picked the held port %d", port)
		}
		if port < first || port > first+2 {
			t.Fatalf("picked %d outside %v", port, p.r)
		}
		if seen[port] {
			t.Fatalf("picked %d twice in a row of two", port)
		}
		seen[port] = true
	}
	// Every port held: a clear error.
	var ls []net.Listener
	for port := range seen {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Skipf("port %d taken meanwhile: %v", port, err)
		}
		ls = append(ls, l)
	}
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	if port, err := p.pick(); err == nil || !strings.Contains(err.Error(), "no free port") {
		t.Fatalf("all ports held: %d, %v", port, err)
	}
}
