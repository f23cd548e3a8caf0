package osprobe

import (
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"slices"
	"testing"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"0100007F", "127.0.0.1", false},
		{"00000000", "0.0.0.0", false},
		{"0101A8C0", "192.168.1.1", false},
		{"00000000000000000000000001000000", "::1", false},
		{"00000000000000000000000000000000", "::", false},
		{"0000000000000000FFFF00000100007F", "::ffff:127.0.0.1", false},
		{"B80D0120000000000000000001000000", "2001:db8::1", false},
		{"0100007", "", true},
		{"0100", "", true},
		{"zz00007F", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseAddr(tt.in)
			if (err != nil) != tt.wantErr || err == nil && got.String() != tt.want {
				t.Errorf("parseAddr(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseListening(t *testing.T) {
	const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 4243 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17 1 0000000000000000 100 0 0 10 0
`
	tests := []struct {
		name    string
		data    string
		want    []Listener
		wantErr bool
	}{
		{"listening rows only", tcp, []Listener{
			{Table: "tcp", Local: netip.MustParseAddrPort("127.0.0.1:8080"), Inode: "4242"},
			{Table: "tcp", Local: netip.MustParseAddrPort("0.0.0.0:22"), Inode: "17"},
		}, false},
		{"header only", "  sl  local_address rem_address   st\n", nil, false},
		{"bad port", "h\n 0: 0100007F:XYZ 00000000:0000 0A 0 0 0 0 0 1\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseListening("tcp", []byte(tt.data))
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("parseListening = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:1", true},
		{"127.1.2.3:1", true},
		{"[::1]:1", true},
		{"[::ffff:127.0.0.1]:1", true},
		{"0.0.0.0:1", false},
		{"[::]:1", false},
		{"192.168.1.1:1", false},
	}
	for _, tt := range tests {
		if got := (Listener{Local: netip.MustParseAddrPort(tt.addr)}).Loopback(); got != tt.want {
			t.Errorf("Loopback(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestListenersOfProcesses: the test process's own loopback listener is
// found (and is loopback); a child that opened no socket has none; a gone
// process is an error.
func TestListenersOfProcesses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	want := netip.MustParseAddrPort(ln.Addr().String())

	r := run(func(r *reports) {
		ls := CheckLoopback(r, os.Getpid())
		if !slices.ContainsFunc(ls, func(l Listener) bool { return l.Local == want && l.Table == "tcp" }) {
			r.Errorf("own listeners %v lack %v", ls, want)
		}
	})
	if len(r.errors) > 0 || r.fatal != "" {
		t.Errorf("own process: %q %q", r.errors, r.fatal)
	}

	cmd, _ := startSleep(t)
	if ls, err := Listeners(cmd.Process.Pid); err != nil || len(ls) != 0 {
		t.Errorf("sleep's listeners: %v, %v; want none", ls, err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, err := Listeners(cmd.Process.Pid); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("listeners of a gone process: %v, want fs.ErrNotExist", err)
	}
	r = run(func(r *reports) { CheckLoopback(r, cmd.Process.Pid) })
	if r.fatal == "" {
		t.Error("CheckLoopback of a gone process did not end the test")
	}
}
