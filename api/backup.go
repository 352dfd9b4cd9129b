package api

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"time"

	"github.com/haiduong/promo-archive/archive"

	"github.com/haiduong/promo-archive/archive/backup"
)

// Backupper makes a hot backup of the archive (backup.Backup on the
// server's archive). It runs while the server holds the archive, which is
// how `archive backup` works while `archive serve` runs.
type Backupper func(ctx context.Context, dest string, opts backup.BackupOptions) (*backup.BackupManifest, error)

// BackupRequest is the body of POST /v1/backup.
type BackupRequest struct {
	Dest           string `json:"dest"` // an absolute folder on the server, on other media
	WithRenditions bool   `json:"with_renditions,omitempty"`
}

// handleBackup copies the database and new originals to a folder on the
// server (curators). It answers when the copy is complete, with the
// backup's manifest; the run is kept as a backup job (GET /v1/jobs).
func (s *Server) handleBackup() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireCurator(w, r) {
			return
		}
		if s.deps.Backup == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "backups are not available on this server")
			return
		}
		var req BackupRequest
		if err := s.readJSON(r, &req, "a backup request"); err != nil {
			s.writeError(w, r, err)
			return
		}
		if !filepath.IsAbs(req.Dest) {
			badParam(w, r, "dest", "give an absolute folder on the server")
			return
		}
		j := &job{Job: Job{ID: newJobID(), Kind: KindBackup, State: JobQueued, Dest: req.Dest,
			By: principalFrom(r.Context()).Name, CreatedAt: time.Now()}, WithRenditions: req.WithRenditions}
		if err := s.jobs.store(j.ID, j); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.jobs.mu.Lock()
		s.jobs.track(j)
		s.jobs.mu.Unlock()
		s.metrics.jobsActive.WithLabelValues(JobQueued).Inc()
		s.jobs.start(j)
		// The request's context, and the server's: a stopping server
		// interrupts the backup as it does an ingest.
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		defer context.AfterFunc(s.jobs.ctx, cancel)()
		m, err := s.runBackup(ctx, j)
		switch {
		case errors.Is(err, backup.ErrBackupDest):
			badParam(w, r, "dest", err.Error())
			return
		case err != nil && m == nil:
			s.writeError(w, r, err)
			return
		case err != nil:
			s.log.WarnContext(r.Context(), "backup incomplete", "dest", req.Dest, "err", err)
		}
		writeJSON(w, r, http.StatusOK, m)
	}
}

// runBackup runs the backup job j (running already) and finishes it.
func (s *Server) runBackup(ctx context.Context, j *job) (*backup.BackupManifest, error) {
	m, err := s.deps.Backup(ctx, j.Dest, backup.BackupOptions{WithRenditions: j.WithRenditions, Keep: j.Keep, Logger: s.log,
		OnProgress: func(p archive.Progress) { s.jobs.progress(j, p) }})
	if m != nil {
		s.jobs.mu.Lock()
		j.Backup = &BackupSummary{Records: m.Records, Originals: m.Originals, Copied: m.Copied, CopiedBytes: m.CopiedBytes, Problems: len(m.Problems)}
		s.jobs.mu.Unlock()
	}
	s.jobs.end(j, err)
	return m, err
}
