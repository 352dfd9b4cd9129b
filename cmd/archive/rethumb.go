package main

import (
	"fmt"

	"github.com/spf13/cobra"

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
	a, err := g.openArchive(false)
	if err != nil {
		return err
	}
	defer a.Close()
	opts := ingest.RethumbOptions{
		Select: func(r *archive.Record) bool { return o.all || ingest.NeedsRendition(r, thumbs.Version) },
	}
	bar := g.bar(!o.json, "rethumb")
	opts.OnProgress = bar.Update
	rep, err := newPipeline(a, thumbs.New(thumbs.Options{}), nil, nil, o.workers, true).Rethumb(cmd.Context(), opts)
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
