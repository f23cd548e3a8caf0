package trace

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestQuietErrorsLogsOncePerInterval(t *testing.T) {
	var buf bytes.Buffer
	q := &quietErrors{logger: slog.New(slog.NewTextHandler(&buf, nil)), interval: time.Hour}
	for range 50 {
		q.Handle(errors.New("connection refused"))
	}
	if n := strings.Count(buf.String(), "trace export failed"); n != 1 {
		t.Fatalf("%d log lines for 50 errors in one interval, want 1:\n%s", n, buf.String())
	}
	q.last = time.Now().Add(-2 * time.Hour) // the interval has passed
	q.Handle(errors.New("connection refused"))
	if !strings.Contains(buf.String(), "similar_errors_since_last_report=49") {
		t.Fatalf("the second line should count the 49 suppressed errors:\n%s", buf.String())
	}
}
