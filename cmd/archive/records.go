package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
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
		RunE:  func(cmd *cobra.Command, args []string) error { return runShow(cmd.Context(), g, o, args[0]) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the record's JSON")
	return c
}

func runShow(ctx context.Context, g *globalOptions, o showOptions, idArg string) error {
	show := func(rec *archive.Record) error {
		if o.json {
			return newJSONEncoder(g.stdout, true).Encode(rec)
		}
		return printRecord(g.stdout, rec)
	}
	if c := g.serverClient(ctx, false); c != nil {
		var rec archive.Record
		if err := c.do(ctx, http.MethodGet, "/v1/assets/"+url.PathEscape(idArg), nil, &rec); err != nil {
			return err
		}
		return show(&rec)
	}
	return g.withRecord(idArg, func(a *archive.Archive, id string) error {
		rec, err := a.Store().Get(id)
		if err != nil {
			return err
		}
		return show(rec)
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
		RunE:  func(cmd *cobra.Command, args []string) error { return runExport(cmd.Context(), g, o) },
	}
	c.Flags().StringVar(&o.format, "format", "jsonl", "output format: jsonl, or csv (UTF-8 with BOM, CRLF; edit and feed to import-metadata)")
	return c
}

func runExport(ctx context.Context, g *globalOptions, o exportOptions) error {
	if o.format != "jsonl" && o.format != "csv" {
		return fmt.Errorf("%w: --format %q (want jsonl or csv)", errUsage, o.format)
	}
	recs, done, err := g.records(ctx)
	if err != nil {
		return err
	}
	defer done()
	if o.format == "csv" {
		return curation.ExportCSV(recs, g.stdout)
	}
	enc := newJSONEncoder(g.stdout, false)
	return recs.ForEach(func(r *archive.Record) error { return enc.Encode(r) })
}

type listOptions struct {
	limit                     int
	json                      bool
	kinds, visibility, status []string
	from, to                  string
}

func newListCommand(g *globalOptions) *cobra.Command {
	var o listOptions
	c := &cobra.Command{
		Use:   "list",
		Short: "List records in id order: id, kind, capture date, status and title",
		Long: `List prints every record in id order, or those the filters keep (the
filters of 'archive search', read from the records rather than the index).
While 'archive serve' runs it reads the records through the server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runList(cmd.Context(), g, o) },
	}
	f := c.Flags()
	f.IntVar(&o.limit, "limit", 0, "show at most this many (0: all)")
	f.BoolVar(&o.json, "json", false, "print one JSON object per line: id, kind, captured_at, status, visibility, title")
	f.StringSliceVar(&o.kinds, "kind", nil, "photo, video or publication (repeatable)")
	f.StringSliceVar(&o.visibility, "visibility", nil, "public or internal")
	f.StringSliceVar(&o.status, "status", nil, "draft, review, published or withdrawn")
	f.StringVar(&o.from, "from", "", "captured on or after DATE (YYYY-MM-DD or RFC 3339)")
	f.StringVar(&o.to, "to", "", "captured on or before DATE (YYYY-MM-DD: the whole day; RFC 3339: before that instant)")
	return c
}

// listLine is one line of `archive list --json`.
type listLine struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	CapturedAt *time.Time `json:"captured_at"`
	Status     string     `json:"status"`
	Visibility string     `json:"visibility"`
	Title      string     `json:"title"`
}

// keep returns the filter of the flags: the search filters, on records.
func (o listOptions) keep(loc *time.Location) (func(*archive.Record) bool, error) {
	from, err := parseDateFlag("--from", o.from, loc, false)
	if err != nil {
		return nil, err
	}
	to, err := parseDateFlag("--to", o.to, loc, true)
	if err != nil {
		return nil, err
	}
	for _, v := range o.visibility {
		if _, err := archive.ParseVisibility(v); err != nil {
			return nil, fmt.Errorf("%w: --visibility: %v", errUsage, err)
		}
	}
	for _, s := range o.status {
		if _, err := archive.ParseStatus(s); err != nil {
			return nil, fmt.Errorf("%w: --status: %v", errUsage, err)
		}
	}
	in := func(set []string, v string) bool { return len(set) == 0 || slices.Contains(set, v) }
	return func(r *archive.Record) bool {
		if !in(o.kinds, string(r.Kind)) || !in(o.visibility, string(r.Visibility)) || !in(o.status, string(r.Status)) {
			return false
		}
		if (!from.IsZero() || !to.IsZero()) && r.CapturedAt == nil {
			return false
		}
		return (from.IsZero() || !r.CapturedAt.Before(from)) && (to.IsZero() || r.CapturedAt.Before(to))
	}, nil
}

func runList(ctx context.Context, g *globalOptions, o listOptions) error {
	loc, err := g.location()
	if err != nil {
		return err
	}
	keep, err := o.keep(loc)
	if err != nil {
		return err
	}
	recs, done, err := g.records(ctx)
	if err != nil {
		return err
	}
	defer done()
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	enc := newJSONEncoder(g.stdout, false)
	if !o.json {
		fmt.Fprintln(tw, "ID\tKIND\tCAPTURED\tSTATUS\tTITLE")
	}
	n := 0
	err = recs.ForEach(func(r *archive.Record) error {
		if o.limit > 0 && n >= o.limit || !keep(r) {
			return nil
		}
		n++
		title, _ := r.DisplayTitle()
		if o.json {
			return enc.Encode(listLine{ID: r.ID, Kind: string(r.Kind), CapturedAt: r.CapturedAt, Status: string(r.Status), Visibility: string(r.Visibility), Title: title})
		}
		captured := "-"
		if t := r.CaptureTime(); t != nil {
			captured = t.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID[:12], r.Kind, captured, r.Status, title)
		return nil
	})
	if err != nil {
		return err
	}
	if o.json {
		return nil
	}
	return tw.Flush()
}
