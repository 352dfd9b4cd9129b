package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/collections"
)

// collectionOut is a collection as the API returns it: its items are the
// assets the caller may see, in order (a collection simply has fewer items
// for someone who may not see them all).
type collectionOut struct {
	ID          string                 `json:"id"`
	Title       map[string]string      `json:"title"`
	Description map[string]string      `json:"description"`
	Visibility  collections.Visibility `json:"visibility"`
	OwnerName   string                 `json:"owner_name"`
	Cover       string                 `json:"cover,omitempty"`
	CreatedAt   time.Time              `json:"created_at"`
	UpdatedAt   time.Time              `json:"updated_at"`
	ItemCount   int                    `json:"item_count"`
	Items       []*assetOut            `json:"items,omitempty"`
	Editable    bool                   `json:"editable"`
	Log         []collections.Change   `json:"log,omitempty"`
	Links       collectionLinks        `json:"links"`
}

type collectionLinks struct {
	Self     string `json:"self"`
	Download string `json:"download"`
}

func collectionPath(id string) string { return "/v1/collections/" + id }

// sharePath is the URL path of a share link.
func sharePath(token string) string { return "/v1/shares/" + token }

// callerOf is the principal as the collections package knows callers.
func callerOf(p Principal) collections.Caller {
	return collections.Caller{KeyID: p.KeyID, Name: p.Name, Role: p.Role}
}

// visibleItems returns the records of c's items that p may see, in order;
// missing ones are skipped.
func (s *Server) visibleItems(c *collections.Collection, p Principal) ([]*archive.Record, error) {
	now := s.now()
	var out []*archive.Record
	for _, id := range c.Items {
		rec, err := s.deps.Records.Get(id)
		if errors.Is(err, archive.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if visibleTo(p, rec, now) {
			out = append(out, rec)
		}
	}
	return out, nil
}

// newCollectionOut describes c to p; with items, the visible assets too.
func (s *Server) newCollectionOut(c *collections.Collection, p Principal, withItems bool) (*collectionOut, error) {
	recs, err := s.visibleItems(c, p)
	if err != nil {
		return nil, err
	}
	out := &collectionOut{ID: c.ID, Title: c.Title, Description: c.Description, Visibility: c.Visibility,
		OwnerName: c.OwnerName, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ItemCount: len(recs),
		Editable: c.EditableBy(callerOf(p)),
		Links:    collectionLinks{Self: collectionPath(c.ID), Download: collectionPath(c.ID) + "/download"}}
	for _, rec := range recs {
		if rec.ID == c.Cover || out.Cover == "" {
			out.Cover = rec.ID
		}
		if withItems {
			out.Items = append(out.Items, newAssetOut(rec))
		}
	}
	if withItems && out.Items == nil {
		out.Items = []*assetOut{}
	}
	if out.Editable {
		out.Log = c.Log
	}
	return out, nil
}

// collectionsAvailable answers 503 when the server has no collections.
func (s *Server) collectionsAvailable(w http.ResponseWriter, r *http.Request) bool {
	if s.deps.Collections == nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "collections are not available on this server")
		return false
	}
	return true
}

// decodeBody decodes the JSON body into v, refusing unknown fields.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, what string, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, s.cfg.MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeProblem(w, r, http.StatusBadRequest, "the body is not "+what+": "+err.Error())
		return false
	}
	return true
}

// collectionList describes the collections p may see, newest change
// first, without their items.
func (s *Server) collectionList(p Principal) ([]*collectionOut, error) {
	list, err := s.deps.Collections.List(callerOf(p))
	if err != nil {
		return nil, err
	}
	out := make([]*collectionOut, 0, len(list))
	for _, c := range list {
		co, err := s.newCollectionOut(c, p, false)
		if err != nil {
			return nil, err
		}
		out = append(out, co)
	}
	return out, nil
}

func (s *Server) handleCollections() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.collectionsAvailable(w, r) {
			return
		}
		out, err := s.collectionList(principalFrom(r.Context()))
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSON(w, r, http.StatusOK, map[string]any{"collections": out})
	}
}

// requireKey answers 401 to anonymous callers.
func requireKey(w http.ResponseWriter, r *http.Request) bool {
	if principalFrom(r.Context()).Anonymous() {
		unauthorized(w, r, "this needs an API key")
		return false
	}
	return true
}

func (s *Server) handleCreateCollection() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireKey(w, r) || !s.collectionsAvailable(w, r) {
			return
		}
		var f collections.Fields
		if !s.decodeBody(w, r, "a collection", &f) {
			return
		}
		p := principalFrom(r.Context())
		c, err := s.deps.Collections.Create(callerOf(p), f, s.now())
		s.answerCollection(w, r, c, err, http.StatusCreated)
	}
}

// answerCollection answers a change's result: the collection or the error.
func (s *Server) answerCollection(w http.ResponseWriter, r *http.Request, c *collections.Collection, err error, status int) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.newCollectionOut(c, principalFrom(r.Context()), true)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", out.Links.Self)
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	writeJSON(w, r, status, out)
}

