package api

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/archive/report"
)

// The maintenance of a running archive: what `archive import-metadata`,
// `report`, `verify`, `rethumb` and `reindex` do while `archive serve`
// holds the archive. Each calls the function the CLI calls on an archive
// it opens, so the answers are the same either way.

// Maintenance runs the whole-archive jobs; every field may be nil (its
// route answers 503).
type Maintenance struct {
	// Import applies spreadsheets (curation.Curator.ImportMetadata).
	Import func(ctx context.Context, name string, csv io.Reader, opts curation.ImportOptions) (*curation.ImportReport, error)
	// Reports is the archive the periodic reports count (report.Build).
	Reports report.Archive
	// Verify re-hashes every original and looks for every rendition
	// (backup.Verify).
	Verify func(ctx context.Context, progress func(archive.Progress)) (*backup.VerifyReport, error)
	// Rethumb renders renditions again (ingest.Pipeline.Rethumb, with the
	// selection of `archive rethumb`).
	Rethumb func(ctx context.Context, req RethumbRequest, progress func(archive.Progress)) (*ingest.RethumbReport, error)
	// Reindex rebuilds the search index beside the live one and swaps it
	// in (indexer.Index.Rebuild); it returns the records indexed.
	Reindex func(ctx context.Context, progress func(done, total int)) (int, error)
}

// RethumbRequest is the body of POST /v1/rethumb.
type RethumbRequest struct {
	// All renders every record again; otherwise the records whose
	// renditions are missing, placeholders or of an older version.
	All bool `json:"all,omitempty"`
	// Workers is how many records are rendered at once (0: the server's
	// ingest workers).
	Workers int `json:"workers,omitempty"`
}

// ReindexSummary is what a finished reindex job did.
type ReindexSummary struct {
	Records  int     `json:"records"`
	ElapsedS float64 `json:"elapsed_s"`
}

// canRun says whether the server can run jobs of kind (503 otherwise).
func (s *Server) canRun(kind string) error {
	m := s.deps.Maintenance
	var ok bool
	switch kind {
	case KindBackup:
		ok = s.deps.Backup != nil
	case KindVerify:
		ok = m.Verify != nil
	case KindRethumb:
		ok = m.Rethumb != nil
	case KindReindex:
		ok = m.Reindex != nil
	}
	if !ok {
		return refuse(http.StatusServiceUnavailable, kind+" is not available on this server")
	}
	return nil
}

// maintenanceJob is the handler that queues a verify, rethumb or reindex job (admins) and
// answers 202 with it; GET /v1/jobs/{id} follows it, and its report is in
// the finished job.
func maintenanceJob(kind string) func(*Server) http.HandlerFunc {
	return func(s *Server) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !s.requireAdminRole(w, r) {
				return
			}
			j := &job{Job: Job{Kind: kind}}
			if kind == KindRethumb && r.ContentLength != 0 {
				if err := s.readJSON(r, &j.RethumbReq, "a rethumb request"); err != nil {
					s.writeError(w, r, err)
					return
				}
				if j.RethumbReq.Workers < 0 || j.RethumbReq.Workers > 256 {
					badParam(w, r, "workers", "want 0 (the server's) to 256")
					return
				}
			}
			j.osUser = onBehalfOf(r)
			err := s.canRun(kind)
			var snap *Job
			if err == nil {
				snap, err = s.queueJob(r.Context(), j)
			}
			s.answerQueued(w, r, snap, err)
		}
	}
}

// onBehalfOf is the person at the local CLI's terminal, when the request
// carries the local admin token; "" otherwise.
func onBehalfOf(r *http.Request) string {
	if !principalFrom(r.Context()).local() {
		return ""
	}
	return norm.NFC.String(r.Header.Get(onBehalfHeader))
}

