package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/text/unicode/norm"

	"github.com/haiduong/promo-archive/api"
	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/thumbs"
)

type ingestOptions struct {
	json           bool
	workers        int
	status         string
	visibility     string
	followSymlinks bool
	noRenditions   bool
	noServer       bool
	agency         string
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

A metadata.csv in any folder describes its files. Its columns: file,
title_vi, title_en, title_zh, title_ja, title_ko, description_vi,
description_en, description_zh, description_ja, description_ko, keywords,
categories, place, creator, credit, rights, licence, visibility, status,
captured_at, agency, publish_at, unpublish_at, rights_expire_at,
classification; lists are ';'-separated, times 2024-03-01, 2024-03-01 14:30
(the archive's time zone) or RFC 3339. Curator values win over embedded ones;
an agency column wins over --agency. A file to be published (--status
published, a status column) without a Vietnamese title is added as review,
with a warning.

A file marked as a state secret (Mật, Tối mật, Tuyệt mật, secret, top secret,
confidential) in the classification column or in its own classification
metadata (IPTC Special Instructions, XMP photoshop:Instructions, PDF keywords
or subject) is rejected and nothing of it is stored.

Each file ends as added, duplicate (same bytes already archived), unchanged
(same path, size and mtime as last time), rejected (not a supported file) or
failed. Exit status: 0 when every file was added, duplicate or unchanged; 3
when some were rejected or failed; 1 on a fatal error or when Ctrl-C or SIGTERM
stopped it (within seconds; committed files stay; a second one quits at once
with 130). Interrupted runs resume.

While 'archive serve' runs on this root, ingest submits a job to it and follows
its progress (the server's workers and renderer do the work; Ctrl-C stops
following, not the job). --no-server skips the server and opens the archive
here, which fails while a server holds it (see the flag).`,
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
	f.BoolVar(&o.noServer, "no-server", false, noServerUsage)
	f.StringVar(&o.agency, "agency", "", `contributing agency of new assets, e.g. "Sở Du lịch" (a metadata.csv agency column overrides it)`)
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
	if c := g.serverClient(cmd.Context(), o.noServer); c != nil {
		return runIngestRemote(cmd.Context(), g, o, c, status, vis, args)
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
	ro := ingest.RunOptions{
		Defaults:       ingest.Defaults{Status: status, Visibility: vis, Agency: norm.NFC.String(strings.TrimSpace(o.agency))},
		FollowSymlinks: o.followSymlinks,
		NoRenditions:   o.noRenditions,
		By:             osUser(),
	}
	bar := g.bar(!o.json, "ingest")
	ro.OnProgress = bar.Update
	ro.OnResult = g.resultPrinter(o.json, bar)
	look, err := g.lookalikes(a)
	if err != nil {
		return err
	}
	sum, err := newPipeline(a, thumbs.New(thumbs.Options{}), ix, look, o.workers, true).Run(cmd.Context(), args, ro)
	bar.Finish()
	if sum != nil && !o.json {
		fmt.Fprintln(g.stdout, summaryLine(sum))
	}
	if err != nil {
		return err
	}
	if !sum.OK() {
		return errPartial
	}
	return nil
}

// resultPrinter prints each file's result: every one as a JSON line with
// --json, else only the rejected and failed ones, above the progress bar.
func (g *globalOptions) resultPrinter(asJSON bool, bar *progressBar) func(ingest.FileResult) {
	enc := newJSONEncoder(g.stdout, false)
	return func(r ingest.FileResult) {
		if asJSON {
			enc.Encode(r)
			return
		}
		if r.Status == ingest.StatusRejected || r.Status == ingest.StatusFailed {
			bar.Clear()
			fmt.Fprintf(g.stderr, "%s: %s: %s\n", r.Status, r.Path, r.Error)
		}
	}
}

func summaryLine(s *ingest.Summary) string {
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{s.Added, "added"}, {s.Duplicate, "duplicate"}, {s.Unchanged, "unchanged"}, {s.Rejected, "rejected"}, {s.Failed, "failed"}} {
		parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
	}
	return fmt.Sprintf("%s; %s stored in %s", strings.Join(parts, ", "), fmtBytes(s.BytesAdded), s.Elapsed.Round(10_000_000))
}

// runIngestRemote ingests through the running server: the paths go as
// absolute paths, results come back with the paths as given here.
func runIngestRemote(ctx context.Context, g *globalOptions, o ingestOptions, c *apiClient, status archive.Status, vis archive.Visibility, args []string) error {
	req := api.IngestRequest{Status: string(status), Visibility: string(vis), FollowSymlinks: o.followSymlinks, NoRenditions: o.noRenditions,
		Agency: o.agency, OSUser: osUser()}
	shown := map[string]string{} // absolute → as given
	for _, p := range args {
		abs, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", errUsage, p, err)
		}
		req.Paths = append(req.Paths, abs)
		shown[abs] = p
	}
	bar := g.bar(!o.json, "ingest")
	print := g.resultPrinter(o.json, bar)
	onResult := func(r ingest.FileResult) {
		for abs, p := range shown {
			if rest, ok := strings.CutPrefix(r.Path, abs); ok && (rest == "" || rest[0] == filepath.Separator) {
				r.Path = p + rest
				break
			}
		}
		print(r)
	}
	job, err := c.ingest(ctx, req, onResult, bar.Update)
	bar.Finish()
	if err != nil {
		return err
	}
	var sum ingest.Summary
	if js := job.Summary; js != nil {
		sum = ingest.Summary{Added: js.Added, Duplicate: js.Duplicate, Unchanged: js.Unchanged, Rejected: js.Rejected,
			Failed: js.Failed, BytesAdded: js.BytesAdded, Elapsed: time.Duration(js.ElapsedS * float64(time.Second))}
		if !o.json {
			fmt.Fprintln(g.stdout, summaryLine(&sum))
		}
	}
	if job.State != api.JobDone {
		return fmt.Errorf("ingest job %s %s: %s", job.ID, job.State, job.Error)
	}
	if !sum.OK() {
		return errPartial
	}
	return nil
}

// newPipeline builds the ingest pipeline of a: tools renders (unless
// render is false) and probes, ix (if not nil) indexes what is committed,
// look (if not nil) warns of near-duplicates.
func newPipeline(a *archive.Archive, tools *thumbs.Renderer, ix ingest.Indexer, look ingest.Lookalikes, workers int, render bool) *ingest.Pipeline {
	opts := ingest.Options{Prober: tools, Indexer: ix, Lookalikes: look, Workers: workers}
	if render {
		opts.Renderer = tools
	}
	return ingest.New(a, opts)
}
