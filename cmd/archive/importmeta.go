package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive/curation"
)

type importMetaOptions struct {
	dryRun bool
	json   bool
}

func newImportMetaCommand(g *globalOptions) *cobra.Command {
	var o importMetaOptions
	c := &cobra.Command{
		Use:   "import-metadata [--dry-run] [--json] FILE.csv",
		Short: "Apply a spreadsheet of edits (the layout of 'archive export --format csv'), row by row",
		Long: `Import-metadata reads a CSV in the layout of 'archive export --format csv' (any
subset of its columns; "id" required: a full id or a unique prefix) and applies
each valid row as one audited edit: a row is applied whole or not at all. An
empty cell leaves the field unchanged; "-" clears it (text in one language,
keywords, categories, place, creator, credit, rights, licence, agency and the
release dates publish_at, unpublish_at, rights_expire_at). The
"file" column is for people and is ignored. --dry-run prints what would change
and writes nothing. Exit 3 when some rows were refused.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runImportMeta(cmd, g, o, args[0]) },
	}
	c.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the changes, write nothing")
	c.Flags().BoolVar(&o.json, "json", false, "print one JSON object per row")
	return c
}

func runImportMeta(cmd *cobra.Command, g *globalOptions, o importMetaOptions, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := g.openArchive(o.dryRun)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := curation.New(a).ImportMetadata(cmd.Context(), file, f, curation.ImportOptions{DryRun: o.dryRun, Who: osUser()})
	if rep != nil {
		if perr := printImport(g, o, rep); perr != nil && err == nil {
			err = perr
		}
	}
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%w: %s refused", errPartial, plural(rep.Failed, "row"))
	}
	return nil
}

func printImport(g *globalOptions, o importMetaOptions, rep *curation.ImportReport) error {
	enc := newJSONEncoder(g.stdout, false)
	for _, r := range rep.Rows {
		if o.json {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		if r.Err != nil {
			fmt.Fprintln(g.stderr, "archive:", r.Err)
			continue
		}
		printAudit(g.stdout, r.Changes, false)
	}
	verb := "changed"
	if o.dryRun {
		verb = "would change (dry run: nothing written)"
	}
	fmt.Fprintf(g.stderr, "%s %s, %d unchanged, %d refused\n", plural(rep.Changed, "row"), verb, rep.Unchanged, rep.Failed)
	return nil
}

// plural is "1 row", "2 rows", "0 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
