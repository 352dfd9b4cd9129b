package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/indexer"
)

type reindexOptions struct{}

func newReindexCommand(g *globalOptions) *cobra.Command {
	var o reindexOptions
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search index from the records",
		Long: `Reindex builds a new search index from every record beside the current one
and swaps it in only when it is complete: if it is interrupted, the current
index stays as it was.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runReindex(cmd.Context(), g, o) },
	}
}

func runReindex(ctx context.Context, g *globalOptions, _ reindexOptions) error {
	return g.withIndex(ctx, func(a *archive.Archive, ix *indexer.Index) error {
		bar := g.bar(true, "reindex")
		defer bar.Finish()
		start := time.Now()
		if err := ix.Rebuild(ctx, bar.Counts()); err != nil {
			return err
		}
		n, err := a.Store().Count()
		if err != nil {
			return err
		}
		bar.Finish()
		fmt.Fprintf(g.stdout, "reindexed %d records in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	})
}
