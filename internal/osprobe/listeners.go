package osprobe

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Listener is a listening TCP socket.
type Listener struct {
	// Table is the /proc/net table it is in: "tcp" or "tcp6".
	Table string
	Local netip.AddrPort
	Inode string
}

func (l Listener) String() string { return l.Table + " " + l.Local.String() }

// Loopback reports whether the socket is bound to a loopback address
// (127.0.0.0/8, ::1, or 127.x mapped into IPv6).
func (l Listener) Loopback() bool { return l.Local.Addr().Unmap().IsLoopback() }

// Listeners lists the TCP sockets pid listens on: the sockets among its
// open file descriptors that its network namespace's /proc/<pid>/net/tcp
// and tcp6 show in state LISTEN.
func Listeners(pid int) ([]Listener, error) {
	inodes, err := socketInodes(pid)
	if err != nil {
		return nil, err
	}
	var out []Listener
	for _, table := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if errors.Is(err, fs.ErrNotExist) {
			continue // no IPv6 in this kernel
		}
		if err != nil {
			return nil, fmt.Errorf("osprobe: listeners of pid %d: %w", pid, err)
		}
		ls, err := parseListening(table, data)
		if err != nil {
			return nil, fmt.Errorf("osprobe: listeners of pid %d: %w", pid, err)
		}
		for _, l := range ls {
			if inodes[l.Inode] {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// CheckLoopback reports (t.Errorf) every TCP socket pid listens on that is
// not bound to a loopback address, and returns them all; a pid whose
// sockets cannot be read ends the test.
func CheckLoopback(t TB, pid int) []Listener {
	t.Helper()
	ls, err := Listeners(pid)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	for _, l := range ls {
		if !l.Loopback() {
			t.Errorf("pid %d listens on %s: not loopback", pid, l)
		}
	}
	return ls
}

// PortListeners lists the TCP sockets of this process's network namespace
// that listen on port, whoever owns them, from /proc/self/net/tcp and tcp6.
func PortListeners(port int) ([]Listener, error) {
	var out []Listener
	for _, table := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile("/proc/self/net/" + table)
		if errors.Is(err, fs.ErrNotExist) {
			continue // no IPv6 in this kernel
		}
		if err != nil {
			return nil, fmt.Errorf("osprobe: listeners on port %d: %w", port, err)
		}
		ls, err := parseListening(table, data)
		if err != nil {
			return nil, fmt.Errorf("osprobe: listeners on port %d: %w", port, err)
		}
		for _, l := range ls {
			if int(l.Local.Port()) == port {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// Owns reports whether l's socket is among pid's open descriptors. An error
// wrapping fs.ErrNotExist means pid is gone.
func Owns(pid int, l Listener) (bool, error) {
	inodes, err := socketInodes(pid)
	if err != nil {
		return false, err
	}
	return inodes[l.Inode], nil
}

// socketInodes is the inodes of the sockets among pid's open descriptors.
func socketInodes(pid int) (map[string]bool, error) {
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		return nil, fmt.Errorf("osprobe: sockets of pid %d: %w", pid, err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if inode, ok := strings.CutPrefix(target, "socket:["); ok {
			out[strings.TrimSuffix(inode, "]")] = true
		}
	}
	return out, nil
}

// tcpListen is the kernel's TCP_LISTEN state as /proc/net/tcp prints it.
const tcpListen = "0A"

// parseListening parses the LISTEN rows of a /proc/net/tcp or tcp6 table:
//
//	sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
func parseListening(table string, data []byte) ([]Listener, error) {
	var out []Listener
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != tcpListen {
			continue
		}
		addrHex, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			return nil, fmt.Errorf("%s: local address %q", table, f[1])
		}
		addr, err := parseAddr(addrHex)
		if err != nil {
			return nil, fmt.Errorf("%s: local address %q: %w", table, f[1], err)
		}
		port, err := strconv.ParseUint(portHex, 16, 16)
		if err != nil {
			return nil, fmt.Errorf("%s: port %q: %w", table, portHex, err)
		}
		out = append(out, Listener{Table: table, Local: netip.AddrPortFrom(addr, uint16(port)), Inode: f[9]})
	}
	return out, sc.Err()
}

// parseAddr decodes an address as the kernel prints it: 32-bit words of the
// address in network order, each printed as a number in the host's byte
// order (127.0.0.1 is "0100007F" on little-endian machines).
func parseAddr(s string) (netip.Addr, error) {
	raw, err := hex.DecodeString(s)
	if err != nil {
		return netip.Addr{}, err
	}
	if len(raw) != 4 && len(raw) != 16 {
		return netip.Addr{}, fmt.Errorf("%d bytes, want 4 or 16", len(raw))
	}
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(raw[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return addr, nil
}
