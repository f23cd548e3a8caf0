package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"syscall"
)

// newHTTPServer is the API's server with its bounds: a client has
// ReadTimeout for a whole request (headers within readHeaderTimeout), an
// idle keep-alive connection is closed after IdleTimeout, headers are at
// most maxHeaderBytes. There is no write timeout: a ?wait= answer is written
// when its escrow ends, up to api.DefaultMaxWait later (the read timeout
// bounds reading the request only; TestHostileClients waits past it). With
// --tls-cert it serves TLS 1.2+.
func newHTTPServer(cfg config, h http.Handler, logger *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(readHeaderTimeout, cfg.ReadTimeout),
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if cfg.TLSCert != "" {
		certFile, keyFile := cfg.TLSCert, cfg.TLSKey
		srv.TLSConfig = &tls.Config{
			MinVersion: tls.VersionTLS12,
			// Read at each handshake, so that a renewed certificate is
			// served without a restart.
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				c, err := tls.LoadX509KeyPair(certFile, keyFile)
				if err != nil {
					return nil, fmt.Errorf("TLS certificate: %w", err)
				}
				return &c, nil
			},
		}
	}
	return srv
}

// checkTracesDir refuses a traces directory that another user could write
// to: whoever can replace escrow_<id>.json there decides what the API and
// the pages serve, and what the analyzer reads.
func checkTracesDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("traces directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("traces directory %s is not a directory", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("traces directory %s belongs to user %d, not to escrowd's user %d: use a directory of escrowd's own (--traces-dir / ESCROWD_TRACES_DIR)", dir, st.Uid, os.Geteuid())
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("traces directory %s has mode %04o: it must not be writable by group or others (chmod go-w %s), since whoever writes there decides what escrowd serves as a trace", dir, perm, dir)
	}
	return nil
}
