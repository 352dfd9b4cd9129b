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
		// A full id, or a unique prefix as in the CLI (the editor resolves
		// it: a bad id is a 400, an unknown one a 404).
		id := r.PathValue("id")
		var ed curation.Edit
		if err := s.readJSON(r, &ed, "an edit"); err != nil {
			s.writeError(w, r, err)
			return
		}
		via := archive.ViaAPI
		ctx := r.Context()
		// The CLI on the server's machine edits as the person at its
		// terminal, as it does without a server.
		if who := r.Header.Get(onBehalfHeader); who != "" && principalFrom(ctx).local() {
			via, ctx = archive.ViaCLI, withActorName(ctx, who)
		}
		rec, err := s.editAsset(ctx, id, ed, via)
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
	by := archive.Actor{Who: actorName(ctx), Via: via}
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

// onBehalfHeader names, on a request with the local admin token, the
// person at the CLI's terminal: the audit log names them (via cli).
const onBehalfHeader = "X-Archive-On-Behalf-Of"

// actorNameKey carries the name an edit is recorded under when it is not
// the caller's key's.
type actorNameKey struct{}

func withActorName(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, actorNameKey{}, who)
}

// actorName is who the audit log names for a change made in ctx.
func actorName(ctx context.Context) string {
	if who, ok := ctx.Value(actorNameKey{}).(string); ok {
		return who
	}
	return principalFrom(ctx).Name
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
