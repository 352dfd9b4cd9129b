package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/api"
	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/thumbs"
)

type rethumbOptions struct {
	all     bool
	json    bool
	workers int
}

func newRethumbCommand(g *globalOptions) *cobra.Command {
	var o rethumbOptions
	c := &cobra.Command{
		Use:   "rethumb",
		Short: "Make renditions again: placeholders, missing ones and old versions (or --all)",
		Long: `Rethumb renders the thumb and preview of records again from their stored
originals. By default it takes the records whose renditions are missing, are
placeholders (the tool that draws them was not installed when they were
ingested; see 'archive doctor') or are of an older rendition version.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runRethumb(cmd, g, o) },
	}
	c.Flags().BoolVar(&o.all, "all", false, "render every record again")
	c.Flags().BoolVar(&o.json, "json", false, "print the report as JSON")
	c.Flags().IntVar(&o.workers, "workers", 0, "records rendered at once (default: number of CPUs)")
	return c
}

func runRethumb(cmd *cobra.Command, g *globalOptions, o rethumbOptions) error {
	bar := g.bar(!o.json, "rethumb")
	rep, err := g.rethumb(cmd.Context(), api.RethumbRequest{All: o.all, Workers: o.workers}, bar.Update)
	bar.Finish()
	if err != nil {
		return err
	}
	if err := g.printReport(o.json, rep, func() {
		for _, f := range rep.Failed {
			fmt.Fprintf(g.stderr, "failed: %s (%s): %s\n", f.Path, f.ID[:12], f.Error)
		}
		fmt.Fprintf(g.stdout, "%d selected, %d rendered (%d still placeholders), %d failed\n",
			rep.Selected, rep.Rendered, rep.Still, len(rep.Failed))
	}); err != nil {
		return err
	}
	if len(rep.Failed) > 0 {
		return errPartial
	}
	return nil
}

// rethumb runs a rethumb job on the running server (POST /v1/rethumb), or
// renders on the archive opened here.
func (g *globalOptions) rethumb(ctx context.Context, req api.RethumbRequest, progress func(archive.Progress)) (*ingest.RethumbReport, error) {
	if c := g.serverClient(ctx, false); c != nil {
		j, err := c.runJob(ctx, "/v1/rethumb", req, progress)
		if err != nil {
			return nil, err
		}
		if j.Rethumb == nil {
			return nil, fmt.Errorf("archive server at %s: rethumb job %s has no report", c.base, j.ID)
		}
		return j.Rethumb, nil
	}
	a, err := g.openArchive(false)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return rethumbArchive(ctx, a, thumbs.New(thumbs.Options{}), nil, nil, req, progress)
}

// rethumbArchive renders again the records req selects: by default those
// whose renditions are missing, placeholders or of an older version. It is
// what `archive rethumb` does, here or in the server's rethumb jobs.
func rethumbArchive(ctx context.Context, a *archive.Archive, tools *thumbs.Renderer, ix ingest.Indexer, look ingest.Lookalikes, req api.RethumbRequest, progress func(archive.Progress)) (*ingest.RethumbReport, error) {
	opts := ingest.RethumbOptions{
		Select:     func(r *archive.Record) bool { return req.All || ingest.NeedsRendition(r, thumbs.Version) },
		OnProgress: progress,
	}
	return newPipeline(a, tools, ix, look, req.Workers, true).Rethumb(ctx, opts)
}
