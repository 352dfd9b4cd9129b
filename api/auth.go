package api

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
)

// KeyVerifier checks an API key and records its use. *keys.Keyring
// implements it: unknown keys are keys.ErrKeyUnknown, revoked ones
// keys.ErrKeyRevoked, expired ones keys.ErrKeyExpired.
type KeyVerifier interface {
	Verify(token string, now time.Time) (keys.APIKey, error)
}

// Keyring is everything the server does with keys: verify them (every
// request), sign browsers in (web.go) and manage them (/v1/keys, admin
// keys). *keys.Keyring implements it.
type Keyring interface {
	KeyVerifier
	SessionStore
	KeyAdmin
}

// Principal is who is calling. The zero value is an anonymous client.
type Principal struct {
	KeyID string    // "" when anonymous
	Name  string    // the key's name
	Role  keys.Role // "" when anonymous
}

// Anonymous reports whether the caller sent no key.
func (p Principal) Anonymous() bool { return p.Role == "" }

// rank orders roles by what they may see.
func (p Principal) rank() int {
	switch p.Role {
	case keys.RoleAdmin:
		return 4
	case keys.RoleCurator:
		return 3
	case keys.RoleAgency:
		return 2
	case keys.RolePortal:
		return 1
	}
	return 0
}

// canDownloadOriginals: any valid key; anonymous clients may not.
func (p Principal) canDownloadOriginals() bool { return p.rank() >= 1 }

// local reports whether the caller holds the local admin token: a process
// on the server's machine that can read ROOT.
func (p Principal) local() bool { return p.KeyID == localAdminKeyID }

// canIngest: curators only.
func (p Principal) canIngest() bool { return p.rank() >= 3 }

// canAdmin: admin keys and the local admin token (keys, metrics).
func (p Principal) canAdmin() bool { return p.rank() >= 4 }

// allowed returns the visibilities and statuses the caller may see. A nil
// slice means any. This and visibleTo are the one place the visibility
// rules live:
//
//	anonymous, portal  public                 published
//	agency             public, internal       published
//	curator            everything (drafts, review, withdrawn included)
func (p Principal) allowed() (vis, status []string) {
	switch p.rank() {
	case 3, 4:
		return nil, nil
	case 2:
		return []string{string(archive.Public), string(archive.Internal)}, []string{string(archive.Published)}
	default:
		return []string{string(archive.Public)}, []string{string(archive.Published)}
	}
}

// visibleTo reports whether p may see rec at now (its record, renditions
// and, with a key, its original): the visibilities and statuses of
// p.allowed, and for everyone but curators the release window (embargo,
// unpublish date, rights expiry) too.
func visibleTo(p Principal, rec *archive.Record, now time.Time) bool {
	if rec == nil {
		return false
	}
	vis, status := p.allowed()
	if vis == nil && status == nil {
		return true
	}
	return slices.Contains(vis, string(rec.Visibility)) && slices.Contains(status, string(rec.Status)) &&
		archive.Released(rec, now)
}

// publicAsset reports whether rec is visible to everyone, so its renditions
// may be cached by anyone.
func publicAsset(rec *archive.Record, now time.Time) bool { return visibleTo(Principal{}, rec, now) }

// localAdminKeyID is the principal of the local admin token (ROOT/server.json).
const localAdminKeyID = "local-admin"

// errBadAuth is an Authorization header that is not a usable key.
var errBadAuth = errors.New("api: invalid credentials")

// authenticate reads the Authorization header. No header is anonymous; a
// header that is not "Bearer <valid key>" is errBadAuth.
func (s *Server) authenticate(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if p, ok := r.Context().Value(sessionPrincipalKey{}).(Principal); ok {
			return p, nil
		}
		return Principal{}, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return Principal{}, errBadAuth
	}
	if s.adminToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.adminToken)) == 1 {
		return Principal{KeyID: localAdminKeyID, Name: "local admin (server.json)", Role: keys.RoleAdmin}, nil
	}
	if s.deps.Keys == nil {
		return Principal{}, errBadAuth
	}
	return keyPrincipal(s.deps.Keys.Verify(token, s.now()))
}

// keyPrincipal is the caller a key (or a session) stands for; a key that
// is unknown, revoked or expired is errBadAuth.
func keyPrincipal(k keys.APIKey, err error) (Principal, error) {
	switch {
	case errors.Is(err, keys.ErrKeyUnknown), errors.Is(err, keys.ErrKeyRevoked), errors.Is(err, keys.ErrKeyExpired), errors.Is(err, keys.ErrSessionUnknown):
		return Principal{}, errBadAuth
	case err != nil:
		return Principal{}, err
	}
	return Principal{KeyID: k.ID, Name: k.Name, Role: k.Role}, nil
}

// unauthorized answers 401 with a Bearer challenge.
func unauthorized(w http.ResponseWriter, r *http.Request, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="archive"`)
	writeProblem(w, r, http.StatusUnauthorized, detail)
}
