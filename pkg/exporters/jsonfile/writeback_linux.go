//go:build linux && (amd64 || arm64 || riscv64 || loong64 || s390x || mips64 || mips64le)

package jsonfile

import (
	"os"
	"syscall"
)

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE: start writeback of the dirty
// pages, without waiting.
const syncFileRangeWrite = 2

// startWriteback starts writing f's data to disk without waiting for it, so
// that the blocks of every file in a batch are allocated, and their writes
// issued, before the first fsync: that fsync's journal commit then covers
// the others, whose own fsyncs find little left to do. It is a hint: the
// fsync that follows is what makes the file durable, so errors are ignored.
func startWriteback(f *os.File) {
	_, _, _ = syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, f.Fd(), 0, 0, syncFileRangeWrite, 0, 0)
}
