package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Timeout bounds one Chromium run: start, load, render, exit. A cold start on
// a loaded two-core machine takes a few seconds; a hang must fail the test,
// not stall the suite.
const Timeout = 90 * time.Second

// DefaultHeight is the window height DumpDOM uses.
const DefaultHeight = 1000

// Path is where Debian's chromium package puts the browser.
const Path = "/usr/bin/chromium"

// Chromium returns the browser's path. When it is missing, a -short run
// skips the test; otherwise scripts/deps.sh installs Debian's package.
func Chromium(t testing.TB) string {
	t.Helper()
	if p, err := find(); err == nil {
		return p
	}
	if testing.Short() {
		t.Skip("chromium is not installed (make deps installs it); skipped in -short")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("chromium missing and cannot find scripts/deps.sh: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "deps.sh"), "chromium")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install chromium with scripts/deps.sh: %v\n%s", err, out)
	}
	p, err := find()
	if err != nil {
		t.Fatalf("scripts/deps.sh ran but chromium is still missing: %v", err)
	}
	return p
}

func find() (string, error) {
	if fi, err := os.Stat(Path); err == nil && !fi.IsDir() {
		return Path, nil
	}
	return exec.LookPath("chromium")
}

// repoRoot is the directory of go.mod above the test's working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// flags are the headless flags of every run: no sandbox (tests run as root
// in containers), no GPU, and nothing that talks to the network on its own.
func flags(userDataDir string, width, height int) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--hide-scrollbars",
		"--user-data-dir=" + userDataDir,
		"--window-size=" + strconv.Itoa(width) + "," + strconv.Itoa(height),
	}
}

// run starts Chromium with a fresh profile and returns its stdout.
func run(t testing.TB, width, height int, args ...string) []byte {
	t.Helper()
	bin := Chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), Timeout)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, append(flags(profile, width, height), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Chromium forks helpers that share its pipes; WaitDelay ends the wait
	// for them once the browser itself has gone.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\nstderr (tail):\n%s", args, err, tail(stderr.Bytes(), 2000))
	}
	return stdout.Bytes()
}

// DumpDOM loads url and returns the DOM Chromium rendered, serialized.
func DumpDOM(t testing.TB, url string) string {
	t.Helper()
	out := run(t, 1280, DefaultHeight, "--dump-dom", url)
	if len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("chromium --dump-dom %s: empty output", url)
	}
	return string(out)
}

// Screenshot loads url in a width x height window and saves a PNG at path.
func Screenshot(t testing.TB, url, path string, width, height int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatalf("screenshot path: %v", err)
	}
	// A stale file must not pass for a new screenshot.
	if err := os.Remove(abs); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("remove old screenshot: %v", err)
	}
	run(t, width, height, "--screenshot="+abs, url)
	png, err := os.ReadFile(abs)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG", abs)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
