package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"

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
		RunE:  func(cmd *cobra.Command, args []string) error { return runStats(g, o) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return c
}

func runStats(g *globalOptions, o statsOptions) error {
	a, err := g.openArchive(true)
	if err != nil {
		return err
	}
	defer a.Close()
	st, err := a.Store().Stats()
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
		Short: "Re-hash every original; report missing or corrupt ones (exit 1 if any)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runVerify(cmd, g, o) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the report as JSON")
	return c
}

func runVerify(cmd *cobra.Command, g *globalOptions, o verifyOptions) error {
	a, err := g.openArchive(true)
	if err != nil {
		return err
	}
	defer a.Close()
	bar := g.bar(!o.json, "verify")
	rep, err := backup.Verify(cmd.Context(), a, bar.Update)
	bar.Finish()
	if err != nil {
		return err
	}
	if err := g.printReport(o.json, rep, func() {
		g.printProblems(rep.Problems)
		fmt.Fprintf(g.stdout, "verified %d originals (%s): %d problems\n", rep.Checked, fmtBytes(rep.Bytes), len(rep.Problems))
	}); err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%s missing or corrupt", plural(len(rep.Problems), "original"))
	}
	return nil
}
