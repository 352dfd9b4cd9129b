package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/collections"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/archive/webhooks"
	"github.com/haiduong/promo-archive/indexer"
)

// Records reads one record; *archive.Store implements it.
type Records interface {
	Get(id string) (*archive.Record, error)
}

// Searcher runs a search; *indexer.Index implements it.
type Searcher interface {
	Search(ctx context.Context, q indexer.Query) (*indexer.Result, error)
}

// RecordSource walks every record for the statistics; *archive.Store
// implements it.
type RecordSource interface {
	LastSeq() (uint64, error)
	StatsWhere(now time.Time, keep func(*archive.Record) bool) (*archive.Stats, error)
}

// Files says where originals and renditions are; *archive.Archive
// implements it.
type Files interface {
	OriginalPath(id string) (string, error)
	RenditionPath(id string, r archive.Rendition) (string, error)
}

// Ingester runs an ingest; *ingest.Pipeline implements it (built once by
// the command with its renderer, prober and index).
type Ingester interface {
	Run(ctx context.Context, sources []string, ro ingest.RunOptions) (*ingest.Summary, error)
}

// Indexer updates the search index after an edit; *indexer.Index
// implements it.
type Indexer interface {
	Index(ctx context.Context, recs []*archive.Record, seq uint64) error
}

// Deps are what the server uses. Records, Search, Stats and Files are
// required; without Ingester the ingest routes answer 503.
type Deps struct {
	Records  Records
	Search   Searcher
	Stats    RecordSource
	Files    Files
	Taxonomy *archive.Taxonomy
	Keys     Keyring   // nil: only the local admin token is accepted
	Editor   Editor    // PATCH and history; nil answers 503
	Backup   Backupper // POST /v1/backup; nil answers 503
	// Maintenance imports metadata, reports, verifies, rethumbs and
	// reindexes (maintenance.go); a nil field answers 503.
	Maintenance Maintenance
	// Collections are the collections and share links; nil: their routes
	// answer 503.
	Collections *collections.Store
	// Sizes draws the download presets above the preview on demand, into
	// the directory SizeCache (ROOT/cache/sizes), which holds at most
	// SizeCacheBytes; nil or "": the preview stands in.
	Sizes          SizeRenderer
	SizeCache      string
	SizeCacheBytes int64
	// OnDownload, when set, is told of every download of an asset in a
	// preset size (the purpose reports). It must not block.
	OnDownload func(Download)
	// Jobs keeps ingest and backup jobs across restarts (the archive.db
	// table JobsTable); nil keeps them in memory only.
	Jobs JobStore
	// Now is the clock that judges embargoes; nil means time.Now.
	Now func() time.Time

	Ingester Ingester // nil: the ingest routes answer 503
	Indexer  Indexer  // told of edits; nil: the index catches up when it next opens
	// Similar finds near-duplicates (GET /v1/assets/{id}/similar, the
	// duplicates page); nil answers 503.
	Similar Lookalikes
	// UploadDir is where multipart uploads are written before they are
	// ingested (ROOT/tmp); it must exist.
	UploadDir string

	// AdminToken, when set, is accepted as a curator key (the local CLI
	// reads it from ROOT/server.json).
	AdminToken string
	// Location reads dates without an offset in search parameters; nil
	// means archive.DefaultLocation().
	Location *time.Location
	Logger   *slog.Logger
	// OnServed, when set, is told of every original or rendition served
	// (status 200 or 206 to a GET), for the half-yearly download reports:
	// role is the caller's ("anonymous" without a key, "share" through a
	// share link), what is "original" or "rendition". It must not block.
	OnServed func(id, role, what string)
	// Ready reports whether the server can answer (readiness); nil means
	// always ready.
	Ready func(context.Context) error
	// IIIF configures the IIIF Image API (iiif_image.go).
	IIIF IIIFOptions
	// OAI configures the OAI-PMH repository at /oai (oai.go).
	OAI OAIOptions
	// Sitemap configures /sitemap.xml (sitemap.go), which lists what /oai
	// exposes.
	Sitemap SitemapOptions
	// Changes feeds GET /v1/changes (changes.go); nil answers 503.
	Changes ChangeLog
	// Webhooks are the webhook endpoints and their outbox (webhooks.go):
	// the server runs their dispatcher over Changes until Close. nil: the
	// /v1/webhooks routes answer 503.
	Webhooks *webhooks.Hooks
}

// Server is the HTTP API. Create it with New, serve Handler, Close it.
type Server struct {
	cfg        Config
	deps       Deps
	log        *slog.Logger
	adminToken string
	loc        *time.Location
	registry   *prometheus.Registry
	metrics    *metrics
	limiter    *rateLimiter
	jobs       *jobManager
	stats      statsCache
	searches   *searchCache
	handler    http.Handler
	mux        *http.ServeMux
	web        *webUI // the HTML pages (web.go)
	iiif       *iiifService
	oai        *oaiRepo // nil without OAIOptions.Source
	closeOnce  sync.Once
	// sizes is the disk cache of download sizes, opened on first use.
	sizesOnce sync.Once
	sizes     *derivCache
	sizesErr  error
	// stopWebhooks stops the webhook dispatcher; nil without webhooks.
	stopWebhooks func(wait time.Duration)
}

