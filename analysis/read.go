package analysis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Format names the kind of input a reader recognised.
type Format string

// Input formats the readers recognise.
const (
	// FormatV1 is an escrow_<id>.json file (escrow-trace/v1).
	FormatV1 Format = "escrow-trace/v1"
	// FormatOTLP is one OTLP/JSON TracesData object {"resourceSpans": [...]}.
	FormatOTLP Format = "otlp-json"
	// FormatOTLPLines is a collector file exporter's output: one TracesData per line.
	FormatOTLPLines Format = "otlp-json-lines"
	// FormatJaegerV3 is Jaeger's GET /api/v3/traces/<id> answer {"result": TracesData}.
	FormatJaegerV3 Format = "jaeger-api-v3"
)

// MaxInputBytes bounds what every reader takes in (files, Jaeger answers,
// validate): a real escrow trace is tens of kilobytes, so anything near this
// is not one, and reading it whole would only exhaust memory.
const MaxInputBytes = 256 << 20

const maxInput = MaxInputBytes

// ReadFile reads one escrow trace from a file in any format Parse knows.
// Errors start with the file's name and say what is wrong with it.
func ReadFile(path string) (*escrowtrace.File, error) {
	f, _, err := readFileFormat(path)
	return f, err
}

// ReadBytes reads an input file whole, refusing one larger than
// MaxInputBytes before reading it (or, for a pipe, once it passed the limit).
// Errors start with the file's name.
func ReadBytes(path string) ([]byte, error) {
	tooLarge := fmt.Errorf("%s: larger than %d MiB: not an escrow trace", path, maxInput>>20)
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	if fi.Mode().IsRegular() && fi.Size() > maxInput {
		return nil, tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	if len(data) > maxInput {
		return nil, tooLarge
	}
	return data, nil
}

func readFileFormat(path string) (*escrowtrace.File, Format, error) {
	data, err := ReadBytes(path)
	if err != nil {
		return nil, "", err
	}
	f, format, err := Parse(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return f, format, nil
}

// unwrapPathError drops the *fs.PathError wrapper, whose text repeats the path
// that our own prefix already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Parse recognises the input's format and returns the escrow's timeline. A v1
// file with no events but an "otlp" section is rebuilt from the spans; OTLP
// and Jaeger answers are rebuilt with escrowtrace.Build, so that one trace
// gives the same timeline from every sink. Input holding spans of more than one
// trace is an error (use ParseAll).
func Parse(data []byte) (*escrowtrace.File, Format, error) {
	files, format, err := ParseAll(data)
	if err != nil {
		return nil, format, err
	}
	if len(files) != 1 {
		ids := make([]string, 0, 3)
		for i, f := range files {
			if i == 3 {
				ids = append(ids, "...")
				break
			}
			ids = append(ids, f.TraceID)
		}
		return nil, format, fmt.Errorf("holds %d traces (%s); give one", len(files), strings.Join(ids, ", "))
	}
	return files[0], format, nil
}

// ParseAll is Parse for inputs that may hold several traces (a collector's
// file exporter writes every trace it sees into one file). The files come in
// trace ID order.
func ParseAll(data []byte) ([]*escrowtrace.File, Format, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, "", errors.New("empty input")
	}
	if trimmed[0] != '{' {
		return nil, "", fmt.Errorf("not a JSON object: starts with %q", firstRune(trimmed))
	}

	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, "", fmt.Errorf("invalid JSON: %w", err)
	}
	more := dec.More()

	switch {
	case top["schema"] != nil:
		if more {
			return nil, FormatV1, errors.New("trailing data after the escrow-trace object")
		}
		f, err := parseV1(trimmed, top)
		if err != nil {
			return nil, FormatV1, err
		}
		return []*escrowtrace.File{f}, FormatV1, nil
	case top["resourceSpans"] != nil && more:
		files, err := parseOTLPLines(trimmed)
		return files, FormatOTLPLines, err
	case top["resourceSpans"] != nil:
		files, err := filesFromOTLP(trimmed)
		return files, FormatOTLP, err
	case top["result"] != nil:
		if more {
			return nil, FormatJaegerV3, errors.New("trailing data after the Jaeger answer")
		}
		files, err := filesFromOTLP(top["result"])
		if err != nil {
			return nil, FormatJaegerV3, fmt.Errorf("result: %w", err)
		}
		return files, FormatJaegerV3, nil
	case top["error"] != nil && more == false:
		return nil, FormatJaegerV3, fmt.Errorf("a Jaeger error answer: %s", compactJSON(top["error"], 200))
	case top["data"] != nil:
		return nil, "", errors.New("a Jaeger /api/traces (v1) answer: not supported, use /api/v3/traces/<trace id>")
	default:
		return nil, "", errors.New(`not an escrow trace: no "schema", "resourceSpans" or "result" field`)
	}
}