// visibleCollection returns the collection the path names when the caller
// may see it; otherwise it has answered 404 and returns nil.
func (s *Server) visibleCollection(w http.ResponseWriter, r *http.Request) *collections.Collection {
	if !s.collectionsAvailable(w, r) {
		return nil
	}
	c, err := s.deps.Collections.Get(r.PathValue("id"))
	if errors.Is(err, archive.ErrNotFound) || err == nil && !c.VisibleTo(callerOf(principalFrom(r.Context()))) {
		notFound(w, r)
		return nil
	}
	if err != nil {
		s.internalError(w, r, err)
		return nil
	}
	return c
}

func (s *Server) handleCollection() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c := s.visibleCollection(w, r); c != nil {
			s.answerCollection(w, r, c, nil, http.StatusOK)
		}
	}
}

func (s *Server) handlePatchCollection() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireKey(w, r) || !s.collectionsAvailable(w, r) {
			return
		}
		var f collections.Fields
		if !s.decodeBody(w, r, "a collection change", &f) {
			return
		}
		c, err := s.deps.Collections.Update(r.PathValue("id"), f, callerOf(principalFrom(r.Context())), s.now())
		s.answerCollection(w, r, c, err, http.StatusOK)
	}
}

func (s *Server) handleDeleteCollection() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireKey(w, r) || !s.collectionsAvailable(w, r) {
			return
		}
		if err := s.deps.Collections.Delete(r.PathValue("id"), callerOf(principalFrom(r.Context()))); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// ItemsRequest changes a collection's list: add, remove or move the
// assets ids (several at once). Position is where added or moved assets
// go (0 first; absent or negative: the end).
type ItemsRequest struct {
	Action   string   `json:"action"` // add | remove | move
	IDs      []string `json:"ids"`
	Position *int     `json:"position,omitempty"`
}

func (s *Server) handleCollectionItems() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireKey(w, r) || !s.collectionsAvailable(w, r) {
			return
		}
		var req ItemsRequest
		if !s.decodeBody(w, r, "an items change", &req) {
			return
		}
		c, err := s.changeItems(r, r.PathValue("id"), req)
		s.answerCollection(w, r, c, err, http.StatusOK)
	}
}

// changeItems applies req to the collection id as the caller: the one way
// a collection's list changes, for the API and the pages. Added assets
// must exist and be visible to the caller.
func (s *Server) changeItems(r *http.Request, id string, req ItemsRequest) (*collections.Collection, error) {
	p := principalFrom(r.Context())
	pos := -1
	if req.Position != nil {
		pos = *req.Position
	}
	by, now := callerOf(p), s.now()
	switch req.Action {
	case "add":
		for _, a := range req.IDs {
			rec, err := s.deps.Records.Get(a)
			if errors.Is(err, archive.ErrNotFound) || err == nil && !visibleTo(p, rec, now) {
				return nil, perr("ids", "no such asset: %s", a)
			}
			if err != nil {
				return nil, err
			}
		}
		return s.deps.Collections.Add(id, req.IDs, pos, by, now)
	case "remove":
		return s.deps.Collections.Remove(id, req.IDs, by, now)
	case "move":
		return s.deps.Collections.Move(id, req.IDs, pos, by, now)
	}
	return nil, perr("action", "add, remove or move, not %q", req.Action)
}

// ShareRequest makes a share link: it expires at ExpiresAt (RFC 3339) or
// after Days days (default 30); Download allows originals and the ZIP.
type ShareRequest struct {
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Days      int        `json:"days,omitempty"`
	Download  bool       `json:"download"`
}

// shareOut is a share link; the token and URL only when it is made.
type shareOut struct {
	collections.Share
	Token string `json:"token,omitempty"`
	URL   string `json:"url,omitempty"`
}

func (s *Server) handleCreateShare() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireKey(w, r) || !s.collectionsAvailable(w, r) {
			return
		}
		var req ShareRequest
		if !s.decodeBody(w, r, "a share request", &req) {
			return
		}
		now := s.now()
		expires := now.AddDate(0, 0, 30)
		switch {
		case req.ExpiresAt != nil:
			expires = *req.ExpiresAt
		case req.Days != 0:
			expires = now.AddDate(0, 0, req.Days)
		}
		token, sh, err := s.deps.Collections.CreateShare(r.PathValue("id"), expires, req.Download, callerOf(principalFrom(r.Context())), now)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusCreated, shareOut{Share: sh, Token: token, URL: "/shares/" + token})
	}
}

func (s *Server) handleCollectionShares() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.visibleCollection(w, r)
		if c == nil {
			return
		}
		if !c.EditableBy(callerOf(principalFrom(r.Context()))) {
			writeProblem(w, r, http.StatusForbidden, "only the owner and curators see a collection's share links")
			return
		}
		list, err := s.deps.Collections.Shares(c.ID)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSON(w, r, http.StatusOK, map[string]any{"shares": list})
	}
}

