package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// reqInfo travels in the request context so that the outer middleware can
// log what the inner layers learnt (route, caller).
type reqInfo struct {
	id        string
	route     string
	principal Principal
}

type ctxKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	info, _ := ctx.Value(ctxKey{}).(*reqInfo)
	return info
}

// requestID returns the request's id, or "".
func requestID(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// principalFrom returns the caller the auth middleware found.
func principalFrom(ctx context.Context) Principal {
	if info := infoFrom(ctx); info != nil {
		return info.principal
	}
	return Principal{}
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validRequestID accepts a client's X-Request-ID when it is short and
// printable ASCII, so it cannot inject into logs.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps sendfile for ServeContent.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(w.ResponseWriter, r)
	}
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives the request an id, recovers panics into a 500 problem, and
// logs and counts the request by route pattern.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{id: r.Header.Get("X-Request-ID")}
		if !validRequestID(info.id) {
			info.id = newRequestID()
		}
		w.Header().Set("X-Request-ID", info.id)
		// The route pattern labels metrics and logs even for requests the
		// middleware answers itself (401, 429).
		if _, pattern := s.mux.Handler(r); pattern != "" {
			_, info.route, _ = strings.Cut(pattern, " ")
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, info))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "panic in handler", "panic", fmt.Sprint(p), "request_id", info.id, "path", r.URL.Path)
				if sw.code == 0 {
					writeProblem(sw, r, http.StatusInternalServerError, "internal error; quote the request id when reporting it")
				}
			}
			route := info.route
			if route == "" {
				route = "unmatched"
			}
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			elapsed := time.Since(start)
			s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(code)).Inc()
			s.metrics.latency.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
			lvl := slog.LevelInfo
			if code >= 500 {
				lvl = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), lvl, "request",
				slog.String("request_id", info.id), slog.String("method", r.Method),
				slog.String("path", redactPath(r.URL.Path)), slog.String("route", route), slog.Int("status", code),
				slog.Int64("bytes", sw.bytes), slog.Duration("elapsed", elapsed),
				slog.String("client", clientIP(r)), slog.String("key", info.principal.KeyID))
		}()
		next.ServeHTTP(sw, r)
	})
}

// headers sets security headers and answers CORS for the configured
// origins, preflights included.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		origin := r.Header.Get("Origin")
		if origin != "" {
			h.Add("Vary", "Origin")
		}
		allowed := origin != "" && s.originAllowed(origin)
		if allowed {
			if slices.Contains(s.cfg.CORSOrigins, "*") {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
			}
			h.Set("Access-Control-Expose-Headers", "ETag, Content-Disposition, Content-Range, Accept-Ranges, Retry-After, X-Request-ID, Location")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if info := infoFrom(r.Context()); info != nil {
				info.route = "preflight"
			}
			if allowed {
				h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-None-Match, If-Range, Range, X-Request-ID")
				h.Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) originAllowed(origin string) bool {
	for _, o := range s.cfg.CORSOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// authAndLimit finds the caller, applies the rate limit (per key, or per
// client IP without a valid key) and answers 401 for a bad key.
func (s *Server) authAndLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isOpsPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		p, err := s.authenticate(r)
		if err != nil && !errors.Is(err, errBadAuth) {
			s.internalError(w, r, err)
			return
		}
		if info := infoFrom(r.Context()); info != nil {
			info.principal = p
		}
		if ok, retry := s.limiter.allow(p, clientIP(r)); !ok {
			kind := "anonymous"
			if !p.Anonymous() {
				kind = "key"
			}
			s.metrics.rateLimited.WithLabelValues(kind).Inc()
			w.Header().Set("Retry-After", strconv.Itoa(retry))
			writeProblem(w, r, http.StatusTooManyRequests, fmt.Sprintf("too many requests; retry in %d s", retry))
			return
		}
		if err != nil {
			unauthorized(w, r, "the API key is unknown, revoked or malformed (send Authorization: Bearer hdk_…)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isOpsPath reports the operational endpoints that skip auth and limits
// (/metrics is for admin keys, or on its own address: Config.MetricsAddr).
func isOpsPath(p string) bool { return p == "/healthz" || p == "/readyz" }

// limitBody bounds request bodies: MaxUpload for the ingest route and
// spreadsheets of edits, MaxBody elsewhere.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.cfg.MaxBody
		if r.URL.Path == "/v1/ingest" || r.URL.Path == "/v1/metadata/import" {
			limit = s.cfg.MaxUpload
		}
		if r.ContentLength > limit {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// clientIP is the peer's address (proxies' headers are not trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimiter keeps a token bucket per client, evicting idle ones.
type rateLimiter struct {
	anon, key           rate.Limit
	burstAnon, burstKey int
	mu                  sync.Mutex
	clients             map[string]*limiterEntry
	lastSweep           time.Time
	idle                time.Duration
	now                 func() time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(cfg Config) *rateLimiter {
	return &rateLimiter{
		anon: rate.Limit(cfg.RateAnon), key: rate.Limit(cfg.RateKey),
		burstAnon: cfg.BurstAnon, burstKey: cfg.BurstKey,
		clients: map[string]*limiterEntry{}, idle: 5 * time.Minute, now: time.Now,
	}
}

// allow takes a token for the caller; when none is left it returns the
// seconds to wait.
func (l *rateLimiter) allow(p Principal, ip string) (bool, int) {
	id, lim, burst := "ip:"+ip, l.anon, l.burstAnon
	if !p.Anonymous() {
		id, lim, burst = "key:"+p.KeyID, l.key, l.burstKey
	}
	if lim <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, e := range l.clients {
			if now.Sub(e.seen) > l.idle {
				delete(l.clients, k)
			}
		}
		l.lastSweep = now
	}
	e := l.clients[id]
	if e == nil {
		e = &limiterEntry{lim: rate.NewLimiter(lim, burst)}
		l.clients[id] = e
	}
	e.seen = now
	l.mu.Unlock()
	res := e.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, int(math.Ceil(d.Seconds()))
	}
	return true, 0
}
