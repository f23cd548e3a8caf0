package analysis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Jaeger fetches escrow traces from a Jaeger query service (v2) through its
// /api/v3/traces/{trace id} endpoint, which answers OTLP/JSON. Safe for
// concurrent use.
type Jaeger struct {
	base   *url.URL
	shown  string // base without its password, for messages
	client *http.Client
}

// maxJaegerRedirects bounds the redirects a fetch follows (all on the
// query service's own host).
const maxJaegerRedirects = 5

// DefaultJaegerTimeout bounds one fetch when NewJaeger is given no timeout.
const DefaultJaegerTimeout = 10 * time.Second

// NewJaeger returns a client for the query service at baseURL (for example
// http://127.0.0.1:16686; user:password@ in it is sent as basic auth and never
// shown in messages). timeout bounds each request; 0 means
// DefaultJaegerTimeout. Redirects are followed only on the same host.
func NewJaeger(baseURL string, timeout time.Duration) (*Jaeger, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("jaeger URL %q: want http(s)://host:port", redactURL(baseURL))
	}
	if timeout <= 0 {
		timeout = DefaultJaegerTimeout
	}
	j := &Jaeger{base: u, shown: u.Redacted()}
	j.client = &http.Client{Timeout: timeout, CheckRedirect: j.checkRedirect}
	return j, nil
}

// checkRedirect follows a redirect only to the query service's own host (and
// scheme), so that neither the credentials nor the request leave it.
func (j *Jaeger) checkRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Host != j.base.Host || req.URL.Scheme != j.base.Scheme {
		return fmt.Errorf("redirect to %s refused: only redirects within %s are followed",
			EscapeControl(req.URL.Scheme+"://"+req.URL.Host), j.shown)
	}
	if len(via) >= maxJaegerRedirects {
		return fmt.Errorf("more than %d redirects", maxJaegerRedirects)
	}
	return nil
}

// redactURL hides the password of a URL that may not even parse.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	at := strings.LastIndex(host, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(host[:at], ":")
	if !hasPass {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// requestError is a failed request's error without the URL the http package
// puts in it (the base is named by the caller, redacted).
func requestError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// ErrTraceNotFound is returned (wrapped) when Jaeger has no such trace.
var ErrTraceNotFound = errors.New("trace not found")

var traceIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// TraceID maps what a user typed to a trace ID: 32 hex digits are a trace ID
// already, anything else is an escrow ID mapped with escrow.TraceIDFor.
func TraceID(id string) (string, error) {
	if traceIDPattern.MatchString(id) {
		return strings.ToLower(id), nil
	}
	tid, err := traceIDFor(id)
	if err != nil {
		return "", fmt.Errorf("%q is neither a trace ID nor an escrow ID: %w", id, err)
	}
	return tid, nil
}

// Fetch gets the trace of an escrow ID or trace ID and rebuilds its timeline.
func (j *Jaeger) Fetch(ctx context.Context, id string) (*escrowtrace.File, error) {
	tid, err := TraceID(id)
	if err != nil {
		return nil, err
	}
	u := j.base.JoinPath("api", "v3", "traces", tid)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("jaeger: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jaeger at %s: %w", j.shown, requestError(err))
	}
	defer resp.Body.Close()
	notFound := fmt.Errorf("no trace %s%s in Jaeger at %s: %w", tid, escrowNote(id, tid), j.shown, ErrTraceNotFound)
	if resp.StatusCode == http.StatusNotFound {
		return nil, notFound
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("jaeger at %s: reading trace %s: %w", j.shown, tid, requestError(err))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jaeger at %s: trace %s: HTTP %d: %s", j.shown, tid, resp.StatusCode,
			EscapeControl(strings.TrimSpace(truncate(string(body), 200))))
	}
	if len(body) > maxInput {
		return nil, fmt.Errorf("jaeger at %s: trace %s: answer larger than %d MiB", j.shown, tid, maxInput>>20)
	}
	files, _, err := ParseAll(body)
	if err != nil {
		if errors.Is(err, errNoSpans) {
			return nil, notFound
		}
		return nil, fmt.Errorf("jaeger at %s: trace %s: %w", j.shown, tid, err)
	}
	for _, f := range files {
		if f.TraceID == tid {
			return f, nil
		}
	}
	return nil, notFound
}

func escrowNote(id, tid string) string {
	if strings.EqualFold(id, tid) {
		return ""
	}
	return " (escrow " + id + ")"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
