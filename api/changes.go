package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// ChangeLog is the store's change sequence and audit trail;
// *archive.Store implements it.
type ChangeLog interface {
	ChangesSince(after uint64, fn func(archive.Change) error) error
	History(id string) ([]archive.AuditEntry, error)
}

// changeOut is one entry of GET /v1/changes: an asset's latest change as
// the caller sees it now.
type changeOut struct {
	Seq    uint64    `json:"seq"`
	ID     string    `json:"id"`
	Type   string    `json:"type"` // created | updated | withdrawn | hidden
	At     time.Time `json:"at"`
	Record *assetOut `json:"record,omitempty"` // created and updated only
}

type changesOut struct {
	Changes []changeOut `json:"changes"`
	// Next is the cursor to send as since for what follows; it stays valid
	// across restarts (it is the store's change sequence number).
	Next string `json:"next"`
	More bool   `json:"more"`
}

// errPageFull stops the walk of the change sequence.
var errPageFull = errors.New("api: page full")

// handleChanges answers the change feed: after the cursor, each asset at
// its latest change, as created, updated, withdrawn (status withdrawn) or
// hidden (no longer visible to this caller, for any other reason). Assets
// the caller never could see are left out.
func (s *Server) handleChanges() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Changes == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "the change feed is not configured")
			return
		}
		q := r.URL.Query()
		var since uint64
		if c := q.Get("since"); c != "" {
			n, err := strconv.ParseUint(c, 10, 64)
			if err != nil {
				badParam(w, r, "since", "a cursor is the next value of an earlier answer (a whole number)")
				return
			}
			since = n
		}
		limit, err := intParam(q, "limit", 100, 1, 1000)
		if pe, ok := asParamError(err); ok {
			badParam(w, r, pe.name, pe.reason)
			return
		}
		p := principalFrom(r.Context())
		now := s.now()
		// The latest change of each asset after the cursor: earlier ones
		// are left out, so that each asset comes once, in its final state.
		var log []archive.Change
		last := map[string]uint64{}
		err = s.deps.Changes.ChangesSince(since, func(c archive.Change) error {
			log = append(log, c)
			last[c.ID] = c.Seq
			return nil
		})
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		out := changesOut{Changes: []changeOut{}, Next: strconv.FormatUint(since, 10)}
		for _, c := range log {
			if len(out.Changes) == limit {
				out.More = true
				break
			}
			out.Next = strconv.FormatUint(c.Seq, 10)
			if last[c.ID] != c.Seq {
				continue
			}
			ch, ok, err := s.changeFor(p, c, now)
			if err != nil {
				s.internalError(w, r, err)
				return
			}
			if ok {
				out.Changes = append(out.Changes, ch)
			}
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSON(w, r, http.StatusOK, out)
	}
}

// changeFor is change c as p sees the asset at now; ok is false when p
// never could see it.
func (s *Server) changeFor(p Principal, c archive.Change, now time.Time) (changeOut, bool, error) {
	rec, err := s.deps.Records.Get(c.ID)
	if errors.Is(err, archive.ErrNotFound) {
		return changeOut{}, false, nil
	}
	if err != nil {
		return changeOut{}, false, err
	}
	out := changeOut{Seq: c.Seq, ID: c.ID, At: c.At}
	if visibleTo(p, rec, now) {
		out.Type, out.Record = "updated", newAssetOut(rec)
		if c.Op == "create" {
			out.Type = "created"
		}
		return out, true, nil
	}
	hist, err := s.deps.Changes.History(c.ID)
	if err != nil {
		return changeOut{}, false, err
	}
	if !everAllowed(p, rec, hist) {
		return changeOut{}, false, nil
	}
	out.Type = "hidden"
	if rec.Status == archive.Withdrawn {
		out.Type = "withdrawn"
	}
	return out, true, nil
}

// everAllowed reports whether rec's visibility and status were, at some
// time, ones p may see: the current values are rolled back through the
// audit trail hist (oldest first). Release windows are not replayed.
func everAllowed(p Principal, rec *archive.Record, hist []archive.AuditEntry) bool {
	vis, status := p.allowed()
	if vis == nil && status == nil {
		return true
	}
	v, st := string(rec.Visibility), string(rec.Status)
	allowed := func() bool { return slices.Contains(vis, v) && slices.Contains(status, st) }
	if allowed() {
		return true
	}
	for i := len(hist) - 1; i >= 0; i-- {
		var old string
		if json.Unmarshal(hist[i].Old, &old) != nil {
			continue
		}
		switch hist[i].Field {
		case "status":
			st = old
		case "visibility":
			v = old
		default:
			continue
		}
		if allowed() {
			return true
		}
	}
	return false
}
