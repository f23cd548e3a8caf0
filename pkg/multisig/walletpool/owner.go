package walletpool

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/escrowd/escrowd/internal/osprobe"
)

// errNotOurs says that what answers on a server's port is not the process
// the supervisor started (a port taken between freePort and bind, by a
// process that answers): the supervisor kills its process and tries
// another port.
var errNotOurs = errors.New("the server answering on the port is not ours")

// checkListener confirms that the socket serving 127.0.0.1:port belongs to
// pid: every socket listening on port at 127.0.0.1 or at a wildcard address
// (those take connections to 127.0.0.1:port) is among pid's descriptors, and
// there is at least one.
func checkListener(pid, port int) error {
	ls, err := osprobe.PortListeners(port)
	if err != nil {
		return err
	}
	found := 0
	for _, l := range ls {
		if !servesLoopback(l.Local.Addr()) {
			continue
		}
		ours, err := osprobe.Owns(pid, l)
		if err != nil {
			return fmt.Errorf("%w: %w", errNotOurs, err) // pid gone
		}
		if !ours {
			return fmt.Errorf("%w: %s listening on port %d belongs to another process", errNotOurs, l, port)
		}
		found++
	}
	if found == 0 {
		return fmt.Errorf("%w: pid %d does not listen on port %d", errNotOurs, pid, port)
	}
	return nil
}

var loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})

func servesLoopback(a netip.Addr) bool {
	a = a.Unmap()
	return a == loopback4 || a.IsUnspecified()
}
