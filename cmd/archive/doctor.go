package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/thumbs"
)

type doctorOptions struct{ json bool }

func newDoctorCommand(g *globalOptions) *cobra.Command {
	var o doctorOptions
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check the external tools renditions need, and list the damaged files kept",
		Long: "Doctor lists the external tools the renderer runs, whether each was found, its version,\n" +
			"and what is lost without it. Missing tools do not stop ingest: those files get placeholder\n" +
			"renditions, and 'archive rethumb' redraws them once the tool is installed.\n\n" +
			"It then lists the damaged files the archive kept (truncated or corrupt photos, stored with\n" +
			"status review and renditions of what decodes): find a good copy, or decide what to keep.",
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
	// Damaged lists the damaged originals kept (archive.Record.Damaged);
	// empty when there is no archive at --root.
	Damaged []damagedRecord `json:"damaged"`
}

// damagedRecord is one damaged original in the doctor's report.
type damagedRecord struct {
	ID         string         `json:"id"`
	SourcePath string         `json:"source_path"`
	Status     archive.Status `json:"status"`
	Warnings   []string       `json:"warnings"`
}

// damagedRecords lists the damaged records of the archive at --root (read
// through the running server, or here), none when there is no archive
// there.
func damagedRecords(ctx context.Context, g *globalOptions) ([]damagedRecord, error) {
	out := []damagedRecord{}
	recs, done, err := g.records(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil // no archive here: only the tools are checked
	}
	if err != nil {
		return out, err
	}
	defer done()
	err = recs.ForEach(func(r *archive.Record) error {
		if r.Damaged {
			out = append(out, damagedRecord{ID: r.ID, SourcePath: r.SourcePath, Status: r.Status, Warnings: r.Warnings})
		}
		return nil
	})
	return out, err
}

// runDoctor reports the tools and the damaged records. Missing tools and
// damaged files are not an error (ingest goes on with placeholders and keeps
// the files), so the exit code is 0 unless the records cannot be read.
func runDoctor(ctx context.Context, g *globalOptions, o doctorOptions) error {
	rep := doctorReport{Tools: thumbs.New(thumbs.Options{}).Tools(ctx)}
	for _, t := range rep.Tools {
		if !t.Found {
			rep.Missing++
		}
	}
	// The tools are reported even when the records cannot be read: the
	// error comes last.
	damaged, listErr := damagedRecords(ctx, g)
	if listErr != nil {
		listErr = fmt.Errorf("damaged files not listed: %w", listErr)
	}
	rep.Damaged = damaged
	if o.json {
		return errors.Join(newJSONEncoder(g.stdout, true).Encode(rep), listErr)
	}
	if err := reportDoctor(g, rep); err != nil {
		return err
	}
	return listErr
}

// reportDoctor prints the doctor's report as text.
func reportDoctor(g *globalOptions, rep doctorReport) error {
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
	if len(rep.Damaged) == 0 {
		return nil
	}
	fmt.Fprintf(g.stdout, "\n%d damaged files kept for review (find a good copy, or keep what decodes):\n", len(rep.Damaged))
	tw = tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSOURCE\tPROBLEM")
	for _, d := range rep.Damaged {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.ID[:12], d.Status, d.SourcePath, damageWarning(d.Warnings))
	}
	return tw.Flush()
}

// damageWarning picks the warning that says what is wrong with a damaged
// file: the renderer's, or else the last.
func damageWarning(ws []string) string {
	for _, w := range ws {
		if strings.Contains(w, "damaged file") {
			return w
		}
	}
	if len(ws) == 0 {
		return "-"
	}
	return ws[len(ws)-1]
}
