package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/api"
	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
	"github.com/haiduong/promo-archive/archive/collections"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/archive/keys"
	"github.com/haiduong/promo-archive/archive/report"
	"github.com/haiduong/promo-archive/archive/webhooks"
	"github.com/haiduong/promo-archive/thumbs"
)

type serveOptions struct {
	noRenditions bool
}

// serverFileName is ROOT/server.json: where a running server listens and
// the local admin token the CLI uses to reach it.
const serverFileName = "server.json"

// serverInfo is the content of ROOT/server.json.
type serverInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

func newServeCommand(g *globalOptions) *cobra.Command {
	var o serveOptions
	def := api.DefaultConfig()
	var env strings.Builder
	for _, s := range api.Settings() {
		fmt.Fprintf(&env, "  --%-20s %s\n", s.Flag, s.Env)
	}
	c := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve the HTTP API (search, records, renditions, originals, ingest)",
		Long: `Serve owns the archive (bbolt and Bleve lock their files) and answers the JSON
API under /v1, /healthz, /readyz and Prometheus /metrics until SIGINT or
SIGTERM, when it finishes the requests in flight (--shutdown-timeout) and
stops the running job: ingest and backup jobs are kept in ROOT/archive.db,
and one the server stopped is "interrupted" (what it committed stays;
POST /v1/jobs/ID/resume or the job's page goes on after a restart).

Curators ingest server folders only under --ingest-roots (none by default:
uploads only); a path that is not a regular file or folder is refused.
/metrics is for admin keys, or on --metrics-addr for anyone reaching it.

Scheduled backups are set in config.json only: {"backups": [{"dest":
"/mnt/usb/archive", "at": "02:00", "keep": 7}]} backs up daily at 02:00 (in
--tz) as a backup job, keeping the databases of the last 7 in DEST/history;
a backup a stopped server missed runs when it starts.

While it runs every command that reads or changes the archive goes through
it with the same output and exit codes: 'ingest', 'search', 'list', 'show',
'edit', 'history', 'stats', 'keys', 'export', 'import-metadata', 'report',
'verify', 'rethumb', 'reindex' (the last three as jobs of the server),
'doctor', 'similar' and 'backup' ('--no-server' of ingest and search opens
the archive here instead, which fails while the server holds it; 'collection'
and 'restore' still need the server stopped). It writes ROOT/server.json
(mode 0600) with its URL and a local admin token (admin rights, valid while
it runs) and removes it on exit.

Access: without a key, public and published assets and their renditions;
keys made with 'archive keys create' are sent as Authorization: Bearer KEY.
portal keys also download originals, agency keys also see internal assets,
curator keys see everything and ingest, admin keys also manage keys
(/v1/keys) and webhooks (/v1/webhooks; deliveries are kept in
ROOT/archive.db and retried after a restart) and read /metrics.

Settings come from flags, then the environment, then ROOT/config.json (keys
are the JSON names of the flags with '_' for '-', e.g. {"cors_origins":
["https://portal.example"], "rate_anon": 20, "read_timeout": "30m"}), then the
defaults shown below. Environment variables:
` + env.String() + `  --log-format            ARCHIVE_LOG_FORMAT`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runServe(cmd, g, o) },
	}
	f := c.Flags()
	flagged := def // what the flags parse into; serveConfig reads them back by name
	for _, s := range api.Settings() {
		f.Var(settingFlag{s, &flagged}, s.Flag, s.Usage)
	}
	f.BoolVar(&o.noRenditions, "no-renditions", false, "ingest jobs make no thumbnails or previews")
	return c
}

// settingFlag is a setting as a flag of its own type (pflag.Value): help
// shows "--rate-anon float", and a malformed value is a usage error when
// the flags are parsed.
type settingFlag struct {
	s   api.Setting
	cfg *api.Config
}