// runMaintenance runs the verify, rethumb or reindex job j and finishes it.
func (s *Server) runMaintenance(ctx context.Context, j *job) error {
	m := s.deps.Maintenance
	progress := func(p archive.Progress) { s.jobs.progress(j, p) }
	var err error
	switch j.Kind {
	case KindVerify:
		var rep *backup.VerifyReport
		if rep, err = m.Verify(ctx, progress); rep != nil {
			s.jobs.mu.Lock()
			j.Verify = rep
			s.jobs.mu.Unlock()
		}
	case KindRethumb:
		var rep *ingest.RethumbReport
		if rep, err = m.Rethumb(ctx, j.RethumbReq, progress); rep != nil {
			s.jobs.mu.Lock()
			j.Rethumb = rep
			s.jobs.mu.Unlock()
		}
	case KindReindex:
		start := time.Now()
		var n int
		n, err = m.Reindex(ctx, func(done, total int) {
			progress(archive.Progress{FilesDone: done, FilesTotal: total, Started: start})
		})
		if err == nil {
			s.jobs.mu.Lock()
			j.Reindex = &ReindexSummary{Records: n, ElapsedS: time.Since(start).Seconds()}
			s.jobs.mu.Unlock()
		}
	}
	s.jobs.end(j, err)
	return err
}

// handleImportMetadata applies a spreadsheet of edits (curators): the body
// is the CSV, name (optional) names it in the row errors, dry_run=true
// computes the changes and writes nothing. It answers the import's report,
// row by row, as `archive import-metadata --json` prints it.
func (s *Server) handleImportMetadata() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireCurator(w, r) {
			return
		}
		if s.deps.Maintenance.Import == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "importing metadata is not available on this server")
			return
		}
		name, dry := "upload.csv", false
		for k, vals := range r.URL.Query() {
			switch {
			case len(vals) != 1:
				badParam(w, r, k, "repeated parameter")
				return
			case k == "name" && vals[0] != "":
				name = vals[0]
			case k == "dry_run":
				b, err := strconv.ParseBool(vals[0])
				if err != nil {
					badParam(w, r, "dry_run", "want true or false")
					return
				}
				dry = b
			default:
				badParam(w, r, k, "unknown parameter (known: name, dry_run)")
				return
			}
		}
		ctx := r.Context()
		who := actorName(ctx)
		if o := onBehalfOf(r); o != "" {
			who = o
		}
		rep, err := s.deps.Maintenance.Import(ctx, name, r.Body, curation.ImportOptions{DryRun: dry, Who: who})
		if rep != nil && !dry {
			s.reindexRows(ctx, rep.Rows)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusOK, rep)
	}
}

// reindexRows tells the index about the records an import changed.
func (s *Server) reindexRows(ctx context.Context, rows []curation.ImportRow) {
	for _, row := range rows {
		if row.ID == "" || len(row.Changes) == 0 {
			continue
		}
		rec, err := s.deps.Records.Get(row.ID)
		if err != nil {
			s.log.WarnContext(ctx, "index update after import", "id", row.ID, "err", err)
			continue
		}
		s.reindex(ctx, rec)
	}
}

// handleReport writes the periodic report (admins): period as `archive
// report --period`, format md (default), csv or json, department to
// override the settings' and tz for the period's days (default the
// server's time zone).
func (s *Server) handleReport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireAdminRole(w, r) {
			return
		}
		if s.deps.Maintenance.Reports == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "reports are not available on this server")
			return
		}
		q := map[string]string{"format": "md"}
		for k, vals := range r.URL.Query() {
			switch {
			case len(vals) != 1:
				badParam(w, r, k, "repeated parameter")
				return
			case k == "period" || k == "format" || k == "department" || k == "tz":
				q[k] = vals[0]
			default:
				badParam(w, r, k, "unknown parameter (known: period, format, department, tz)")
				return
			}
		}
		loc := s.loc
		if tz := q["tz"]; tz != "" {
			l, err := time.LoadLocation(tz)
			if err != nil {
				badParam(w, r, "tz", "not a time zone: "+tz)
				return
			}
			loc = l
		}
		if q["period"] == "" {
			badParam(w, r, "period", "required: 2026, 2026-H1, 2026-Q1 or 2026-01-01..2026-06-30")
			return
		}
		p, err := report.ParsePeriod(q["period"], loc)
		if err != nil {
			badParam(w, r, "period", err.Error())
			return
		}
		format, ok := report.FormatOf(q["format"])
		if !ok {
			badParam(w, r, "format", "want md, csv or json")
			return
		}
		names := report.Names{Department: s.cfg.Department, Province: s.cfg.Province}
		if d := q["department"]; d != "" {
			names.Department = d
		}
		rep, err := report.Build(r.Context(), s.deps.Maintenance.Reports, p, names)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", format.ContentType)
		w.Header().Set("Cache-Control", "no-store")
		if err := format.Write(rep, w); err != nil {
			s.log.WarnContext(r.Context(), "report cut short", "err", err)
		}
	}
}
