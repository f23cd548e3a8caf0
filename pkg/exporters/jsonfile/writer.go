package jsonfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// writeQueueLen bounds the files built and waiting for the writer (33 KB
// each, 160 KB with the otlp section); the writer holds one more batch of at
// most as many while it writes it. A producer that finds the queue full
// waits: the exporter never drops an escrow's file for want of room.
const writeQueueLen = 32

// fileJob is one version of one escrow's file, from the moment it is built
// until the writer is done with it.
type fileJob struct {
	seq        uint64    // order of queueing; the writer finishes jobs in this order
	tb         *traceBuf // its trace, to retry a complete file that failed
	gen        uint64    // tb.gen when queued: a newer version supersedes this one's retry
	incomplete bool
	escrowID   string
	name       string
	data       []byte // the file; with merge, the buffer to encode the merged file into
	// file is the version as built; with merge, the writer merges it into
	// the escrow's file as it is (escrowtrace.Merge) before writing.
	file  *escrowtrace.File
	merge bool
	later bool  // a phase after the setup: a missing earlier file is logged
	err   error // set by the writer before it finishes the job
	cause error // err unwrapped, as the log says it
}

// enqueue queues a built file and starts the writer if it is not running.
// The caller holds e.mu and has made room (waitRoom).
func (e *Exporter) enqueue(j *fileJob) {
	e.queued++
	j.seq = e.queued
	e.queue = append(e.queue, j)
	if e.writerExited == nil {
		e.writerExited = make(chan struct{})
		go e.writeLoop(e.writerExited)
	}
}

// writeLoop is the writer: it takes every queued file at once, writes them
// outside the lock (each to a temp file, fsynced, renamed over the old one),
// fsyncs the directory once for all of them (group commit), then counts and
// logs the results. It returns when the queue is empty; the next enqueue
// starts it again, so an idle exporter holds no goroutine.
func (e *Exporter) writeLoop(exited chan struct{}) {
	defer close(exited)
	e.mu.Lock()
	defer e.mu.Unlock()
	var batch []*fileJob
	for len(e.queue) > 0 {
		batch, e.queue = e.queue, batch[:0]
		e.signal() // room in the queue
		e.mu.Unlock()
		if e.beforeBatch != nil {
			e.beforeBatch()
		}
		e.mergeBatch(batch)
		writeBatch(e.cfg.Dir, batch, e.noSync)
		e.mu.Lock()
		e.finish(batch)
		e.signal() // files durable (or failed)
		clear(batch)
	}
	e.writerExited = nil
}

// writeBatch writes the jobs' files and makes them durable with as few
// journal commits as it can: every temp file is written and its writeback
// started first, then each is fsynced (the first fsync's commit carries the
// others' blocks too) and renamed, in queue order, so that of two versions
// of one file the newer is renamed last; then one directory fsync makes all
// the renames durable. A job succeeds only if that fsync does.
func writeBatch(dir string, batch []*fileJob, noSync bool) {
	tmps := make([]*os.File, len(batch))
	for i, j := range batch {
		if j.cause != nil { // the merge failed
			continue
		}
		tmps[i], j.cause = createTemp(dir, j.name, j.data, noSync)
	}
	renamed := 0
	for i, j := range batch {
		if tmps[i] == nil {
			continue
		}
		if j.cause = commitTemp(tmps[i], dir, j.name, noSync); j.cause == nil {
			renamed++
		}
	}
	if renamed > 0 && !noSync {
		if err := syncDir(dir); err != nil {
			for _, j := range batch {
				if j.cause == nil {
					j.cause = fmt.Errorf("write %s: %w", j.name, err)
				}
			}
		}
	}
	for _, j := range batch {
		if j.cause != nil {
			j.err = fmt.Errorf("jsonfile: escrow %s: %w", j.escrowID, j.cause)
		}
	}
}

// finish counts and logs a written batch, as a synchronous write did: every
// failure counts, the first of a failing stretch is logged, and so is the
// first success after it. A complete file that failed is marked for
// ForceFlush to retry, unless a newer version of it is queued already.
// The caller holds e.mu.
func (e *Exporter) finish(batch []*fileJob) {
	for _, j := range batch {
		if j.err != nil {
			e.stats.WriteErrors++
			if !e.failing {
				e.failing = true
				e.log.Error("jsonfile: cannot write escrow trace files; further failures are not logged until a write succeeds",
					"dir", e.cfg.Dir, "escrow_id", j.escrowID, "err", j.cause)
			}
			if !j.incomplete && j.tb.gen == j.gen && j.tb.state == stateDone {
				j.tb.needsWrite = true
			}
		} else {
			e.stats.FilesWritten++
			if e.failing {
				e.failing = false
				e.log.Info("jsonfile: writing escrow trace files works again", "dir", e.cfg.Dir)
			}
		}
		if cap(j.data) <= maxKeptOutput && len(e.spare) < writeQueueLen {
			e.spare = append(e.spare, j.data[:0])
		}
		j.data, j.tb, j.file = nil, nil, nil
	}
	e.finished = batch[len(batch)-1].seq
}

