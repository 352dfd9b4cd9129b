package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive/keys"
)

// The web pages: server-rendered HTML for people in a browser (search,
// asset, curators' edit and ingest forms), built on the same visibility
// rules, search parsing, attribution, editor and job manager as the JSON
// API.
//
// Sign-in: signing in with an API key starts a server-side session
// (keys.Keyring.StartSession: a random id, stored hashed, expiring after
// sessionTTL or with the key, ended on sign-out or when the key is
// revoked); the cookie holds only the session id (HttpOnly,
// SameSite=Strict, Secure over TLS, Path=/). The auth middleware accepts
// it, when no Authorization header is sent, for
//
//   - every page request (GET, and POST to the pages, which all check a
//     CSRF token first), and
//   - GET/HEAD of /v1/assets/{id}/renditions/{name}, /v1/assets/{id}/original
//     and /v1/jobs/{id}, so that <img>, download links and the job
//     progress poll work for signed-in users;
//
// never for anything else under /v1 (PATCH, POST /v1/ingest, searches):
// state-changing API requests need the Authorization header, which a
// cross-site page cannot send.
//
// CSRF: every form carries a token, HMAC-SHA256 under a secret drawn at
// server start of a random per-browser nonce (cookie archive_csrf, HttpOnly,
// SameSite=Strict) and the session cookie. Every page POST checks it (the
// upload form, whose multipart body goes straight to the ingest code,
// carries it in its action URL); a restart invalidates open forms.

//go:embed templates/*.html static/*
var webFiles embed.FS

// Cookie names.
const (
	sessionCookieName = "archive_session"
	nonceCookieName   = "archive_csrf"
	langCookieName    = "archive_lang"
)

// webUI holds what the pages need beyond the server: templates parsed and
// labels built once, and the CSRF secret.
type webUI struct {
	pages  map[string]*template.Template // page name → layout + page
	labels map[string]labelSet           // page language → labels
	secret []byte
	static fs.FS
}

// pageNames are the templates under templates/, each used with layout.html.
func pageNames() []string {
	return []string{"search", "asset", "edit", "ingest", "job", "signin", "error", "collections", "collection", "collection_add", "duplicates", "keys"}
}

// newWebUI builds the pages of the archive of province (the settings'
// "province"; "" is report.DefaultProvince).
func newWebUI(province string) (*webUI, error) {
	w := &webUI{pages: map[string]*template.Template{}, labels: map[string]labelSet{}, secret: make([]byte, 32)}
	for _, l := range pageLangs() {
		w.labels[l] = labels(l, province)
	}
	if _, err := rand.Read(w.secret); err != nil {
		return nil, fmt.Errorf("api: web: secret: %w", err)
	}
	for _, name := range pageNames() {
		t, err := template.New(name).ParseFS(webFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("api: web: template %s: %w", name, err)
		}
		w.pages[name] = t
	}
	st, err := fs.Sub(webFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("api: web: static: %w", err)
	}
	w.static = st
	return w, nil
}

// webRoutes are the pages. They are not part of the JSON API, so not in
// routeTable and not in openapi.json.
func webRoutes() []route {
	return append([]route{
		{"GET", "/{$}", (*Server).pageSearch},
		{"GET", "/assets/{id}", (*Server).pageAsset},
		{"GET", "/assets/{id}/edit", (*Server).pageEdit},
		{"POST", "/assets/{id}/edit", (*Server).pageEditPost},
		{"GET", "/ingest", (*Server).pageIngest},
		{"POST", "/ingest", (*Server).pageIngestPaths},
		{"POST", uploadPagePath, (*Server).pageIngestUpload},
		{"GET", "/jobs/{id}", (*Server).pageJob},
		{"POST", "/jobs/{id}/resume", (*Server).pageJobResume},
		{"GET", "/duplicates", (*Server).pageDuplicates},
		{"POST", "/duplicates", (*Server).pageDuplicatesPost},
		{"GET", "/signin", (*Server).pageSignin},
		{"POST", "/signin", (*Server).pageSigninPost},
		{"POST", "/signout", (*Server).pageSignout},
		{"GET", "/static/{name}", (*Server).pageStatic},
	}, append(collectionPageRoutes(), keysPageRoutes()...)...)
}

