package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/thumbs"
)

type ingestOptions struct {
	json           bool
	workers        int
	status         string
	visibility     string
	followSymlinks bool
	noRenditions   bool
}

func newIngestCommand(g *globalOptions) *cobra.Command {
	var o ingestOptions
	c := &cobra.Command{
		Use:   "ingest [flags] PATH...",
		Short: "Ingest folders or files of photos, videos and publications",
		Long: `Ingest walks each PATH (folders recursively; symbolic links are not followed
unless --follow-symlinks), skips hidden files and operating-system junk, and stores
every new file under its SHA-256 with its metadata and renditions. The source
is never modified.

A metadata.csv in any folder describes its files (columns: file, title_vi,
title_en, description_vi, description_en, keywords, categories, place, creator,
credit, rights, licence, visibility, status, captured_at; lists are
';'-separated). Curator values win over embedded ones.

Each file ends as added, duplicate (same bytes already archived), unchanged
(same path, size and mtime as last time), rejected (not a supported file) or
failed. Exit status: 0 when every file was added, duplicate or unchanged; 3
when some were rejected or failed; 1 on a fatal error. Interrupted runs resume.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runIngest(cmd, g, o, args) },
	}
	f := c.Flags()
	f.BoolVar(&o.json, "json", false, "print one JSON object per input file on stdout")
	f.IntVar(&o.workers, "workers", 0, "files processed at once (default: number of CPUs)")
	f.StringVar(&o.status, "status", "", "status of new assets: draft (default), review, published, withdrawn")
	f.StringVar(&o.visibility, "visibility", "", "visibility of new assets: public (default) or internal")
	f.BoolVar(&o.followSymlinks, "follow-symlinks", false, "ingest files that symbolic links point to")
	f.BoolVar(&o.noRenditions, "no-renditions", false, "skip thumbnails and previews (make them later with rethumb)")
	return c
}

func runIngest(cmd *cobra.Command, g *globalOptions, o ingestOptions, args []string) error {
	status, err := archive.ParseStatus(o.status)
	if err != nil {
		return fmt.Errorf("%w: --status: %v", errUsage, err)
	}
	vis, err := archive.ParseVisibility(o.visibility)
	if err != nil {
		return fmt.Errorf("%w: --visibility: %v", errUsage, err)
	}
	a, err := g.openArchive(false)
	if err != nil {
		return err
	}
	defer a.Close()
	ix, err := g.openIndex(cmd.Context(), a)
	if err != nil {
		return err
	}
	defer ix.Close() // before the archive

	enc := json.NewEncoder(g.stdout)
	enc.SetEscapeHTML(false)
	opts := archive.IngestOptions{
		Workers:        o.workers,
		Defaults:       archive.Defaults{Status: status, Visibility: vis},
		FollowSymlinks: o.followSymlinks,
		Indexer:        ix,
	}
	if !o.noRenditions {
		opts.Renderer = thumbs.New(thumbs.Options{})
	}
	var bar *progressBar
	if !o.json && g.interactive {
		bar = newProgressBar(g.stderr, "ingest")
		opts.OnProgress = bar.Update
	}
	opts.OnResult = func(r archive.FileResult) {
		if o.json {
			enc.Encode(r)
			return
		}
		if r.Status == archive.StatusRejected || r.Status == archive.StatusFailed {
			if bar != nil {
				fmt.Fprint(g.stderr, "\r\033[K")
			}
			fmt.Fprintf(g.stderr, "%s: %s: %s\n", r.Status, r.Path, r.Error)
		}
	}
	sum, err := a.Ingest(cmd.Context(), args, opts)
	if bar != nil {
		bar.Finish()
	}
	if sum != nil && !o.json {
		fmt.Fprintln(g.stdout, summaryLine(sum))
	}
	if err != nil {
		return err
	}
	if !sum.OK() {
		return &exitError{code: exitPartial}
	}
	return nil
}

func summaryLine(s *archive.Summary) string {
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{s.Added, "added"}, {s.Duplicate, "duplicate"}, {s.Unchanged, "unchanged"}, {s.Rejected, "rejected"}, {s.Failed, "failed"}} {
		parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
	}
	return fmt.Sprintf("%s; %s stored in %s", strings.Join(parts, ", "), fmtBytes(s.BytesAdded), s.Elapsed.Round(10_000_000))
}
