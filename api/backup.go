package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"

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
// backup's manifest.
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
		dec := json.NewDecoder(io.LimitReader(r.Body, s.cfg.MaxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeProblem(w, r, http.StatusBadRequest, "the body is not a backup request: "+err.Error())
			return
		}
		if !filepath.IsAbs(req.Dest) {
			badParam(w, r, "dest", "give an absolute folder on the server")
			return
		}
		m, err := s.deps.Backup(r.Context(), req.Dest, backup.BackupOptions{WithRenditions: req.WithRenditions, Logger: s.log})
		switch {
		case errors.Is(err, backup.ErrBackupDest):
			badParam(w, r, "dest", err.Error())
			return
		case err != nil && m == nil:
			s.internalError(w, r, err)
			return
		case err != nil:
			s.log.WarnContext(r.Context(), "backup incomplete", "dest", req.Dest, "err", err)
		}
		writeJSON(w, r, http.StatusOK, m)
	}
}
