package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/thumbs"
)

type doctorOptions struct{ json bool }

func newDoctorCommand(g *globalOptions) *cobra.Command {
	var o doctorOptions
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check the external tools renditions need (ffmpeg, pdftoppm, heif-convert)",
		Long: "Doctor lists the external tools the renderer runs, whether each was found, its version,\n" +
			"and what is lost without it. Missing tools do not stop ingest: those files get placeholder\n" +
			"renditions, and 'archive rethumb' redraws them once the tool is installed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runDoctor(cmd.Context(), g, o) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return c
}

// doctorReport is what `archive doctor --json` prints.
type doctorReport struct {
	Tools   []thumbs.ToolStatus `json:"tools"`
	Missing int                 `json:"missing"`
}

// runDoctor reports the tools. Missing tools are not an error (ingest
// goes on with placeholders), so the exit code is 0 either way.
func runDoctor(ctx context.Context, g *globalOptions, o doctorOptions) error {
	rep := doctorReport{Tools: thumbs.New(thumbs.Options{}).Tools(ctx)}
	for _, t := range rep.Tools {
		if !t.Found {
			rep.Missing++
		}
	}
	if o.json {
		return newJSONEncoder(g.stdout, true).Encode(rep)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TOOL\tSTATUS\tVERSION\tPATH\tWITHOUT IT")
	for _, t := range rep.Tools {
		status, version, path := "ok", t.Version, t.Path
		if !t.Found {
			status, version, path = "missing", "-", "apt install "+t.Package
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, status, version, path, t.Without)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Missing > 0 {
		fmt.Fprintf(g.stdout, "%d of %d tools missing: those files get placeholder renditions until installed (then run 'archive rethumb')\n",
			rep.Missing, len(rep.Tools))
	}
	return nil
}
