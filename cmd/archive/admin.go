package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
	"github.com/spf13/cobra"
)

type statsOptions struct{ json bool }

func newStatsCommand(g *globalOptions) *cobra.Command {
	var o statsOptions
	c := &cobra.Command{
		Use:   "stats",
		Short: "Count records by kind, type, status, visibility and title language",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runStats(cmd.Context(), g, o) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return c
}

func runStats(ctx context.Context, g *globalOptions, o statsOptions) error {
	st, err := g.stats(ctx)
	if err != nil {
		return err
	}
	if o.json {
		return newJSONEncoder(g.stdout, true).Encode(st)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "records:\t%d (%s)\n", st.Records, fmtBytes(st.Bytes))
	counts(tw, "kind", st.ByKind)
	counts(tw, "type", st.ByMIME)
	counts(tw, "status", st.ByStatus)
	counts(tw, "visibility", st.ByVisibility)
	counts(tw, "title language", st.TitleLanguages)
	counts(tw, "description language", st.DescriptionLanguages)
	counts(tw, "reviewed language", st.ReviewedLanguages)
	fmt.Fprintf(tw, "with capture time:\t%d\n", st.WithCaptured)
	fmt.Fprintf(tw, "with GPS:\t%d\n", st.WithGPS)
	fmt.Fprintf(tw, "with renditions:\t%d\n", st.WithRenditions)
	fmt.Fprintf(tw, "with warnings:\t%d\n", st.WithWarnings)
	fmt.Fprintf(tw, "embargoed:\t%d\n", st.Embargoed)
	fmt.Fprintf(tw, "rights expired:\t%d\n", st.RightsExpired)
	fmt.Fprintf(tw, "rights expiring within 30 days:\t%d\n", st.RightsExpiringSoon)
	return tw.Flush()
}

func counts(w io.Writer, label string, m map[string]int) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(w, "%s %s:\t%d\n", label, k, m[k])
	}
}

type verifyOptions struct{ json bool }

func newVerifyCommand(g *globalOptions) *cobra.Command {
	var o verifyOptions
	c := &cobra.Command{
		Use:   "verify",
		Short: "Re-hash every original and look for every rendition; report problems (exit 1 if any)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runVerify(cmd, g, o) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the report as JSON")
	return c
}

func runVerify(cmd *cobra.Command, g *globalOptions, o verifyOptions) error {
	bar := g.bar(!o.json, "verify")
	rep, err := g.verify(cmd.Context(), bar.Update)
	bar.Finish()
	if err != nil {
		return err
	}
	if err := g.printReport(o.json, rep, func() {
		g.printProblems(rep.Problems)
		fmt.Fprintf(g.stdout, "verified %d originals (%s) and %d renditions: %d problems\n", rep.Checked, fmtBytes(rep.Bytes), rep.Renditions, len(rep.Problems))
	}); err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d originals or renditions missing or corrupt (run 'archive rethumb' for renditions)", len(rep.Problems))
	}
	return nil
}

// verify runs a verify job on the running server (POST /v1/verify), or
// verifies the archive opened here.
func (g *globalOptions) verify(ctx context.Context, progress func(archive.Progress)) (*backup.VerifyReport, error) {
	if c := g.serverClient(ctx, false); c != nil {
		j, err := c.runJob(ctx, "/v1/verify", nil, progress)
		if err != nil {
			return nil, err
		}
		if j.Verify == nil {
			return nil, fmt.Errorf("archive server at %s: verify job %s has no report", c.base, j.ID)
		}
		return j.Verify, nil
	}
	a, err := g.openArchive(true)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return backup.Verify(ctx, a, progress)
}

// stats counts the records through the running server (the local admin
// sees them all), or on the archive opened here.
func (g *globalOptions) stats(ctx context.Context) (*archive.Stats, error) {
	if c := g.serverClient(ctx, false); c != nil {
		var st archive.Stats
		if err := c.do(ctx, http.MethodGet, "/v1/stats", nil, &st); err != nil {
			return nil, err
		}
		return &st, nil
	}
	a, err := g.openArchive(true)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return a.Store().StatsWhere(time.Now(), nil)
}
