package jsonfile

import "github.com/escrowd/escrowd/pkg/escrowtrace"

// appendFile encodes f with the file format's one encoder. (exporter.go
// calls it; it can call escrowtrace.AppendFile directly.)
func appendFile(dst []byte, f *escrowtrace.File) ([]byte, error) {
	return escrowtrace.AppendFile(dst, f)
}
