package walletpool

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// External describes a wallet RPC server somebody else runs.
type External struct {
	URL      string // e.g. "http://127.0.0.1:18083"
	Username string // --rpc-login credentials; empty for --disable-rpc-login
	Password string
}

// NewExternal checks that the server answers get_version and returns it as a
// Server. No process is started or watched: an external server is always
// reported healthy, and its wallet directory is unknown.
func NewExternal(ctx context.Context, e External) (*Server, error) {
	u, err := url.Parse(e.URL)
	if err != nil {
		// url.Parse errors quote the URL, which may carry userinfo.
		return nil, fmt.Errorf("walletpool: external server: invalid URL")
	}
	// The Server's URL is the base URL, without credentials or the RPC path.
	u.User = nil
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/json_rpc")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	c, err := walletrpc.New(walletrpc.Options{URL: u.String(), Username: e.Username, Password: e.Password})
	if err != nil {
		return nil, fmt.Errorf("walletpool: external server %s: %w", u.Host, err)
	}
	if _, err := c.GetVersion(ctx); err != nil {
		return nil, fmt.Errorf("walletpool: external server %s does not answer: %w", c.Endpoint(), err)
	}
	s := &Server{id: c.Endpoint()}
	s.ep.Store(&endpoint{url: u.String(), client: c})
	s.healthy.Store(true)
	return s, nil
}