func (f settingFlag) String() string     { return f.s.Get(f.cfg) }
func (f settingFlag) Set(v string) error { return f.s.Set(f.cfg, v) }
func (f settingFlag) Type() string       { return f.s.Type }

// fileConfig reads ROOT/config.json over the defaults: the one reader of
// the settings file, for the server and the reports.
func (g *globalOptions) fileConfig() (api.Config, error) {
	cfg := api.DefaultConfig()
	if err := api.LoadConfigFile(filepath.Join(g.root, api.ConfigFileName), &cfg); err != nil {
		return cfg, fmt.Errorf("%w: %v", errUsage, err)
	}
	return cfg, nil
}

// serveConfig merges defaults < ROOT/config.json < environment < flags.
func serveConfig(cmd *cobra.Command, g *globalOptions) (api.Config, error) {
	cfg, err := g.fileConfig()
	if err != nil {
		return cfg, err
	}
	for _, s := range api.Settings() {
		if v, ok := os.LookupEnv(s.Env); ok {
			if err := s.Set(&cfg, v); err != nil {
				return cfg, fmt.Errorf("%w: %s=%q: %v", errUsage, s.Env, v, err)
			}
		}
	}
	if v, ok := os.LookupEnv("ARCHIVE_LOG_FORMAT"); ok {
		cfg.LogFormat = v
	}
	for _, s := range api.Settings() {
		if fl := cmd.Flags().Lookup(s.Flag); fl != nil && fl.Changed {
			if err := s.Set(&cfg, fl.Value.String()); err != nil {
				return cfg, fmt.Errorf("%w: --%s %q: %v", errUsage, s.Flag, fl.Value.String(), err)
			}
		}
	}
	if fl := cmd.Flags().Lookup("log-format"); fl != nil && fl.Changed {
		cfg.LogFormat = fl.Value.String()
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%w: %v", errUsage, err)
	}
	return cfg, nil
}

