package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive/keys"
)

// The keys page (/keys): admins make, list, rotate and revoke API keys in
// the browser, through the same createKey, revokeKey and rotateKey as
// /v1/keys.

// keysPageRoutes are the routes of the keys page.
func keysPageRoutes() []route {
	return []route{
		{"GET", "/keys", (*Server).pageKeys},
		{"POST", "/keys", (*Server).pageKeysCreate},
		{"POST", "/keys/{id}/revoke", (*Server).pageKeyRevoke},
		{"POST", "/keys/{id}/rotate", (*Server).pageKeyRotate},
	}
}

// keysPage is the data of keys.html.
type keysPage struct {
	Keys  []keyRow
	Roles []option
	// New is a key just made or rotated: shown this once.
	New *NewKey
	// Form holds what was typed when the form is shown again with Error.
	Name, Role, Expires string
	Error               string
}

// keyRow is one key of the list, its dates in the server's time zone.
type keyRow struct {
	keys.APIKey
	CreatedDay, ExpiresDay, LastUsedDay, RevokedDay string
}

// needAdmin sends an anonymous visitor to sign in and answers 403 to a
// signed-in one who is not an admin; 503 when the server keeps no keys.
func (s *Server) needAdmin(w http.ResponseWriter, r *http.Request) bool {
	p := principalFrom(r.Context())
	switch {
	case p.Anonymous():
		signInRedirect(w, r)
		return false
	case !p.canAdmin():
		s.renderError(w, r, http.StatusForbidden, "err.admin")
		return false
	case s.deps.Keys == nil:
		s.renderError(w, r, http.StatusServiceUnavailable, "keys.unavailable")
		return false
	}
	return true
}

func (s *Server) pageKeys() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needAdmin(w, r) {
			return
		}
		pg := s.newPage(w, r)
		if r.URL.Query().Get("done") == "revoked" {
			pg.Notice = "keys.revoked"
		}
		s.renderKeys(w, r, pg, http.StatusOK, &keysPage{Role: string(keys.RoleAgency)})
	}
}

// renderKeys shows the keys page with kp's form, new key or error.
func (s *Server) renderKeys(w http.ResponseWriter, r *http.Request, pg *page, status int, kp *keysPage) {
	list, err := s.deps.Keys.List()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	day := func(t *time.Time) string {
		if t == nil {
			return "–"
		}
		return t.In(s.loc).Format(time.DateOnly)
	}
	for _, k := range list {
		row := keyRow{APIKey: k, CreatedDay: day(&k.CreatedAt), LastUsedDay: day(k.LastUsedAt), RevokedDay: day(k.RevokedAt),
			ExpiresDay: pg.T("keys.never")}
		if k.ExpiresAt != nil {
			// A key works through the day before its expiry instant.
			last := k.ExpiresAt.Add(-time.Nanosecond)
			row.ExpiresDay = day(&last)
		}
		kp.Keys = append(kp.Keys, row)
	}
	for _, role := range []keys.Role{keys.RolePortal, keys.RoleAgency, keys.RoleCurator, keys.RoleAdmin} {
		kp.Roles = append(kp.Roles, option{Value: string(role), Label: pg.T("role." + string(role)), Selected: string(role) == kp.Role})
	}
	pg.Title = pg.T("keys.title")
	pg.Data = kp
	s.render(w, r, status, "keys", pg)
}

// pageKeysCreate makes a key from the form: name, role and expires, the
// last day the key works (YYYY-MM-DD in the server's time zone, as
// `archive keys create --expires`), empty for no expiry.
func (s *Server) pageKeysCreate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needAdmin(w, r) {
			return
		}
		kp := &keysPage{Name: r.PostFormValue("name"), Role: r.PostFormValue("role"), Expires: strings.TrimSpace(r.PostFormValue("expires"))}
		req := KeyRequest{Name: kp.Name, Role: kp.Role}
		var err error
		if kp.Expires != "" {
			var day time.Time
			if day, err = time.ParseInLocation(time.DateOnly, kp.Expires, s.loc); err != nil {
				err = perr("expires", "want a date such as 2027-06-30")
			} else {
				end := day.AddDate(0, 0, 1) // the key works through that day
				req.ExpiresAt = &end
			}
		}
		var nk NewKey
		if err == nil {
			nk, err = s.createKey(r.Context(), req)
		}
		s.keysAnswer(w, r, kp, nk, err)
	}
}

// keysAnswer shows the page after a create or rotate: the new key once, or
// the error with the form as it was.
func (s *Server) keysAnswer(w http.ResponseWriter, r *http.Request, kp *keysPage, nk NewKey, err error) {
	status := http.StatusOK
	if err != nil {
		var detail string
		status, detail, _ = problemFor(err)
		if status == http.StatusInternalServerError {
			s.internalError(w, r, err)
			return
		}
		kp.Error = detail
	} else {
		kp.New, kp.Name, kp.Expires, kp.Role = &nk, "", "", string(keys.RoleAgency)
	}
	pg := s.newPage(w, r)
	s.renderKeys(w, r, pg, status, kp)
}

func (s *Server) pageKeyRevoke() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needAdmin(w, r) {
			return
		}
		if _, err := s.revokeKey(r.Context(), r.PathValue("id")); err != nil {
			s.keysAnswer(w, r, &keysPage{Role: string(keys.RoleAgency)}, NewKey{}, err)
			return
		}
		http.Redirect(w, r, "/keys?done=revoked", http.StatusSeeOther)
	}
}

func (s *Server) pageKeyRotate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needAdmin(w, r) {
			return
		}
		nk, err := s.rotateKey(r.Context(), r.PathValue("id"))
		s.keysAnswer(w, r, &keysPage{Role: string(keys.RoleAgency)}, nk, err)
	}
}
