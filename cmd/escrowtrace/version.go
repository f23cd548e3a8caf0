package main

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time as escrowd's is (the Dockerfile builds both
// with -ldflags "-X main.version=v1.2.3").
var version = ""

// currentVersion is version, else the module version `go install` recorded,
// else "dev".
func currentVersion() string {
	if version != "" {
		return version
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
				}{currentVersion()})
				if err != nil {
					return failed(err)
				}
				_, err = fmt.Fprintf(c.stdout, "%s\n", out)
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "escrowtrace %s\n", currentVersion())
			return err
		},
	}
}
