package logs

import (
	"fmt"
	"io"
	"log/slog"
)

// The log formats (--log-format).
const (
	FormatText = "text"
	FormatJSON = "json"
)

// New returns a logger writing records at level and above to w, as
// logfmt-style text or one JSON object per line, trace-correlated (see
// NewHandler). An unknown format is an error.
func New(format string, w io.Writer, level slog.Leveler) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch format {
	case FormatText, "":
		h = slog.NewTextHandler(w, opts)
	case FormatJSON:
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: want %s or %s", format, FormatText, FormatJSON)
	}
	return slog.New(NewHandler(h)), nil
}
