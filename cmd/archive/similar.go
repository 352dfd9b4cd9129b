package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/similar"
)

type similarOptions struct{ json bool }

func newSimilarCommand(g *globalOptions) *cobra.Command {
	var o similarOptions
	c := &cobra.Command{
		Use:   "similar [--json] ID",
		Short: "List the near-duplicates of a photo or video poster (an id or a unique prefix), nearest first",
		Long: `Lists the assets whose 64-bit perceptual hashes differ from ID's by
at most similar_threshold bits (ROOT/config.json; default 6), nearest first:
the distance, the id, the status and the title. A publication has no
perceptual hash, so no near-duplicates. Ingest warns "looks like ID" when a
new file is a near-duplicate; curators resolve groups on the server's
/duplicates page.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSimilar(cmd.Context(), g, o, args[0]) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print a JSON array of {id, distance}")
	return c
}

func runSimilar(ctx context.Context, g *globalOptions, o similarOptions, idArg string) error {
	return g.withRecord(idArg, func(a *archive.Archive, id string) error {
		look, err := g.lookalikes(a)
		if err != nil {
			return err
		}
		ms, err := look.Similar(ctx, id)
		if errors.Is(err, similar.ErrNoHash) {
			fmt.Fprintf(g.stderr, "%s has no perceptual hash (a publication, or a picture that could not be decoded)\n", id)
			ms, err = []similar.Match{}, nil
		}
		if err != nil {
			return err
		}
		if o.json {
			if ms == nil {
				ms = []similar.Match{}
			}
			return newJSONEncoder(g.stdout, true).Encode(ms)
		}
		tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
		for _, m := range ms {
			rec, err := a.Store().Get(m.ID)
			if err != nil {
				return err
			}
			title, _ := rec.DisplayTitle("vi")
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.Distance, m.ID, rec.Status, title)
		}
		return tw.Flush()
	})
}

// lookalikes is a's near-duplicate index at the threshold of
// ROOT/config.json, filled from the store when first used.
func (g *globalOptions) lookalikes(a *archive.Archive) (*similar.Index, error) {
	cfg, err := g.fileConfig()
	if err != nil {
		return nil, err
	}
	return newLookalikes(a, cfg.SimilarThreshold)
}

func newLookalikes(a *archive.Archive, threshold int) (*similar.Index, error) {
	ix, err := similar.Open(threshold, similar.FromStore(a.Store()))
	if err != nil {
		return nil, fmt.Errorf("%w: similar_threshold: %v", errUsage, err)
	}
	return ix, nil
}
