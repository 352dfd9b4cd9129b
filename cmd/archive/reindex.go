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
	bar := g.bar(true, "reindex")
	defer bar.Finish()
	if c := g.serverClient(ctx, false); c != nil {
		j, err := c.runJob(ctx, "/v1/reindex", nil, bar.Update)
		if err == nil && j.Reindex == nil {
			err = fmt.Errorf("archive server at %s: reindex job %s has no report", c.base, j.ID)
		}
		if err != nil {
			return err
		}
		bar.Finish()
		fmt.Fprintf(g.stdout, "reindexed %d records in %s\n", j.Reindex.Records,
			time.Duration(j.Reindex.ElapsedS*float64(time.Second)).Round(time.Millisecond))
		return nil
	}
	return g.withIndex(ctx, func(a *archive.Archive, ix *indexer.Index) error {
		start := time.Now()
		n, err := reindexArchive(ctx, a, ix, bar.Counts())
		if err != nil {
			return err
		}
		bar.Finish()
		fmt.Fprintf(g.stdout, "reindexed %d records in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// reindexArchive rebuilds a's search index and returns the records it
// holds: what `archive reindex` does, here or in the server's reindex jobs.
func reindexArchive(ctx context.Context, a *archive.Archive, ix *indexer.Index, progress func(done, total int)) (int, error) {
	if err := ix.Rebuild(ctx, progress); err != nil {
		return 0, err
	}
	return a.Store().Count()
}
