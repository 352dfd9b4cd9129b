package main

import (
	"context"
	"net/http"
	"net/url"

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
		RunE:  func(cmd *cobra.Command, args []string) error { return runHistory(cmd.Context(), g, o, args[0]) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the entries as a JSON array")
	return c
}

func runHistory(ctx context.Context, g *globalOptions, o historyOptions, idArg string) error {
	show := func(entries []archive.AuditEntry) error {
		if o.json {
			return newJSONEncoder(g.stdout, true).Encode(entries)
		}
		printAudit(g.stdout, entries, true)
		return nil
	}
	if c := g.serverClient(ctx, false); c != nil {
		var h struct {
			History []archive.AuditEntry `json:"history"`
		}
		if err := c.do(ctx, http.MethodGet, "/v1/assets/"+url.PathEscape(idArg)+"/history", nil, &h); err != nil {
			return err
		}
		if len(h.History) == 0 {
			h.History = nil // as the store gives none
		}
		return show(h.History)
	}
	return g.withRecord(idArg, func(a *archive.Archive, id string) error {
		entries, err := a.Store().History(id)
		if err != nil {
			return err
		}
		return show(entries)
	})
}