// uploadPagePath takes the upload form: its body may be as large as
// Config.MaxUpload.
const uploadPagePath = "/ingest/upload"

// registerWeb adds the pages to mux; every POST checks the CSRF token
// before its handler runs.
func (s *Server) registerWeb(mux *http.ServeMux) {
	for _, rt := range webRoutes() {
		h := s.route(rt)
		if rt.Method == http.MethodPost {
			h = s.checkCSRF(h)
		}
		mux.Handle(rt.Method+" "+rt.Path, h)
	}
}

// SessionStore keeps the browser sessions; *keys.Keyring implements it.
type SessionStore interface {
	StartSession(token string, now time.Time, ttl time.Duration) (string, keys.APIKey, error)
	Session(id string, now time.Time) (keys.APIKey, error)
	EndSession(id string) error
}

// sessionTTL is how long a browser stays signed in.
const sessionTTL = 12 * time.Hour

// sessionPrincipalKey carries the caller a session cookie stands for to
// authenticate.
type sessionPrincipalKey struct{}

// sessionAuth lends the session's key to the auth middleware for the
// requests that may use it (see the package comment above). An unknown or
// ended session, or one whose key was revoked, is cleared and the request
// goes on anonymous.
func (s *Server) sessionAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || isOpsPath(r.URL.Path) || !sessionAllowed(r) || s.deps.Keys == nil {
			next.ServeHTTP(w, r)
			return
		}
		c, err := r.Cookie(sessionCookieName)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		p, err := keyPrincipal(s.deps.Keys.Session(c.Value, s.now()))
		if err != nil {
			if !errors.Is(err, errBadAuth) {
				s.internalError(w, r, err)
				return
			}
			http.SetCookie(w, sessionCookie(r, "", -1))
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionPrincipalKey{}, p)))
	})
}

// sessionAllowed reports whether r may authenticate by the session cookie:
// pages (any method; their POSTs check CSRF), and reads of renditions,
// originals, downloads (of assets and collections) and jobs under /v1.
func sessionAllowed(r *http.Request) bool {
	p := r.URL.Path
	if p != "/v1" && !strings.HasPrefix(p, "/v1/") {
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	parts := strings.Split(strings.TrimPrefix(p, "/v1/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "jobs":
		return true
	case len(parts) == 3 && parts[0] == "assets" && parts[2] == "original":
		return true
	case len(parts) == 4 && parts[0] == "assets" && parts[2] == "renditions":
		return true
	case len(parts) == 3 && (parts[0] == "assets" || parts[0] == "collections") && parts[2] == "download":
		return true
	}
	return false
}

// webUploads gives the upload form the ingest route's body limit; every
// other request goes through limited.
func (s *Server) webUploads(limited, inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != uploadPagePath {
			limited.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > s.cfg.MaxUpload {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", s.cfg.MaxUpload))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
		inner.ServeHTTP(w, r)
	})
}

// sessionCookie makes the session cookie (maxAge < 0 deletes it).
func sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
}

// nonce returns the browser's CSRF nonce, setting a new one when it has
// none.
func (s *Server) nonce(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(nonceCookieName); err == nil && len(c.Value) >= 16 {
		return c.Value
	}
	var b [18]byte
	rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: nonceCookieName, Value: v, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	// Later reads in this request (the token) see the new nonce.
	r.AddCookie(&http.Cookie{Name: nonceCookieName, Value: v})
	return v
}

// csrfToken is the token the forms of this response carry.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	return s.csrfFor(s.nonce(w, r), sessionValue(r))
}

