package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	id, ms, err := g.similar(ctx, idArg)
	if errors.Is(err, similar.ErrNoHash) {
		fmt.Fprintf(g.stderr, "%s has no perceptual hash (a publication, or a picture that could not be decoded)\n", id)
		ms, err = nil, nil
	}
	if err != nil {
		return err
	}
	if o.json {
		out := make([]similar.Match, 0, len(ms))
		for _, m := range ms {
			out = append(out, m.Match)
		}
		return newJSONEncoder(g.stdout, true).Encode(out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	for _, m := range ms {
		title, _ := m.rec.DisplayTitle("vi")
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.Distance, m.ID, m.rec.Status, title)
	}
	return tw.Flush()
}

// lookalike is a near-duplicate and its record.
type lookalike struct {
	similar.Match
	rec *archive.Record
}

// similar returns the full id of idArg and its near-duplicates, nearest
// first, through the running server (GET /v1/assets/{id}/similar) or on the
// archive opened here; similar.ErrNoHash when it has no perceptual hash.
func (g *globalOptions) similar(ctx context.Context, idArg string) (string, []lookalike, error) {
	if c := g.serverClient(ctx, false); c != nil {
		var out struct {
			ID      string `json:"id"`
			Hashed  bool   `json:"hashed"`
			Similar []struct {
				Distance int             `json:"distance"`
				Asset    *archive.Record `json:"asset"`
			} `json:"similar"`
		}
		if err := c.do(ctx, http.MethodGet, "/v1/assets/"+url.PathEscape(idArg)+"/similar", nil, &out); err != nil {
			return idArg, nil, err
		}
		if !out.Hashed {
			return out.ID, nil, similar.ErrNoHash
		}
		ms := make([]lookalike, 0, len(out.Similar))
		for _, m := range out.Similar {
			ms = append(ms, lookalike{similar.Match{ID: m.Asset.ID, Distance: m.Distance}, m.Asset})
		}
		return out.ID, ms, nil
	}
	id := idArg
	var ms []lookalike
	err := g.withRecord(idArg, func(a *archive.Archive, full string) error {
		id = full
		look, err := g.lookalikes(a)
		if err != nil {
			return err
		}
		found, err := look.Similar(ctx, id)
		if err != nil {
			return err
		}
		for _, m := range found {
			rec, err := a.Store().Get(m.ID)
			if err != nil {
				return err
			}
			ms = append(ms, lookalike{m, rec})
		}
		return nil
	})
	return id, ms, err
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
