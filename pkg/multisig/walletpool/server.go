package walletpool

import (
	"sync"
	"sync/atomic"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Server is one wallet RPC server that escrowd may lease: embedded (started
// and restarted by a Supervisor) or external (NewExternal).
//
// All methods are safe for concurrent use. URL and Client may change when an
// embedded server had to be restarted on another port: a caller that gets
// walletrpc.ErrUnavailable should ask for Client again.
type Server struct {
	id        string
	walletDir string

	ep      atomic.Pointer[endpoint]
	healthy atomic.Bool
	pid     atomic.Int64

	// recycle kills the process pid for a restart (embedded servers only).
	recycle func(pid int, reason string) bool

	mu       sync.Mutex
	watchers map[uint64]func()
	nextID   uint64
}

// endpoint is swapped as a whole so that URL and Client always agree.
type endpoint struct {
	url    string
	client *walletrpc.Client
}

// ID is the server's stable name: "wallet-rpc-<i>" for embedded servers, the
// URL's host:port for external ones.
func (s *Server) ID() string { return s.id }

// URL is the server's base URL, e.g. "http://127.0.0.1:18083".
func (s *Server) URL() string {
	if ep := s.ep.Load(); ep != nil {
		return ep.url
	}
	return ""
}

// Client is a client holding the server's credentials. It is shared: wrap it
// with Client().With(mw) to add middleware instead of changing it.
func (s *Server) Client() *walletrpc.Client {
	if ep := s.ep.Load(); ep != nil {
		return ep.client
	}
	return nil
}

// WalletDir is the local directory holding the server's wallet files, or ""
// for an external server (whose files escrowd cannot inspect).
func (s *Server) WalletDir() string { return s.walletDir }

// Healthy reports whether the server is up: false while an embedded server's
// process is down or restarting.
func (s *Server) Healthy() bool { return s.healthy.Load() }

// PID is the process ID of an embedded server's current process, 0 for an
// external server or while no process runs.
func (s *Server) PID() int { return int(s.pid.Load()) }

func (s *Server) String() string { return s.id }

// Recycle replaces a server that stopped answering: an embedded server's
// process pid is killed (SIGKILL: a hung or stopped process does not act on
// SIGTERM) if it is still the server's current process, the server is
// unhealthy at once so that no new lease gets it, and its Supervisor restarts
// it as it does any process that died. pid is the PID the caller saw when its
// call started (PID), so that a late report never kills a fresh process. It
// reports whether a process was killed; an external server is never
// recycled (escrowd does not run it) and returns false.
func (s *Server) Recycle(pid int, reason string) bool {
	if s.recycle == nil || pid <= 0 {
		return false
	}
	return s.recycle(pid, reason)
}

// setHealthy records a health change and tells the watchers (pools) so that
// they can serve waiters that this server may now satisfy.
func (s *Server) setHealthy(h bool) {
	if s.healthy.Swap(h) == h {
		return
	}
	s.mu.Lock()
	fns := make([]func(), 0, len(s.watchers))
	for _, fn := range s.watchers {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	// Called without s.mu so that a watcher may call back into the Server.
	for _, fn := range fns {
		fn()
	}
}

// watch registers fn to be called after every health change; the returned
// func unregisters it.
func (s *Server) watch(fn func()) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watchers == nil {
		s.watchers = make(map[uint64]func())
	}
	id := s.nextID
	s.nextID++
	s.watchers[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.watchers, id)
	}
}
