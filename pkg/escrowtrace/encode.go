package escrowtrace

import (
	"fmt"
	"io"
	"strconv"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// The one encoder of the file. It writes, in one pass and without
// reflection, what json.MarshalIndent(f, "", "  ") of the types' JSON tags
// would write, byte for byte (TestAppendFileIsMarshalIndent holds the two
// equal), with two rules of the format on top: an event's phase is written
// only outside the setup (the contract reads an event without one as setup),
// and unknown fields kept in Extra are written after the known ones, sorted
// by name, so that a reader of a newer v1 file passes on what it does not
// know. MarshalIndent had been most of the exporter's CPU (BENCHMARKS.md (3)).

// Keys of the fields the types know, in the order they are written; an Extra
// entry with one of these names is ignored on write (the typed field wins).
// The fast decoder indexes these lists.
var (
	fileKeys      = []string{"schema", "escrow_id", "trace_id", "service", "started_at", "ended_at", "duration_ms", "outcome", "error", "phases", "events", "otlp"}
	fileErrorKeys = []string{"message", "role", "round", "operation", "kind"}
	phaseKeys     = []string{"name", "outcome", "started_at", "ended_at", "duration_ms", "error"}
	eventKeys     = []string{"seq", "type", "time", "offset_ms", "role", "round", "method", "endpoint", "span_id", "duration_ms", "error", "context", "snapshot", "phase"}
	eventErrKeys  = []string{"code", "message", "kind"}
	contextKeys   = []string{"round", "operation", "wallet_id", "escrow_id", "phase", "role"}
	snapshotKeys  = []string{"wallet_id", "is_multisig", "ready", "threshold", "total", "balance", "unlocked_balance", "address_hash", "wallet_file_mode", "multisig_import_needed", "height", "error"}
)

// AppendFile appends f to dst as the exporter writes escrow_<id>.json
// (indented by two spaces, no final newline). On error dst is returned as it
// was: a time outside years 0..9999, a NaN or infinite number, an invalid
// otlp section or Extra value.
func AppendFile(dst []byte, f *File) ([]byte, error) {
	start := len(dst)
	w := objWriter{b: dst}
	w.file(f)
	if w.err != nil {
		return dst[:start], fmt.Errorf("encode escrow trace %s: %w", f.EscrowID, w.err)
	}
	return w.b, nil
}

// Encode writes f to w as the exporter does: AppendFile and a newline.
func Encode(w io.Writer, f *File) error {
	data, err := AppendFile(nil, f)
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// MarshalJSON writes f compactly with the one encoder: what AppendFile
// writes without the indentation. Events is never written as null.
func (f File) MarshalJSON() ([]byte, error) {
	w := objWriter{compact: true}
	w.file(&f)
	if w.err != nil {
		return nil, fmt.Errorf("encode escrow trace %s: %w", f.EscrowID, w.err)
	}
	return w.b, nil
}

// UnmarshalJSON decodes strictly, like Decode.
func (f *File) UnmarshalJSON(data []byte) error { return decodeFile(data, f) }

// MarshalJSON writes one event compactly with the one encoder.
func (e Event) MarshalJSON() ([]byte, error) {
	w := objWriter{compact: true}
	w.event(&e, 0)
	if w.err != nil {
		return nil, fmt.Errorf("marshal event %d: %w", e.Seq, w.err)
	}
	return w.b, nil
}

// UnmarshalJSON decodes one event strictly (errors name the field) and fills
// in what the contract derives (see Decode).
func (e *Event) UnmarshalJSON(data []byte) error {
	if err := decodeEvent(data, "", e); err != nil {
		return err
	}
	e.derive()
	return nil
}

func (w *objWriter) file(f *File) {
	w.open()
	w.key(1, "schema")
	w.str(f.Schema)
	w.key(1, "escrow_id")
	w.str(f.EscrowID)
	w.key(1, "trace_id")
	w.str(f.TraceID)
	if f.Service != "" {
		w.key(1, "service")
		w.str(f.Service)
	}
	w.key(1, "started_at")
	w.time(f.StartedAt)
	if f.EndedAt != nil {
		w.key(1, "ended_at")
		w.time(*f.EndedAt)
	}
	if f.DurationMS != nil {
		w.key(1, "duration_ms")
		w.float(*f.DurationMS)
	}
	w.key(1, "outcome")
	w.str(f.Outcome)
	w.key(1, "error")
	if f.Error == nil {
		w.b = append(w.b, "null"...)
	} else {
		w.fileError(f.Error, 1)
	}
	if len(f.Phases) > 0 {
		w.key(1, "phases")
		w.b = append(w.b, '[')
		for i := range f.Phases {
			w.item(i, 2)
			w.phase(&f.Phases[i], 2)
		}
		w.endArray(1)
	}
	w.key(1, "events")
	if len(f.Events) == 0 {
		w.b = append(w.b, "[]"...)
	} else {
		w.b = append(w.b, '[')
		for i := range f.Events {
			w.item(i, 2)
			w.event(&f.Events[i], 2)
		}
		w.endArray(1)
	}
	if len(f.OTLP) > 0 {
		w.key(1, "otlp")
		if err := w.raw(f.OTLP, 1); err != nil {
			w.fail(fmt.Errorf("otlp section: %w", err))
		}
	}
	w.extra(f.Extra, fileKeys, 1)
	w.close(0)
}

// fileError writes a FileError whose key is at depth d.
func (w *objWriter) fileError(fe *FileError, d int) {
	w.open()
	w.key(d+1, "message")
	w.str(fe.Message)
	if fe.Role != "" {
		w.key(d+1, "role")
		w.str(fe.Role)
	}
	if fe.Round != 0 {
		w.key(d+1, "round")
		w.int(int64(fe.Round))
	}
	if fe.Operation != "" {
		w.key(d+1, "operation")
		w.str(fe.Operation)
	}
	if fe.Kind != "" {
		w.key(d+1, "kind")
		w.str(string(fe.Kind))
	}
	w.close(d)
}

// phase writes a PhaseRecord that is an array item at depth d.
func (w *objWriter) phase(p *PhaseRecord, d int) {
	w.open()
	w.key(d+1, "name")
	w.str(string(p.Name))
	w.key(d+1, "outcome")
	w.str(p.Outcome)
	w.key(d+1, "started_at")
	w.time(p.StartedAt)
	if p.EndedAt != nil {
		w.key(d+1, "ended_at")
		w.time(*p.EndedAt)
	}
	if p.DurationMS != nil {
		w.key(d+1, "duration_ms")
		w.float(*p.DurationMS)
	}
	if p.Error != nil {
		w.key(d+1, "error")
		w.fileError(p.Error, d+1)
	}
	w.close(d)
}

// event writes an event that is at depth d (an array item of the file at 2,
// a value of its own at 0).
func (w *objWriter) event(e *Event, d int) {
	w.open()
	w.key(d+1, "seq")
	w.int(int64(e.Seq))
	w.key(d+1, "type")
	w.str(e.Type)
	w.key(d+1, "time")
	w.time(e.Time)
	w.key(d+1, "offset_ms")
	w.float(e.OffsetMS)
	if e.Role != "" {
		w.key(d+1, "role")
		w.str(e.Role)
	}
	if e.Round != 0 {
		w.key(d+1, "round")
		w.int(int64(e.Round))
	}
	if e.Method != "" {
		w.key(d+1, "method")
		w.str(e.Method)
	}
	if e.Endpoint != "" {
		w.key(d+1, "endpoint")
		w.str(e.Endpoint)
	}
	if e.SpanID != "" {
		w.key(d+1, "span_id")
		w.str(e.SpanID)
	}
	if e.DurationMS != nil {
		w.key(d+1, "duration_ms")
		w.float(*e.DurationMS)
	}
	if ee := e.Error; ee != nil {
		w.key(d+1, "error")
		w.open()
		if ee.Code != nil {
			w.key(d+2, "code")
			w.int(int64(*ee.Code))
		}
		w.key(d+2, "message")
		w.str(ee.Message)
		if ee.Kind != "" {
			w.key(d+2, "kind")
			w.str(string(ee.Kind))
		}
		w.close(d + 1)
	}
	if c := e.Context; c != nil {
		w.key(d+1, "context")
		w.context(c, d+1)
	}
	if s := e.Snapshot; s != nil {
		w.key(d+1, "snapshot")
		w.snapshot(s, d+1)
	}
	if e.Phase != "" && e.Phase != escrow.PhaseSetup {
		w.key(d+1, "phase")
		w.str(string(e.Phase))
	}
	w.extra(e.Extra, eventKeys, d+1)
	w.close(d)
}

func (w *objWriter) context(c *ErrorContext, d int) {
	w.open()
	if c.Round != 0 {
		w.key(d+1, "round")
		w.int(int64(c.Round))
	}
	if c.Operation != "" {
		w.key(d+1, "operation")
		w.str(c.Operation)
	}
	if c.WalletID != "" {
		w.key(d+1, "wallet_id")
		w.str(c.WalletID)
	}
	if c.EscrowID != "" {
		w.key(d+1, "escrow_id")
		w.str(c.EscrowID)
	}
	if c.Phase != "" {
		w.key(d+1, "phase")
		w.str(string(c.Phase))
	}
	if c.Role != "" {
		w.key(d+1, "role")
		w.str(c.Role)
	}
	w.close(d)
}

func (w *objWriter) snapshot(s *Snapshot, d int) {
	w.open()
	if s.WalletID != "" {
		w.key(d+1, "wallet_id")
		w.str(s.WalletID)
	}
	w.key(d+1, "is_multisig")
	w.bool(s.IsMultisig)
	if s.Ready != nil {
		w.key(d+1, "ready")
		w.bool(*s.Ready)
	}
	if s.Threshold != nil {
		w.key(d+1, "threshold")
		w.int(int64(*s.Threshold))
	}
	if s.Total != nil {
		w.key(d+1, "total")
		w.int(int64(*s.Total))
	}
	if s.Balance != nil {
		w.key(d+1, "balance")
		w.b = strconv.AppendUint(w.b, *s.Balance, 10)
	}
	if s.UnlockedBalance != nil {
		w.key(d+1, "unlocked_balance")
		w.b = strconv.AppendUint(w.b, *s.UnlockedBalance, 10)
	}
	if s.AddressHash != "" {
		w.key(d+1, "address_hash")
		w.str(s.AddressHash)
	}
	if s.WalletFileMode != "" {
		w.key(d+1, "wallet_file_mode")
		w.str(s.WalletFileMode)
	}
	if s.MultisigImportNeeded != nil {
		w.key(d+1, "multisig_import_needed")
		w.bool(*s.MultisigImportNeeded)
	}
	if s.Height != nil {
		w.key(d+1, "height")
		w.b = strconv.AppendUint(w.b, *s.Height, 10)
	}
	if s.Error != "" {
		w.key(d+1, "error")
		w.str(s.Error)
	}
	w.close(d)
}