// parseV1 decodes a v1 file and, when it carries no events but an otlp
// section, rebuilds the events from the spans (the schema allows that).
func parseV1(data []byte, top map[string]json.RawMessage) (*escrowtrace.File, error) {
	var schema string
	if err := json.Unmarshal(top["schema"], &schema); err != nil || schema != escrowtrace.Schema {
		return nil, fmt.Errorf("schema: got %s, want %q", compactJSON(top["schema"], 60), escrowtrace.Schema)
	}
	f, err := decodeV1(data)
	if err != nil {
		return nil, err
	}
	if len(f.Events) == 0 && len(f.OTLP) > 0 && !isJSONNull(f.OTLP) {
		files, err := filesFromOTLP(f.OTLP)
		if err != nil {
			return nil, fmt.Errorf("otlp: %w", err)
		}
		if len(files) != 1 {
			return nil, fmt.Errorf("otlp: holds %d traces, want 1", len(files))
		}
		rebuilt := files[0]
		rebuilt.OTLP = f.OTLP
		rebuilt.Extra = f.Extra
		if f.Outcome == escrowtrace.OutcomeIncomplete {
			rebuilt.Outcome = f.Outcome
		}
		return rebuilt, nil
	}
	return f, nil
}

// ParseOTLPSection rebuilds a v1 file's timeline from its "otlp" section
// alone; it is how the section is checked against the file's own events.
func ParseOTLPSection(f *escrowtrace.File) (*escrowtrace.File, error) {
	if len(f.OTLP) == 0 || isJSONNull(f.OTLP) {
		return nil, errors.New("no otlp section")
	}
	files, err := filesFromOTLP(f.OTLP)
	if err != nil {
		return nil, fmt.Errorf("otlp: %w", err)
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("otlp: holds %d traces, want 1", len(files))
	}
	return files[0], nil
}

// parseOTLPLines reads a collector file exporter's output: one TracesData per
// line. Spans of one trace may be spread over several lines.
func parseOTLPLines(data []byte) ([]*escrowtrace.File, error) {
	var all []escrowtrace.Span
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		spans, err := otlpSpans(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		all = append(all, spans...)
	}
	return filesFromSpans(all)
}

// errNoSpans is an OTLP input without spans (Jaeger answers an unknown trace
// this way, too).
var errNoSpans = errors.New("no spans")

// filesFromOTLP turns one TracesData object into one file per trace.
func filesFromOTLP(data []byte) ([]*escrowtrace.File, error) {
	spans, err := otlpSpans(data)
	if err != nil {
		return nil, err
	}
	return filesFromSpans(spans)
}

func filesFromSpans(spans []escrowtrace.Span) ([]*escrowtrace.File, error) {
	if len(spans) == 0 {
		return nil, errNoSpans
	}
	byTrace := make(map[string][]escrowtrace.Span)
	for _, s := range spans {
		byTrace[s.TraceID] = append(byTrace[s.TraceID], s)
	}
	ids := make([]string, 0, len(byTrace))
	for id := range byTrace {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	files := make([]*escrowtrace.File, 0, len(ids))
	for _, id := range ids {
		f, err := buildFile(byTrace[id])
		if err != nil {
			return nil, fmt.Errorf("trace %s: %w", id, err)
		}
		files = append(files, f)
	}
	return files, nil
}

func isJSONNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// compactJSON shows a piece of the input in an error message, cut to max bytes.
func compactJSON(raw json.RawMessage, max int) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	s := buf.String()
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

func firstRune(b []byte) string {
	s := string(b)
	for _, r := range s {
		return string(r)
	}
	return ""
}
