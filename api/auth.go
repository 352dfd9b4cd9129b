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

// KeyVerifier checks an API key. *archive.Store implements it: unknown keys
// are keys.ErrKeyUnknown, revoked ones keys.ErrKeyRevoked.
type KeyVerifier interface {
	Verify(token string) (keys.APIKey, error)
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

// canIngest: curators only.
func (p Principal) canIngest() bool { return p.Role == keys.RoleCurator }

// allowed returns the visibilities and statuses the caller may see. A nil
// slice means any. This and visibleTo are the one place the visibility
// rules live:
//
//	anonymous, portal  public                 published
//	agency             public, internal       published
//	curator            everything (drafts, review, withdrawn included)
func (p Principal) allowed() (vis, status []string) {
	switch p.rank() {
	case 3:
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
		return Principal{}, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return Principal{}, errBadAuth
	}
	if s.adminToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.adminToken)) == 1 {
		return Principal{KeyID: localAdminKeyID, Name: "local admin (server.json)", Role: keys.RoleCurator}, nil
	}
	if s.deps.Keys == nil {
		return Principal{}, errBadAuth
	}
	k, err := s.deps.Keys.Verify(token)
	switch {
	case errors.Is(err, keys.ErrKeyUnknown), errors.Is(err, keys.ErrKeyRevoked):
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
