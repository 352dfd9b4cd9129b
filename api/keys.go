package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive/keys"
)

// KeyAdmin manages API keys (/v1/keys, admin keys and the local CLI);
// *keys.Keyring implements it.
type KeyAdmin interface {
	Create(name string, role keys.Role, expires *time.Time, now time.Time) (string, keys.APIKey, error)
	List() ([]keys.APIKey, error)
	Revoke(id string, now time.Time) (keys.APIKey, error)
	Rotate(id string, now time.Time) (string, keys.APIKey, error)
}

// KeyRequest is the body of POST /v1/keys.
type KeyRequest struct {
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// NewKey is a key just made (POST /v1/keys, rotate): the key itself, shown
// this once, and its description.
type NewKey struct {
	Key string `json:"key"`
	keys.APIKey
}

// requireAdmin answers 401/403 unless the caller is an admin, and 503 when
// the server has no keyring.
func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request) bool {
	if !s.requireAdminRole(w, r) {
		return false
	}
	if s.deps.Keys == nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "this server manages no keys")
		return false
	}
	return true
}

// requireAdminRole answers 401/403 unless the caller is an admin.
func (s *Server) requireAdminRole(w http.ResponseWriter, r *http.Request) bool {
	p := principalFrom(r.Context())
	switch {
	case p.Anonymous():
		unauthorized(w, r, "this needs an admin key")
		return false
	case !p.canAdmin():
		writeProblem(w, r, http.StatusForbidden, "this needs an admin key")
		return false
	}
	return true
}

// handleKeys lists every key (never the keys themselves).
func (s *Server) handleKeys() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireAdmin(w, r) {
			return
		}
		list, err := s.deps.Keys.List()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if list == nil {
			list = []keys.APIKey{}
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusOK, map[string]any{"keys": list})
	}
}

// handleKeyCreate makes a key and shows it once.
func (s *Server) handleKeyCreate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireAdmin(w, r) {
			return
		}
		var req KeyRequest
		if err := s.readJSON(r, &req, "a key request"); err != nil {
			s.writeError(w, r, err)
			return
		}
		nk, err := s.createKey(r.Context(), req)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusCreated, nk)
	}
}

// createKey checks req and makes the key as the caller: the one way a key
// is made, for the API and the keys page.
func (s *Server) createKey(ctx context.Context, req KeyRequest) (NewKey, error) {
	role, err := keys.ParseRole(req.Role)
	switch {
	case err != nil:
		return NewKey{}, perr("role", "%v", err)
	case strings.TrimSpace(req.Name) == "":
		return NewKey{}, perr("name", "say who holds the key")
	case req.ExpiresAt != nil && !req.ExpiresAt.After(s.now()):
		return NewKey{}, perr("expires_at", "the expiry must be in the future")
	}
	token, k, err := s.deps.Keys.Create(req.Name, role, req.ExpiresAt, s.now())
	if err != nil {
		return NewKey{}, err
	}
	s.log.InfoContext(ctx, "key created", "key", k.ID, "role", k.Role, "by", principalFrom(ctx).Name)
	return NewKey{Key: token, APIKey: k}, nil
}

// revokeKey revokes the key id as the caller (API and page).
func (s *Server) revokeKey(ctx context.Context, id string) (keys.APIKey, error) {
	k, err := s.deps.Keys.Revoke(id, s.now())
	if err == nil {
		s.log.InfoContext(ctx, "key revoked", "key", k.ID, "by", principalFrom(ctx).Name)
	}
	return k, err
}

// rotateKey replaces the key id as the caller (API and page).
func (s *Server) rotateKey(ctx context.Context, id string) (NewKey, error) {
	token, k, err := s.deps.Keys.Rotate(id, s.now())
	if err != nil {
		return NewKey{}, err
	}
	s.log.InfoContext(ctx, "key rotated", "key", k.ID, "by", principalFrom(ctx).Name)
	return NewKey{Key: token, APIKey: k}, nil
}

// handleKeyRevoke revokes a key: its sessions end with it.
func (s *Server) handleKeyRevoke() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireAdmin(w, r) {
			return
		}
		k, err := s.revokeKey(r.Context(), r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, k)
	}
}

// handleKeyRotate replaces a key with a new one of the same name, role and
// expiry, and revokes the old one.
func (s *Server) handleKeyRotate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireAdmin(w, r) {
			return
		}
		nk, err := s.rotateKey(r.Context(), r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusCreated, nk)
	}
}

// keyProblem maps the keyring's errors for problemFor.
func keyProblem(err error) (int, bool) {
	switch {
	case errors.Is(err, keys.ErrKeyUnknown):
		return http.StatusNotFound, true
	case errors.Is(err, keys.ErrKeyRevoked):
		return http.StatusConflict, true
	}
	return 0, false
}
