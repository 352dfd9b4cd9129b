package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"

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
	rep, err := g.importMetadata(cmd.Context(), file, f, curation.ImportOptions{DryRun: o.dryRun, Who: osUser()})
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
		if r.Error != "" {
			fmt.Fprintln(g.stderr, "archive:", r.Error)
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

// importMetadata applies the spreadsheet through the running server (POST
// /v1/metadata/import, on behalf of the person at this terminal), or on
// the archive opened here.
func (g *globalOptions) importMetadata(ctx context.Context, name string, csv io.Reader, opts curation.ImportOptions) (*curation.ImportReport, error) {
	if c := g.serverClient(ctx, false); c != nil {
		q := url.Values{"name": {name}, "dry_run": {strconv.FormatBool(opts.DryRun)}}
		resp, err := c.sendBody(ctx, http.MethodPost, "/v1/metadata/import?"+q.Encode(), "text/csv", csv)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var rep curation.ImportReport
		if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
			return nil, fmt.Errorf("archive server at %s: bad answer to the import: %w", c.base, err)
		}
		return &rep, nil
	}
	a, err := g.openArchive(opts.DryRun)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return curation.New(a).ImportMetadata(ctx, name, csv, opts)
}

// plural is "1 row", "2 rows", "0 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
