package api

import (
	"context"
	"net/http"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
)

// Editor applies a curator's change to a record and keeps its audit trail;
// *archive.Archive implements it.
type Editor interface {
	Edit(ctx context.Context, id string, ed curation.Edit, by archive.Actor) (*archive.Record, []archive.AuditEntry, error)
	PreviewEdit(ctx context.Context, id string, ed curation.Edit, by archive.Actor) (*archive.Record, []archive.AuditEntry, error)
	History(id string) ([]archive.AuditEntry, error)
}

// handlePatch edits a record (curators). The body is an curation.Edit: the
// fields to change; absent fields stay as they are.
func (s *Server) handlePatch() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireCurator(w, r) {
			return
		}
		if s.deps.Editor == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "editing is not available on this server")
			return
		}
		id := r.PathValue("id")
		if !archive.ValidID(id) {
			badParam(w, r, "id", "an asset id is 64 lower-case hex digits")
			return
		}
		var ed curation.Edit
		if err := s.readJSON(r, &ed, "an edit"); err != nil {
			s.writeError(w, r, err)
			return
		}
		rec, err := s.editAsset(r.Context(), id, ed, archive.ViaAPI)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSON(w, r, http.StatusOK, newAssetOut(rec))
	}
}

// editAsset applies ed to the record id as the caller, by the path via,
// and tells the index: the one way an edit is made, for the API and the
// pages.
func (s *Server) editAsset(ctx context.Context, id string, ed curation.Edit, via archive.Via) (*archive.Record, error) {
	if s.deps.Editor == nil {
		return nil, refuse(http.StatusServiceUnavailable, "editing is not available on this server")
	}
	by := archive.Actor{Who: principalFrom(ctx).Name, Via: via}
	rec, _, err := s.deps.Editor.Edit(ctx, id, ed, by)
	if status, _, _ := problemFor(err); err != nil && (status == http.StatusInternalServerError || status == http.StatusInsufficientStorage) {
		// A write that failed (a full disk) may have been committed all the
		// same: the edit is made when the record now needs no change for
		// it. Otherwise nothing changed and the error stands.
		if now, entries, perr := s.deps.Editor.PreviewEdit(ctx, id, ed, by); perr == nil && now != nil && len(entries) == 0 {
			s.log.WarnContext(ctx, "the edit was committed although the write reported an error", "id", id, "err", err)
			rec, err = now, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if rec != nil {
		s.reindex(ctx, rec)
	}
	return rec, nil
}

// reindex tells the index about an edited record. A failure is logged: the
// index catches up from the store's change sequence when it next opens.
func (s *Server) reindex(ctx context.Context, rec *archive.Record) {
	if s.deps.Indexer == nil {
		return
	}
	seq, err := s.deps.Stats.LastSeq()
	if err == nil {
		err = s.deps.Indexer.Index(context.WithoutCancel(ctx), []*archive.Record{rec}, seq)
	}
	if err != nil {
		s.log.WarnContext(ctx, "index update after edit failed", "id", rec.ID, "err", err)
	}
}

// handleHistory lists a record's audit trail (curators).
func (s *Server) handleHistory() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireCurator(w, r) {
			return
		}
		if s.deps.Editor == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "history is not available on this server")
			return
		}
		rec := s.visibleRecord(w, r)
		if rec == nil {
			return
		}
		entries, err := s.deps.Editor.History(rec.ID)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if entries == nil {
			entries = []archive.AuditEntry{}
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSON(w, r, http.StatusOK, map[string]any{"id": rec.ID, "history": entries})
	}
}
