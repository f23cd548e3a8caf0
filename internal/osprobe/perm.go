package osprobe

import (
	"io/fs"
	"os"
)

// CheckPerm reports (t.Errorf) a path whose permission bits are not exactly
// want, or that cannot be stat'ed.
func CheckPerm(t TB, path string, want fs.FileMode) {
	t.Helper()
	if perm, ok := statPerm(t, path); ok && perm != want {
		t.Errorf("%s mode %v, want %v", path, perm, want)
	}
}

// CheckPermWithin reports (t.Errorf) a path whose permission bits grant
// anything max does not ("0640 or tighter"), or that cannot be stat'ed; what
// names the file in the report ("trace file").
func CheckPermWithin(t TB, what, path string, max fs.FileMode) {
	t.Helper()
	if perm, ok := statPerm(t, path); ok && perm&^max != 0 {
		t.Errorf("%s %s mode %v, want %v or tighter", what, path, perm, max)
	}
}

func statPerm(t TB, path string) (fs.FileMode, bool) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("%v", err)
		return 0, false
	}
	return fi.Mode().Perm(), true
}