func (s *Server) csrfFor(nonce, session string) string {
	m := hmac.New(sha256.New, s.web.secret)
	m.Write([]byte("csrf\x00" + nonce + "\x00" + session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sessionValue is the session cookie the request was authenticated by, or
// "".
func sessionValue(r *http.Request) string {
	if principalFrom(r.Context()).Anonymous() {
		return ""
	}
	if c, err := r.Cookie(sessionCookieName); err == nil {
		return c.Value
	}
	return ""
}

// checkCSRF refuses a POST whose token does not match the browser's nonce
// and session, or that another site sent.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			s.renderError(w, r, http.StatusForbidden, "err.csrf")
			return
		}
		var token string
		if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
			token = r.URL.Query().Get("csrf") // the body is streamed to the ingest code
		} else {
			token = r.PostFormValue("csrf")
		}
		c, err := r.Cookie(nonceCookieName)
		if err != nil || token == "" ||
			!hmac.Equal([]byte(token), []byte(s.csrfFor(c.Value, sessionValue(r)))) {
			s.log.WarnContext(r.Context(), "CSRF token missing or wrong", "path", r.URL.Path, "request_id", requestID(r.Context()))
			s.renderError(w, r, http.StatusForbidden, "err.csrf")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pageLang is the page language: ?lang= (remembered in a cookie), then the
// cookie, then Vietnamese.
func pageLang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); slices.Contains(pageLangs(), l) {
		http.SetCookie(w, &http.Cookie{Name: langCookieName, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie(langCookieName); err == nil && slices.Contains(pageLangs(), c.Value) {
		return c.Value
	}
	return pageLangs()[0]
}

// page is what every template gets.
type page struct {
	Lang      string
	L         labelSet
	Title     string
	User      Principal
	Curator   bool
	Admin     bool // the keys page is shown
	CSRF      string
	OtherLang string
	SwitchURL string // this page in the other language
	Next      string // this page, for the sign-in form
	Notice    string // a label key shown as a status message
	Data      any
}

// T returns the label of key in the page's language (the key itself when
// missing, which TestWebLabels prevents).
func (p *page) T(key string) string {
	if v, ok := p.L[key]; ok {
		return v
	}
	return key
}

// newPage prepares the common part of a page.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request) *page {
	lang := pageLang(w, r)
	p := principalFrom(r.Context())
	pg := &page{Lang: lang, L: s.web.labels[lang], User: p, Curator: p.canIngest(), Admin: p.canAdmin(), CSRF: s.csrfToken(w, r)}
	pg.OtherLang = "en"
	if lang == "en" {
		pg.OtherLang = "vi"
	}
	q := r.URL.Query()
	q.Set("lang", pg.OtherLang)
	pg.SwitchURL = (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	pg.Next = localPath(r.URL.RequestURI())
	return pg
}

// localPath accepts only a path on this server ("/…", not "//host").
func localPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.ContainsAny(s, "\r\n") {
		return "/"
	}
	return s
}

// pageCSP lets pages load their own styles, scripts and images only.
const pageCSP = "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// render executes a page into a buffer and sends it.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, pg *page) {
	t := s.web.pages[name]
	var buf bytes.Buffer
	if t == nil {
		s.internalError(w, r, fmt.Errorf("api: web: no template %q", name))
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		s.internalError(w, r, fmt.Errorf("api: web: render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", pageCSP)
	h.Add("Vary", "Cookie")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// renderError answers with the error page; msg is a label key.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string, detail ...string) {
	pg := s.newPage(w, r)
	pg.Title = pg.T(msg)
	pg.Data = struct {
		Status  int
		Message string
		Detail  string
	}{status, pg.T(msg), strings.Join(detail, " ")}
	s.render(w, r, status, "error", pg)
}

// signInRedirect sends an anonymous visitor to the sign-in page, to come
// back here.
func signInRedirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
}

// needCurator sends an anonymous visitor to sign in, and tells a signed-in
// one without the rights so.
func (s *Server) needCurator(w http.ResponseWriter, r *http.Request) bool {
	p := principalFrom(r.Context())
	switch {
	case p.Anonymous():
		signInRedirect(w, r)
		return false
	case !p.canIngest():
		s.renderError(w, r, http.StatusForbidden, "err.curator")
		return false
	}
	return true
}

func (s *Server) pageStatic() http.HandlerFunc {
	fsrv := http.StripPrefix("/static/", http.FileServerFS(s.web.static))
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if _, err := fs.Stat(s.web.static, name); err != nil || strings.HasPrefix(name, ".") {
			notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	}
}
