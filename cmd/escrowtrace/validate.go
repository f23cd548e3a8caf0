package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/escrowd/escrowd/analysis"
)

// validation is one file's result in validate --json.
type validation struct {
	File  string `json:"file"`
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`
}

func validateCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE|-...",
		Short: "check files against the escrow-trace/v1 JSON schema",
		Example: "  escrowtrace validate traces/*.json\n" +
			"  escrowtrace validate --json - < traces/escrow_42.json",
		Args:              args("FILE...", 1, -1),
		ValidArgsFunction: jsonFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := onceStdin(args); err != nil {
				return err
			}
			results := make([]validation, 0, len(args))
			code := exitClean
			for _, p := range args {
				name := p
				if p == stdinArg {
					name = stdinName
				}
				data, err := c.readBytes(p)
				if err != nil {
					// Unreadable: the message names the file on stderr, the
					// JSON carries the problem without the name.
					fmt.Fprintf(c.stderr, "escrowtrace validate: %s\n", analysis.EscapeControl(err.Error()))
					results = append(results, validation{File: p, Error: strings.TrimPrefix(err.Error(), name+": ")})
					code = exitUsage
					continue
				}
				if err := analysis.ValidateSchema(data); err != nil {
					if !c.opts.json {
						fmt.Fprintf(c.stdout, "%s: invalid: %s\n", analysis.EscapeControl(name), escapeLines(err.Error()))
					}
					results = append(results, validation{File: p, Error: err.Error()})
					code = max(code, exitFindings)
					continue
				}
				if !c.opts.json {
					fmt.Fprintf(c.stdout, "%s: ok\n", analysis.EscapeControl(name))
				}
				results = append(results, validation{File: p, Valid: true})
			}
			if c.opts.json {
				enc := json.NewEncoder(c.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return failed(fmt.Errorf("write json: %w", err))
				}
			}
			c.code = code
			return nil
		},
	}
}