func runServe(cmd *cobra.Command, g *globalOptions, o serveOptions) error {
	// serve stops on SIGINT/SIGTERM whoever started it (main does the same).
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := serveConfig(cmd, g)
	if err != nil {
		return err
	}
	// A server logs its requests: info unless --log-level says otherwise.
	sg := *g
	sg.logFormat = cfg.LogFormat
	if fl := cmd.Flags().Lookup("log-level"); fl == nil || !fl.Changed {
		sg.logLevel = "info"
	}
	log, err := sg.logger()
	if err != nil {
		return err
	}
	a, err := sg.openArchive(false)
	if err != nil {
		return err
	}
	defer a.Close()
	sg.interactive = false
	ix, err := sg.openIndex(ctx, a)
	if err != nil {
		return err
	}
	defer ix.Close() // before the archive
	token, err := adminToken()
	if err != nil {
		return err
	}
	look, err := newLookalikes(a, cfg.SimilarThreshold)
	if err != nil {
		return err
	}
	warm, stopWarm := context.WithCancel(ctx)
	defer stopWarm() // before the archive closes
	// Filled now rather than at the first request that needs it.
	go func() {
		if _, err := look.Len(warm); err != nil && warm.Err() == nil {
			log.Warn("near-duplicate index", "err", err)
		}
	}()
	curator := curation.New(a)
	deps := api.Deps{
		Records: a.Store(), Search: ix, Stats: a.Store(), Files: a, Taxonomy: a.Taxonomy(), Editor: curator, Backup: func(ctx context.Context, dest string, o backup.BackupOptions) (*backup.BackupManifest, error) {
			o.RootFiles = backupRootFiles()
			return backup.Backup(ctx, a, dest, o)
		}, Keys: keys.New(a.Store()), Collections: collections.New(a.Store()), Jobs: a.Store().Table(api.JobsTable),
		Indexer: ix, Similar: look, UploadDir: filepath.Join(a.Root(), "tmp"),
		AdminToken: token, Location: a.Location(), Logger: log,
		Ready: func(context.Context) error { _, err := a.Store().LastSeq(); return err },
	}
	// One renderer for ingest jobs and IIIF images: its tool semaphore
	// bounds the external tools of both.
	tools := thumbs.New(thumbs.Options{})
	deps.Ingester = newPipeline(a, tools, ix, look, cfg.IngestWorkers, !o.noRenditions)
	// What import-metadata, report, verify, rethumb and reindex do here,
	// as jobs or requests of the server.
	deps.Maintenance = api.Maintenance{
		Import:  curator.ImportMetadata,
		Reports: a,
		Verify: func(ctx context.Context, progress func(archive.Progress)) (*backup.VerifyReport, error) {
			return backup.Verify(ctx, a, progress)
		},
		Rethumb: func(ctx context.Context, req api.RethumbRequest, progress func(archive.Progress)) (*ingest.RethumbReport, error) {
			return rethumbArchive(ctx, a, tools, ix, look, req, progress)
		},
		Reindex: func(ctx context.Context, progress func(done, total int)) (int, error) {
			return reindexArchive(ctx, a, ix, progress)
		},
	}
	deps.IIIF = api.IIIFOptions{Pictures: tools, CacheDir: filepath.Join(a.Root(), "cache", "iiif")}
	deps.OAI = api.OAIOptions{Source: a.Store()}
	deps.Changes = a.Store()
	// Webhooks follow the change sequence; api runs their dispatcher.
	deps.Webhooks = webhooks.New(a.Store(), webhooks.Options{Logger: log})
	// Downloads and rendition requests, counted for the reports.
	served := report.NewServedCounter(a, 5*time.Second, log)
	defer served.Close() // before the archive
	deps.OnServed = func(id, role, what string) {
		if err := served.CountServed(time.Now(), id, role, what); err != nil {
			log.Warn("count download", "id", id, "err", err)
		}
	}
	// Download presets above the preview, drawn on demand and cached.
	deps.Sizes, deps.SizeCache, deps.SizeCacheBytes = tools, filepath.Join(a.Root(), "cache", "sizes"), sizeCacheBytes
	deps.OnDownload = func(d api.Download) {
		if err := report.CountDownload(a.Store(), time.Now().In(a.Location()), d.Who, d.Purpose); err != nil {
			log.Warn("count download purpose", "id", d.ID, "err", err)
		}
	}
	srv, err := api.New(cfg, deps)
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	url := "http://" + ln.Addr().String()
	info := filepath.Join(a.Root(), serverFileName)
	if err := writeServerInfo(info, serverInfo{URL: url, Token: token, PID: os.Getpid()}); err != nil {
		ln.Close()
		return err
	}
	defer os.Remove(info)

	hs := srv.HTTPServer()
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			hs.Close()
			return fmt.Errorf("listen on %s for metrics: %w", cfg.MetricsAddr, err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: time.Duration(cfg.ReadHeaderTimeout)}
		go func() { errc <- ms.Serve(mln) }()
		defer ms.Close()
		log.Info("serving metrics", "addr", mln.Addr().String())
	}
	log.Info("serving", "url", url, "root", a.Root())
	fmt.Fprintf(g.stdout, "serving %s (search: %s/v1/assets?q=…); Ctrl-C stops\n", url, url)

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	// The CLI must stop coming here before we stop answering.
	os.Remove(info)
	log.Info("shutting down", "timeout", time.Duration(cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(cfg.ShutdownTimeout))
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("shutdown: requests still in flight were cut", "err", err)
		hs.Close()
	}
	srv.Close()
	log.Info("stopped")
	return nil
}

// sizeCacheBytes bounds ROOT/cache/sizes, the download sizes drawn on
// demand.
const sizeCacheBytes = 2 << 30

// adminToken is a random token for ROOT/server.json.
func adminToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "hdl_" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// writeServerInfo writes path with mode 0600 through a temp file.
func writeServerInfo(path string, si serverInfo) error {
	b, err := json.MarshalIndent(si, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
