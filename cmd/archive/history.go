package main

import (
	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
)

type historyOptions struct{ json bool }

func newHistoryCommand(g *globalOptions) *cobra.Command {
	var o historyOptions
	c := &cobra.Command{
		Use:   "history [--json] ID",
		Short: "Show a record's audit trail: every changed field, who, when and how, oldest first",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runHistory(g, o, args[0]) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the entries as a JSON array")
	return c
}

func runHistory(g *globalOptions, o historyOptions, idArg string) error {
	return g.withRecord(idArg, func(a *archive.Archive, id string) error {
		entries, err := a.Store().History(id)
		if err != nil {
			return err
		}
		if o.json {
			return newJSONEncoder(g.stdout, true).Encode(entries)
		}
		printAudit(g.stdout, entries, true)
		return nil
	})
}