// signal wakes everyone waiting on the writer's progress. The caller holds e.mu.
func (e *Exporter) signal() {
	close(e.progress)
	e.progress = make(chan struct{})
}

// waitUntil returns once done() holds, or with ctx's error. The caller holds
// e.mu, which is released while waiting (state may change meanwhile) and
// held again on return. done is called with e.mu held.
func (e *Exporter) waitUntil(ctx context.Context, done func() bool) error {
	for !done() {
		progress := e.progress
		e.mu.Unlock()
		select {
		case <-progress:
			e.mu.Lock()
		case <-ctx.Done():
			e.mu.Lock()
			if done() {
				return nil
			}
			return ctx.Err()
		}
	}
	return nil
}

// waitRoom waits until the queue has room for one more file.
func (e *Exporter) waitRoom(ctx context.Context) error {
	return e.waitUntil(ctx, func() bool { return len(e.queue) < writeQueueLen })
}

// awaitFiles waits until the writer is done with the jobs and returns their
// write errors.
func (e *Exporter) awaitFiles(ctx context.Context, jobs []*fileJob) error {
	var last uint64
	for _, j := range jobs {
		last = max(last, j.seq)
	}
	if err := e.waitUntil(ctx, func() bool { return e.finished >= last }); err != nil {
		return fmt.Errorf("jsonfile: files queued, not yet written: %w", err)
	}
	var errs []error
	for _, j := range jobs {
		if j.err != nil {
			errs = append(errs, j.err)
		}
	}
	return errors.Join(errs...)
}

// awaitQueued waits until the writer is done with every file queued so far.
func (e *Exporter) awaitQueued(ctx context.Context) error {
	last := e.queued
	return e.waitUntil(ctx, func() bool { return e.finished >= last })
}

// spareBuf returns an encoding buffer: one the writer gave back, or a new
// one the size of the last file and some, to grow in one step.
func (e *Exporter) spareBuf() []byte {
	if n := len(e.spare); n > 0 {
		b := e.spare[n-1]
		e.spare = e.spare[:n-1]
		return b
	}
	if e.lastSize > maxKeptOutput {
		return nil
	}
	return make([]byte, 0, e.lastSize+e.lastSize/8)
}

// mergeBatch encodes the batch's merge jobs: each one's phase merged into
// its escrow's file as the jobs before it leave it (an earlier job of the
// batch, else the file on disk). The writer is the only one that writes
// files, one batch at a time, so the read-merge-write of an escrow's file is
// serialised. A file that is missing or unreadable is replaced by the phase
// alone (logged for a later phase: its earlier phases are lost from it).
func (e *Exporter) mergeBatch(batch []*fileJob) {
	if !slices.ContainsFunc(batch, func(j *fileJob) bool { return j.merge }) {
		return // the common case: setups alone
	}
	latest := map[string]*escrowtrace.File{} // file name -> the version this batch leaves
	for _, j := range batch {
		if !j.merge {
			latest[j.name] = j.file
			continue
		}
		base, ok := latest[j.name]
		if !ok {
			base = e.readFile(j)
		}
		f, err := escrowtrace.Merge(base, j.file)
		if err != nil {
			e.log.Warn("jsonfile: cannot merge a phase into the escrow's file; writing the phase alone", "escrow_id", j.escrowID, "err", err)
			f = j.file
		}
		data, err := appendFile(j.data[:0], f)
		if err != nil {
			j.cause = fmt.Errorf("encode %s: %w", j.name, err)
			continue
		}
		j.data = append(data, '\n')
		latest[j.name] = f
	}
}

// readFile reads the escrow's file as it is on disk; nil when there is none
// or it cannot be read.
func (e *Exporter) readFile(j *fileJob) *escrowtrace.File {
	root, err := os.OpenRoot(e.cfg.Dir)
	if err != nil {
		e.log.Warn("jsonfile: cannot open the trace directory to merge a phase", "escrow_id", j.escrowID, "err", err)
		return nil
	}
	defer root.Close()
	data, err := root.ReadFile(j.name)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if j.later {
			e.log.Warn("jsonfile: no earlier file of the escrow; writing its phase alone", "escrow_id", j.escrowID)
		}
		return nil
	case err != nil:
		e.log.Warn("jsonfile: cannot read the escrow's file; writing its phase alone", "escrow_id", j.escrowID, "err", err)
		return nil
	}
	f, err := escrowtrace.Decode(bytes.NewReader(data))
	if err != nil {
		e.log.Warn("jsonfile: the escrow's file is unreadable; writing its phase alone", "escrow_id", j.escrowID, "err", err)
		return nil
	}
	return f
}
