package analysis

import "github.com/escrowd/escrowd/pkg/escrowtrace"

// RootCause is a placeholder, replaced below.
func RootCause(f *escrowtrace.File) Kind { return "" }
