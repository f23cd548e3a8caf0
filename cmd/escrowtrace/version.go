package main

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildVersion is set at build time: -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

// version is buildVersion, else the module version `go install` recorded,
// else "dev".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func versionCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print escrowtrace's version (the same as --version)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if c.opts.json {
				out, err := json.Marshal(struct {
					Version string `json:"version"`
				}{version()})
				if err != nil {
					return failed(err)
				}
				_, err = fmt.Fprintf(c.stdout, "%s\n", out)
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "escrowtrace %s\n", version())
			return err
		},
	}
}
