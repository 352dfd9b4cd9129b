package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
)

func newJSONEncoder(w io.Writer, indent bool) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc
}

type showOptions struct{ json bool }

func newShowCommand(g *globalOptions) *cobra.Command {
	var o showOptions
	c := &cobra.Command{
		Use:   "show [--json] ID",
		Short: "Show one record (a full id or a unique prefix of at least 6 hex digits)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runShow(g, o, args[0]) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the record's JSON")
	return c
}

func runShow(g *globalOptions, o showOptions, idArg string) error {
	return g.withRecord(idArg, func(a *archive.Archive, id string) error {
		rec, err := a.Store().Get(id)
		if err != nil {
			return err
		}
		if o.json {
			return newJSONEncoder(g.stdout, true).Encode(rec)
		}
		return printRecord(g.stdout, rec)
	})
}

// withRecord opens the archive read-only, resolves an id or unique prefix
// and calls fn with the full id.
func (g *globalOptions) withRecord(idArg string, fn func(a *archive.Archive, id string) error) error {
	a, err := g.openArchive(true)
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := a.Store().Resolve(idArg)
	if err != nil {
		return err
	}
	return fn(a, id)
}

// printRecord writes a record for people: one "field: value" per line.
func printRecord(w io.Writer, r *archive.Record) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(k string, v any) {
		if s := fmt.Sprint(v); s != "" && s != "0" && s != "[]" && s != "<nil>" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, s)
		}
	}
	line("id", r.ID)
	line("kind", fmt.Sprintf("%s (%s, %s)", r.Kind, r.MIME, fmtBytes(r.Size)))
	line("file", r.SourcePath)
	if r.Width > 0 {
		line("size", fmt.Sprintf("%d×%d", r.Width, r.Height))
	}
	if r.CapturedAt != nil {
		line("captured", fmt.Sprintf("%s (from %s)", r.CapturedAt.Format(time.RFC3339), r.CapturedAtSource))
	}
	for _, lang := range slices.Sorted(maps.Keys(r.Title)) {
		line("title."+lang, r.Title[lang])
	}
	for _, lang := range slices.Sorted(maps.Keys(r.Description)) {
		line("description."+lang, r.Description[lang])
	}
	line("keywords", strings.Join(r.Keywords, "; "))
	line("categories", strings.Join(r.Categories, "; "))
	if r.Place != nil {
		line("place", r.Place.Code+" "+r.Place.Name)
	}
	line("creator", r.Creator)
	line("credit", r.Credit)
	line("rights", r.Rights)
	line("licence", r.Licence)
	if r.Camera != nil {
		line("camera", strings.TrimSpace(r.Camera.Name()+" "+r.Camera.Lens))
	}
	if r.GPS != nil {
		line("gps", fmt.Sprintf("%.6f, %.6f", r.GPS.Lat, r.GPS.Lon))
	}
	line("status", fmt.Sprintf("%s, %s", r.Status, r.Visibility))
	var rs []string
	for _, x := range r.Renditions {
		rs = append(rs, fmt.Sprintf("%s %d×%d", x.Name, x.Width, x.Height))
	}
	line("renditions", strings.Join(rs, ", "))
	for _, wmsg := range r.Warnings {
		line("warning", wmsg)
	}
	return tw.Flush()
}

type exportOptions struct{ format string }

func newExportCommand(g *globalOptions) *cobra.Command {
	var o exportOptions
	c := &cobra.Command{
		Use:   "export --format jsonl|csv",
		Short: "Print every record in id order: JSON lines, or a spreadsheet for import-metadata",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runExport(g, o) },
	}
	c.Flags().StringVar(&o.format, "format", "jsonl", "output format: jsonl, or csv (UTF-8 with BOM, CRLF; edit and feed to import-metadata)")
	return c
}

func runExport(g *globalOptions, o exportOptions) error {
	if o.format != "jsonl" && o.format != "csv" {
		return fmt.Errorf("%w: --format %q (want jsonl or csv)", errUsage, o.format)
	}
	a, err := g.openArchive(true)
	if err != nil {
		return err
	}
	defer a.Close()
	if o.format == "csv" {
		return curation.ExportCSV(a.Store(), g.stdout)
	}
	enc := newJSONEncoder(g.stdout, false)
	return a.Store().ForEach(func(r *archive.Record) error { return enc.Encode(r) })
}

type listOptions struct{ limit int }

func newListCommand(g *globalOptions) *cobra.Command {
	var o listOptions
	c := &cobra.Command{
		Use:   "list",
		Short: "List records: id, kind, capture date, status and title",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runList(g, o) },
	}
	c.Flags().IntVar(&o.limit, "limit", 0, "show at most this many (0: all)")
	return c
}

func runList(g *globalOptions, o listOptions) error {
	a, err := g.openArchive(true)
	if err != nil {
		return err
	}
	defer a.Close()
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tCAPTURED\tSTATUS\tTITLE")
	n := 0
	err = a.Store().ForEach(func(r *archive.Record) error {
		if o.limit > 0 && n >= o.limit {
			return nil
		}
		n++
		captured := "-"
		if t := r.CaptureTime(); t != nil {
			captured = t.Format("2006-01-02")
		}
		title, _ := r.DisplayTitle()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID[:12], r.Kind, captured, r.Status, title)
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}