// New builds a server. It starts the ingest worker; Close stops it.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("api: config: %w", err)
	}
	if deps.Records == nil || deps.Search == nil || deps.Stats == nil || deps.Files == nil {
		return nil, errors.New("api: Records, Search, Stats and Files are required")
	}
	if deps.Webhooks != nil && deps.Changes == nil {
		return nil, errors.New("api: Webhooks follow Changes, which is missing")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Taxonomy == nil {
		t, err := archive.DefaultTaxonomy()
		if err != nil {
			return nil, err
		}
		deps.Taxonomy = t
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Location == nil {
		deps.Location = archive.DefaultLocation()
	}
	if cfg.MaxJobs <= 0 {
		cfg.MaxJobs = 100
	}
	s := &Server{
		cfg: cfg, deps: deps, log: deps.Logger, adminToken: deps.AdminToken, loc: deps.Location,
		registry: prometheus.NewRegistry(), searches: newSearchCache(cfg.SearchCache),
	}
	s.metrics = newMetrics(s.registry)
	for _, c := range []struct {
		name, help string
		pick       func(hits, misses uint64) uint64
	}{
		{"archive_search_cache_hits_total", "Searches answered from the search cache.", func(h, _ uint64) uint64 { return h }},
		{"archive_search_cache_misses_total", "Searches the index had to run.", func(_, m uint64) uint64 { return m }},
	} {
		s.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help},
			func() float64 { return float64(c.pick(s.searches.ratio())) }))
	}
	s.limiter = newRateLimiter(cfg)
	web, err := newWebUI(cfg.Province)
	if err != nil {
		return nil, err
	}
	s.web = web
	if s.iiif, err = newIIIFService(deps.IIIF); err != nil {
		return nil, err
	}
	if deps.OAI.Source != nil {
		s.oai = newOAIRepo(deps.OAI)
	}
	if s.jobs, err = newJobManager(s, deps.Jobs); err != nil {
		return nil, err
	}
	s.handler = s.buildHandler()
	if deps.Webhooks != nil {
		s.startWebhooks()
	}
	return s, nil
}

// Handler returns the server's HTTP handler with every middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the server's Prometheus registry (served at /metrics).
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// HTTPServer returns an http.Server for the handler with the configured
// timeouts and address.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.handler,
		ReadHeaderTimeout: time.Duration(s.cfg.ReadHeaderTimeout),
		ReadTimeout:       time.Duration(s.cfg.ReadTimeout),
		WriteTimeout:      time.Duration(s.cfg.WriteTimeout),
		IdleTimeout:       time.Duration(s.cfg.IdleTimeout),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Close stops the job worker: the running job is interrupted (what it
// committed stays; it can be resumed after a restart), queued ones are
// marked interrupted too. It stops the webhook dispatcher, whose attempts
// in flight finish. It waits for each at most the shutdown timeout.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		wait := time.Duration(s.cfg.ShutdownTimeout)
		if s.stopWebhooks != nil {
			s.stopWebhooks(wait)
		}
		s.jobs.close(wait)
	})
	return nil
}

// buildHandler assembles router and middleware, outermost first:
// observe (request id, access log, metrics, panic recovery) → headers
// (security headers, CORS) → session cookie (web.go) → auth and rate
// limit → body limit (the upload page's own) → router. The pages (web.go)
// are registered beside the route table, outside the OpenAPI document.
func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	s.mux = mux
	for _, rt := range routeTable() {
		mux.Handle(rt.Method+" "+rt.Path, s.route(rt))
	}
	s.registerWeb(mux)
	var h http.Handler = s.router(mux)
	h = s.webUploads(s.limitBody(h), h)
	h = s.authAndLimit(h)
	h = s.sessionAuth(h)
	h = s.headers(h)
	return s.observe(h)
}

// route wraps a handler with what its table entry says.
func (s *Server) route(rt route) http.Handler {
	h := rt.Handler(s)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := infoFrom(r.Context()); info != nil {
			info.route = rt.Path
		}
		h(w, r)
	})
}

// router answers unknown paths and methods with problems rather than the
// mux's plain text.
func (s *Server) router(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		c := &captureWriter{header: http.Header{}}
		mux.ServeHTTP(c, r)
		if allow := c.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if c.code == http.StatusMethodNotAllowed {
			writeProblem(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed here")
			return
		}
		notFound(w, r)
	})
}

// captureWriter records what the mux's fallback would have sent.
type captureWriter struct {
	header http.Header
	code   int
}

func (c *captureWriter) Header() http.Header         { return c.header }
func (c *captureWriter) Write(b []byte) (int, error) { return len(b), nil }
func (c *captureWriter) WriteHeader(code int)        { c.code = code }

func (s *Server) now() time.Time { return s.deps.Now() }
