package walletpool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/escrowd/escrowd/internal/osprobe"
)

// orphanKillWait bounds the wait for a killed orphan to be gone: SIGKILL
// cannot be caught, but a process in uninterruptible sleep (a disk) dies
// only when it wakes.
const orphanKillWait = 30 * time.Second

// ErrWalletDirInUse is returned by StartSupervisor when wallet servers of
// another escrowd that is still running use the same wallet directory: two
// supervisors would open each other's wallets.
var ErrWalletDirInUse = errors.New("walletpool: wallet directory in use by another running escrowd")

// reapOrphans kills, with SIGKILL, the wallet servers that an earlier run on
// walletDir left behind: processes whose argv has --wallet-dir walletDir
// and whose environment carries our marker for walletDir, and whose parent
// is no longer the escrowd that started them. Such an orphan keeps its port
// and its open wallet (the wallet files stay locked), so this run could not
// open those wallets. SIGKILL, not SIGTERM: a server stuck in its own
// shutdown does not act on SIGTERM, and wallets were stored after every
// step. It returns the PIDs it killed, once they are gone.
//
// A server whose starter is still its parent belongs to a live escrowd: one
// of this process is left alone, one of another process is
// ErrWalletDirInUse.
func reapOrphans(ctx context.Context, walletDir string, log *slog.Logger) ([]int, error) {
	pids, err := osprobe.AllPIDs()
	if err != nil {
		return nil, fmt.Errorf("walletpool: look for servers left on %s: %w", walletDir, err)
	}
	self := os.Getpid()
	var killed []*os.Process
	var errs []error
	for _, pid := range pids {
		if pid == self {
			continue
		}
		owner, ok := ourServer(pid, walletDir)
		if !ok {
			continue
		}
		st, err := osprobe.ReadStat(pid)
		if err != nil || st.State == 'Z' {
			continue // gone meanwhile, or dead already and waiting to be reaped
		}
		if st.PPID == owner {
			if owner == self {
				continue // another Supervisor of this process
			}
			errs = append(errs, fmt.Errorf("%w: server pid %d of escrowd pid %d serves %s; stop that escrowd first",
				ErrWalletDirInUse, pid, owner, walletDir))
			continue
		}
		// os.FindProcess holds a pidfd on Linux: the checks are made
		// again through it, so a PID reused meanwhile is never killed.
		p, err := os.FindProcess(pid)
		if err != nil {
			continue
		}
		if _, ok := ourServer(pid, walletDir); !ok {
			p.Release()
			continue
		}
		if err := p.Signal(syscall.SIGKILL); err != nil {
			p.Release()
			if !errors.Is(err, os.ErrProcessDone) {
				errs = append(errs, fmt.Errorf("walletpool: kill server pid %d left on %s: %w", pid, walletDir, err))
			}
			continue
		}
		log.Warn("killed a wallet server a previous run left behind", "pid", pid, "started_by", owner, "wallet_dir", walletDir)
		killed = append(killed, p)
	}
	var gone []int
	for _, p := range killed {
		if err := waitGone(ctx, p.Pid); err != nil {
			errs = append(errs, fmt.Errorf("walletpool: server pid %d left on %s: %w", p.Pid, walletDir, err))
		} else {
			gone = append(gone, p.Pid)
		}
		p.Release()
	}
	return gone, errors.Join(errs...)
}

// ourServer reports whether pid runs a server of ours on walletDir, and the
// PID of the escrowd that started it. Processes of other users cannot be
// read and are never ours.
func ourServer(pid int, walletDir string) (owner int, ok bool) {
	args, err := osprobe.Args(pid)
	if err != nil || !servesDir(args, walletDir) {
		return 0, false
	}
	env, err := osprobe.Environ(pid)
	if err != nil {
		return 0, false
	}
	return markerOf(env, walletDir)
}

// waitGone polls until pid has ended (gone, or a zombie: it runs nothing
// and holds no socket or lock), for at most orphanKillWait.
func waitGone(ctx context.Context, pid int) error {
	ctx, cancel := context.WithTimeout(ctx, orphanKillWait)
	defer cancel()
	for osprobe.Alive(pid) {
		t := time.NewTimer(pollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("still running after SIGKILL: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}
