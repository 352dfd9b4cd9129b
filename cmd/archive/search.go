package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/indexer"
)

type searchOptions struct {
	json                           bool
	kinds, categories, places, kws []string
	camera, from, to, near, bbox   string
	sort, facets                   string
	page, size                     int
	visibility, status             []string
	noServer                       bool
	query                          bool // QUERY is Bleve query-string syntax
}

func newSearchCommand(g *globalOptions) *cobra.Command {
	var o searchOptions
	c := &cobra.Command{
		Use:   "search [flags] [QUERY]",
		Short: "Search the archive by words (with or without diacritics) and filters",
		Long: `Search finds records by words in Vietnamese or English, typed with or without
diacritics; all words must match, and punctuation only separates them. When
the words find nothing, near spellings are tried and the output says so. With
--query, QUERY is a Bleve query string: "quoted phrases" match in order,
keyword:"chợ nổi" kind:photo -status:draft, title:hue*, width:>2000,
captured_at:>="2020-01-01". Without a QUERY the filters alone list what
matches.

While 'archive serve' runs on this root, search asks it (with curator rights,
so drafts and internal assets are found as here); --no-server skips the
server and opens the archive here, which fails while a server holds it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSearch(cmd.Context(), g, o, strings.Join(args, " "))
		},
	}
	f := c.Flags()
	f.BoolVar(&o.json, "json", false, "print hits, total, facets and took as JSON")
	f.BoolVar(&o.query, "query", false, "read QUERY as Bleve query-string syntax (fields, phrases, operators, wildcards)")
	f.StringSliceVar(&o.kinds, "kind", nil, "photo, video or publication (repeatable)")
	f.StringSliceVar(&o.categories, "category", nil, "category code (repeatable)")
	f.StringSliceVar(&o.places, "place", nil, "place code or name; historical and current units match each other (repeatable)")
	f.StringSliceVar(&o.kws, "keyword", nil, "whole keyword, any diacritics (repeatable)")
	f.StringVar(&o.camera, "camera", "", "camera make or model")
	f.StringVar(&o.from, "from", "", "captured on or after DATE (YYYY-MM-DD or RFC 3339)")
	f.StringVar(&o.to, "to", "", "captured on or before DATE (YYYY-MM-DD: the whole day; RFC 3339: before that instant)")
	f.StringVar(&o.near, "near", "", "LAT,LON,KM: within KM of a point")
	f.StringVar(&o.bbox, "bbox", "", "MINLAT,MINLON,MAXLAT,MAXLON: inside a box")
	f.StringSliceVar(&o.visibility, "visibility", nil, "public or internal")
	f.StringSliceVar(&o.status, "status", nil, "draft, review, published or withdrawn")
	f.StringVar(&o.sort, "sort", "", "relevance, captured_at, -captured_at, ingested_at or -ingested_at (default: relevance with a query, -captured_at without)")
	f.StringVar(&o.facets, "facets", "", "comma-separated: "+strings.Join(indexer.FacetNames(), ","))
	f.IntVar(&o.page, "page", 1, "page number, from 1")
	f.IntVar(&o.size, "size", indexer.DefaultSize, fmt.Sprintf("hits per page, at most %d", indexer.MaxSize))
	f.BoolVar(&o.noServer, "no-server", false, noServerUsage)
	return c
}

// searchQuery turns the flags into an indexer.Query.
func (o searchOptions) searchQuery(text string, loc *time.Location) (indexer.Query, error) {
	q := indexer.Query{
		Text: text, Kinds: o.kinds, Categories: o.categories, Places: o.places, Keywords: o.kws,
		Camera: o.camera, Visibility: o.visibility, Status: o.status, Sort: o.sort, Page: o.page, Size: o.size,
	}
	if o.query {
		q.Syntax = indexer.SyntaxQuery
	}
	if o.facets != "" {
		q.Facets = strings.Split(o.facets, ",")
	}
	var err error
	if q.From, err = parseDateFlag("--from", o.from, loc, false); err != nil {
		return q, err
	}
	if q.To, err = parseDateFlag("--to", o.to, loc, true); err != nil {
		return q, err
	}
	if o.near != "" {
		v, err := parseFloats("--near", o.near, 3)
		if err != nil {
			return q, err
		}
		q.Near = &indexer.Near{Lat: v[0], Lon: v[1], Km: v[2]}
	}
	if o.bbox != "" {
		v, err := parseFloats("--bbox", o.bbox, 4)
		if err != nil {
			return q, err
		}
		q.BBox = &indexer.BBox{MinLat: v[0], MinLon: v[1], MaxLat: v[2], MaxLon: v[3]}
	}
	return q, nil
}

// parseDateFlag reads a date bound flag (indexer.ParseDateBound).
func parseDateFlag(flag, s string, loc *time.Location, end bool) (time.Time, error) {
	t, err := indexer.ParseDateBound(s, loc, end)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s: %v", errUsage, flag, err)
	}
	return t, nil
}

func parseFloats(flag, s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("%w: %s %q: want %d comma-separated numbers", errUsage, flag, s, n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %s %q: %v", errUsage, flag, s, err)
		}
		out[i] = v
	}
	return out, nil
}

func runSearch(ctx context.Context, g *globalOptions, o searchOptions, text string) error {
	loc, err := time.LoadLocation(g.timezone)
	if err != nil {
		return fmt.Errorf("%w: --tz %q: %v", errUsage, g.timezone, err)
	}
	q, err := o.searchQuery(text, loc)
	if err != nil {
		return err
	}
	if c := g.serverClient(ctx, o.noServer); c != nil {
		res, err := c.search(ctx, o.params(text))
		if err != nil {
			return err
		}
		if o.json {
			return newJSONEncoder(g.stdout, true).Encode(res)
		}
		return printSearchResult(g, res, q.Facets)
	}
	return g.withIndex(ctx, func(a *archive.Archive, ix *indexer.Index) error {
		res, err := ix.Search(ctx, q)
		if errors.Is(err, indexer.ErrBadQuery) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if err != nil {
			return err
		}
		if o.json {
			return newJSONEncoder(g.stdout, true).Encode(res)
		}
		return printSearchResult(g, res, q.Facets)
	})
}

// withIndex opens the archive read-only and its index (caught up with the
// store), calls fn, and closes the index before the archive.
func (g *globalOptions) withIndex(ctx context.Context, fn func(a *archive.Archive, ix *indexer.Index) error) error {
	a, err := g.openArchive(true)
	if err != nil {
		return err
	}
	defer a.Close()
	ix, err := g.openIndex(ctx, a)
	if err != nil {
		return err
	}
	defer ix.Close()
	return fn(a, ix)
}

func printSearchResult(g *globalOptions, res *indexer.Result, facets []string) error {
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tCAPTURED\tTITLE")
	for _, h := range res.Hits {
		id := h.ID
		if len(id) > 12 {
			id = id[:12]
		}
		kind, captured, title := "-", "-", "(record missing)"
		if r := h.Record; r != nil {
			kind = string(r.Kind)
			title, _ = r.DisplayTitle()
			if t := r.CaptureTime(); t != nil {
				captured = t.Format("2006-01-02")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", id, kind, captured, title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.Corrected != "" {
		fmt.Fprintf(g.stdout, "nothing matched the words as typed; showing results for: %s\n", res.Corrected)
	}
	first, took := (res.Page-1)*res.Size, float64(res.Took.Microseconds())/1000
	switch {
	case res.Total == 0:
		fmt.Fprintf(g.stdout, "no results (took %.1f ms)\n", took)
	case len(res.Hits) == 0:
		fmt.Fprintf(g.stdout, "page %d is past the last result: %s (took %.1f ms)\n", res.Page, plural(int(res.Total), "result"), took)
	default:
		fmt.Fprintf(g.stdout, "%d–%d of %d (took %.1f ms)\n", first+1, first+len(res.Hits), res.Total, took)
	}
	for _, name := range facets {
		name = strings.TrimSpace(name)
		var parts []string
		for _, fc := range res.Facets[name] {
			v := fc.Value
			if fc.Label != "" {
				v += " " + fc.Label
			}
			parts = append(parts, fmt.Sprintf("%s (%d)", v, fc.Count))
		}
		if len(parts) > 0 {
			fmt.Fprintf(g.stdout, "%s: %s\n", name, strings.Join(parts, ", "))
		}
	}
	return nil
}

// indexPath is ROOT/index.bleve.
func indexPath(a *archive.Archive) string { return filepath.Join(a.Root(), "index.bleve") }

// openIndex opens ROOT/index.bleve and catches it up with the store
// (building it on first use). Close it before the archive.
func (g *globalOptions) openIndex(ctx context.Context, a *archive.Archive) (*indexer.Index, error) {
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	opts := indexer.Options{Logger: log, Taxonomy: a.Taxonomy()}
	bar := g.bar(true, "index")
	defer bar.Finish()
	opts.OnRebuild = bar.Counts()
	return indexer.Open(ctx, indexPath(a), a.Store(), opts)
}

// params are the flags as the query parameters of GET /v1/assets.
func (o searchOptions) params(text string) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", text)
	if o.query {
		set("syntax", indexer.SyntaxQuery)
	}
	for k, list := range map[string][]string{"kind": o.kinds, "category": o.categories, "place": o.places,
		"keyword": o.kws, "visibility": o.visibility, "status": o.status} {
		for _, s := range list {
			v.Add(k, s)
		}
	}
	set("camera", o.camera)
	set("from", o.from)
	set("to", o.to)
	set("near", o.near)
	set("bbox", o.bbox)
	set("sort", o.sort)
	set("facets", o.facets)
	v.Set("page", strconv.Itoa(o.page))
	v.Set("size", strconv.Itoa(o.size))
	return v
}