func (s *Server) handleRevokeShare() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireKey(w, r) || !s.collectionsAvailable(w, r) {
			return
		}
		sh, err := s.deps.Collections.RevokeShare(r.PathValue("id"), r.PathValue("share"), callerOf(principalFrom(r.Context())), s.now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, sh)
	}
}

// shareScope is what a share link lets its holder see.
type shareScope struct {
	share collections.Share
	c     *collections.Collection
	token string
}

// principal is who a share link's holder is to the visibility rules (and,
// by name, to the download purpose counts: the link and its maker).
func (sc shareScope) principal() Principal {
	return Principal{KeyID: shareKeyPrefix + sc.share.ID, Name: "share link " + sc.share.ID + " of " + sc.share.CreatedBy, Role: sc.share.Role}
}

// shareKeyPrefix starts the KeyID of a share link's holder.
const shareKeyPrefix = "share:"

// servedRole is the role a serving is counted under: "share" for share
// links, "anonymous" without a key, else the key's role.
func servedRole(p Principal) string {
	switch {
	case strings.HasPrefix(p.KeyID, shareKeyPrefix):
		return "share"
	case p.Role == "":
		return "anonymous"
	}
	return string(p.Role)
}

// redactPath hides the token of share link paths (API and page) from the
// access log.
func redactPath(path string) string {
	for _, prefix := range []string{"/v1/shares/", "/shares/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			_, tail, _ := strings.Cut(rest, "/")
			if tail != "" {
				tail = "/" + tail
			}
			return prefix + "…" + tail
		}
	}
	return path
}

// shareFrom returns the share link the path's token names when it may be
// used, and makes its holder the request's principal; otherwise it has
// answered 404 (unknown, expired and revoked alike) and returns ok false.
func (s *Server) shareFrom(w http.ResponseWriter, r *http.Request) (shareScope, bool) {
	if !s.collectionsAvailable(w, r) {
		return shareScope{}, false
	}
	token := r.PathValue("token")
	sh, err := s.deps.Collections.VerifyShare(token, s.now())
	if errors.Is(err, collections.ErrShareUnknown) || errors.Is(err, collections.ErrShareExpired) {
		notFound(w, r)
		return shareScope{}, false
	}
	if err != nil {
		s.internalError(w, r, err)
		return shareScope{}, false
	}
	c, err := s.deps.Collections.Get(sh.Collection)
	if errors.Is(err, archive.ErrNotFound) {
		notFound(w, r)
		return shareScope{}, false
	}
	if err != nil {
		s.internalError(w, r, err)
		return shareScope{}, false
	}
	sc := shareScope{share: sh, c: c, token: token}
	if info := infoFrom(r.Context()); info != nil {
		info.principal = sc.principal()
	}
	return sc, true
}

func (s *Server) handleShare() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, ok := s.shareFrom(w, r)
		if !ok {
			return
		}
		out, err := s.newCollectionOut(sc.c, sc.principal(), true)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		base := sharePath(sc.token)
		out.Editable, out.Log = false, nil
		out.Links = collectionLinks{Self: base}
		if sc.share.Download {
			out.Links.Download = base + "/download"
		}
		for _, a := range out.Items {
			a.Links.Self = base + "/assets/" + a.ID + "/renditions/" + archive.RenditionPreview
			a.Links.Original = ""
			if sc.share.Download {
				a.Links.Original = base + "/assets/" + a.ID + "/original"
			}
			for i := range a.Renditions {
				a.Renditions[i].URL = base + "/assets/" + a.ID + "/renditions/" + a.Renditions[i].Name
			}
		}
		w.Header().Set("Cache-Control", "private, no-store")
		writeJSON(w, r, http.StatusOK, map[string]any{"collection": out, "expires_at": sc.share.ExpiresAt, "download": sc.share.Download})
	}
}

// has reports whether the asset id is one of the share's collection.
func (sc shareScope) has(id string) bool { return slices.Contains(sc.c.Items, id) }

// shareAsset serves inner for an asset of the share link's collection
// (and, with download, only when the link allows downloads); other assets
// are 404.
func (s *Server) shareAsset(inner http.HandlerFunc, download bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, ok := s.shareFrom(w, r)
		if !ok {
			return
		}
		if download && !sc.share.Download || !sc.has(r.PathValue("id")) {
			notFound(w, r)
			return
		}
		inner(w, r)
	}
}

func (s *Server) handleShareRendition() http.HandlerFunc {
	return s.shareAsset(s.handleRendition(), false)
}

func (s *Server) handleShareOriginal() http.HandlerFunc {
	return s.shareAsset(s.handleOriginal(), true)
}

// handleShareAssetDownload sends a shared asset at a preset size (links
// that allow downloads).
func (s *Server) handleShareAssetDownload() http.HandlerFunc {
	return s.shareAsset(s.handleDownload(), true)
}
