// Package browsertest runs Debian's Chromium headless for tests: it loads a
// page and returns the DOM it rendered, or saves a screenshot at a given
// window size. Each call gets a fresh profile directory and a timeout, and
// Chromium is installed with scripts/deps.sh when it is missing (skipped
// under -short instead).
//
// Start with:
//
//	dom := browsertest.DumpDOM(t, srv.URL+"/ui/")
//	browsertest.Screenshot(t, srv.URL+"/ui/", filepath.Join(dir, "index.png"), 1280, 900)
package browsertest
