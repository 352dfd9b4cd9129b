package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive/similar"
)

// Config are the server's settings. cmd/archive fills it from flags, the
// environment (ARCHIVE_*) and ROOT/config.json, in that precedence.
type Config struct {
	Addr        string   `json:"addr"`
	CORSOrigins []string `json:"cors_origins"` // exact origins, or "*"
	// RateAnon and RateKey are requests per second per client IP and per
	// API key; bursts allow short peaks. A rate ≤ 0 disables the limit.
	RateAnon  float64 `json:"rate_anon"`
	BurstAnon int     `json:"burst_anon"`
	RateKey   float64 `json:"rate_key"`
	BurstKey  int     `json:"burst_key"`
	// MaxUpload bounds one multipart ingest request, in bytes.
	MaxUpload int64 `json:"max_upload"`
	// MaxBody bounds every other request body, in bytes.
	MaxBody           int64    `json:"max_body"`
	ReadHeaderTimeout Duration `json:"read_header_timeout"`
	ReadTimeout       Duration `json:"read_timeout"`
	WriteTimeout      Duration `json:"write_timeout"`
	IdleTimeout       Duration `json:"idle_timeout"`
	ShutdownTimeout   Duration `json:"shutdown_timeout"`
	LogFormat         string   `json:"log_format"` // text | json
	// IngestWorkers is the number of files a job processes at once; 0
	// means the number of CPUs.
	IngestWorkers int `json:"ingest_workers"`
	// MaxJobs is how many finished jobs are remembered; 0 means 100.
	MaxJobs int `json:"max_jobs"`
	// SearchCache is how many recent search results are kept; 0 turns the
	// cache off. Any change to the archive retires every entry.
	SearchCache int `json:"search_cache"`
	// IngestRoots are the server folders curators may ingest from with
	// POST /v1/ingest {"paths": [...]} (each path must be one of them or
	// inside one); none by default. Uploads are always allowed, and the
	// local admin token (the CLI on the server's machine) is not bound.
	IngestRoots []string `json:"ingest_roots,omitempty"`
	// MetricsAddr, when set, is a HOST:PORT (a private interface) where
	// /metrics is served to anyone who can reach it; the API's own
	// /metrics then answers 404. Unset, /metrics is for admin keys.
	MetricsAddr string `json:"metrics_addr,omitempty"`
	// Backups are backups the server makes by itself, each daily at its
	// time (only from config.json).
	Backups []ScheduledBackup `json:"backups,omitempty"`
	// SimilarThreshold is the Hamming distance of perceptual hashes within
	// which two pictures are near-duplicates (archive/similar), for ingest
	// warnings, `archive similar` and the duplicates page.
	SimilarThreshold int `json:"similar_threshold"`
	// Department is the managing department's name, named on reports
	// (archive/report); the server itself only accepts it.
	Department string `json:"department,omitempty"`
	// Province is the province the archive promotes, named in the site
	// title and on reports (report.SiteTitle); "" is
	// report.DefaultProvince.
	Province string `json:"province,omitempty"`
}

// ScheduledBackup is a daily backup (Circular 02/2019: two copies on
// independent media), made as a backup job.
type ScheduledBackup struct {
	Dest string `json:"dest"` // an absolute folder on other media
	At   string `json:"at"`   // "02:00", in the archive's time zone
	// Keep is how many earlier databases stay in DEST/history (0: none).
	Keep           int  `json:"keep,omitempty"`
	WithRenditions bool `json:"with_renditions,omitempty"`
}

// atClock returns the hour and minute of At.
func (b ScheduledBackup) atClock() (hour, minute int, err error) {
	t, err := time.Parse("15:04", b.At)
	if err != nil {
		return 0, 0, fmt.Errorf("backup at %q: want a time such as 02:00", b.At)
	}
	return t.Hour(), t.Minute(), nil
}

// Duration is a time.Duration that reads "30s" in JSON.
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// DefaultConfig returns the defaults documented by `archive serve --help`.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		RateAnon:          50, // a search page loads two dozen thumbnails at once
		BurstAnon:         150,
		RateKey:           200,
		BurstKey:          400,
		MaxUpload:         2 << 30,
		MaxBody:           1 << 20,
		ReadHeaderTimeout: Duration(10 * time.Second),
		ReadTimeout:       Duration(30 * time.Minute),
		WriteTimeout:      Duration(30 * time.Minute),
		IdleTimeout:       Duration(2 * time.Minute),
		ShutdownTimeout:   Duration(30 * time.Second),
		LogFormat:         "text",
		MaxJobs:           100,
		SearchCache:       1024,
		SimilarThreshold:  similar.DefaultThreshold,
	}
}

// ConfigFileName is the optional settings file in the archive root.
const ConfigFileName = "config.json"

// LoadConfigFile lays the settings of the JSON file at path over c. A
// missing file is not an error; unknown fields are.
func LoadConfigFile(path string, c *Config) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("api: config: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("api: config %s: %w", path, err)
	}
	return nil
}

// Setting names one option: its flag, its environment variable and a
// pointer into a Config, so the three sources are listed once. Type names
// the value's type for help texts, as pflag does: string, strings, int,
// float, bytes (a size with an optional K, M or G) or duration.
type Setting struct {
	Flag, Env, Usage, Type string
	Set                    func(c *Config, v string) error
	Get                    func(c *Config) string
}

// Settings lists every option of Config.
func Settings() []Setting {
	str := func(p func(*Config) *string) (func(*Config, string) error, func(*Config) string, string) {
		return func(c *Config, v string) error { *p(c) = v; return nil }, func(c *Config) string { return *p(c) }, "string"
	}
	flt := func(p func(*Config) *float64) (func(*Config, string) error, func(*Config) string, string) {
		return func(c *Config, v string) error {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return err
				}
				*p(c) = f
				return nil
			}, func(c *Config) string {
				return strconv.FormatFloat(*p(c), 'f', -1, 64)
			}, "float"
	}
	num := func(p func(*Config) *int) (func(*Config, string) error, func(*Config) string, string) {
		return func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return err
				}
				*p(c) = n
				return nil
			}, func(c *Config) string {
				return strconv.Itoa(*p(c))
			}, "int"
	}
	size := func(p func(*Config) *int64) (func(*Config, string) error, func(*Config) string, string) {
		return func(c *Config, v string) error {
				n, err := ParseSize(v)
				if err != nil {
					return err
				}
				*p(c) = n
				return nil
			}, func(c *Config) string {
				return strconv.FormatInt(*p(c), 10)
			}, "bytes"
	}
	dur := func(p func(*Config) *Duration) (func(*Config, string) error, func(*Config) string, string) {
		return func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil {
					return err
				}
				*p(c) = Duration(d)
				return nil
			}, func(c *Config) string {
				return time.Duration(*p(c)).String()
			}, "duration"
	}
	mk := func(flag, env, usage string, set func(*Config, string) error, get func(*Config) string, typ string) Setting {
		return Setting{Flag: flag, Env: env, Usage: usage, Type: typ, Set: set, Get: get}
	}
	var out []Setting
	add := func(s Setting) { out = append(out, s) }
	s, g, ty := str(func(c *Config) *string { return &c.Addr })
	add(mk("addr", "ARCHIVE_ADDR", "HOST:PORT to listen on (port 0 picks a free one)", s, g, ty))
	add(Setting{Flag: "cors-origins", Env: "ARCHIVE_CORS_ORIGINS", Usage: "comma-separated origins allowed by CORS (the portal's), or *", Type: "strings",
		Set: func(c *Config, v string) error { c.CORSOrigins = splitComma(v); return nil },
		Get: func(c *Config) string { return strings.Join(c.CORSOrigins, ",") }})
	s, g, ty = flt(func(c *Config) *float64 { return &c.RateAnon })
	add(mk("rate-anon", "ARCHIVE_RATE_ANON", "requests per second per client without a key (0: unlimited)", s, g, ty))
	s, g, ty = num(func(c *Config) *int { return &c.BurstAnon })
	add(mk("burst-anon", "ARCHIVE_BURST_ANON", "burst per client without a key", s, g, ty))
	s, g, ty = flt(func(c *Config) *float64 { return &c.RateKey })
	add(mk("rate-key", "ARCHIVE_RATE_KEY", "requests per second per API key (0: unlimited)", s, g, ty))
	s, g, ty = num(func(c *Config) *int { return &c.BurstKey })
	add(mk("burst-key", "ARCHIVE_BURST_KEY", "burst per API key", s, g, ty))
	s, g, ty = size(func(c *Config) *int64 { return &c.MaxUpload })
	add(mk("max-upload", "ARCHIVE_MAX_UPLOAD", "largest multipart ingest request in bytes (suffixes K, M, G)", s, g, ty))
	s, g, ty = size(func(c *Config) *int64 { return &c.MaxBody })
	add(mk("max-body", "ARCHIVE_MAX_BODY", "largest body of any other request in bytes (suffixes K, M, G)", s, g, ty))
	s, g, ty = dur(func(c *Config) *Duration { return &c.ReadHeaderTimeout })
	add(mk("read-header-timeout", "ARCHIVE_READ_HEADER_TIMEOUT", "time to read request headers", s, g, ty))
	s, g, ty = dur(func(c *Config) *Duration { return &c.ReadTimeout })
	add(mk("read-timeout", "ARCHIVE_READ_TIMEOUT", "time to read a whole request (uploads included)", s, g, ty))
	s, g, ty = dur(func(c *Config) *Duration { return &c.WriteTimeout })
	add(mk("write-timeout", "ARCHIVE_WRITE_TIMEOUT", "time to write a whole response (original downloads included)", s, g, ty))
	s, g, ty = dur(func(c *Config) *Duration { return &c.IdleTimeout })
	add(mk("idle-timeout", "ARCHIVE_IDLE_TIMEOUT", "keep-alive idle time", s, g, ty))
	s, g, ty = dur(func(c *Config) *Duration { return &c.ShutdownTimeout })
	add(mk("shutdown-timeout", "ARCHIVE_SHUTDOWN_TIMEOUT", "time to finish requests on SIGTERM/SIGINT", s, g, ty))
	s, g, ty = num(func(c *Config) *int { return &c.IngestWorkers })
	add(mk("ingest-workers", "ARCHIVE_INGEST_WORKERS", "files an ingest job processes at once (0: CPUs)", s, g, ty))
	s, g, ty = num(func(c *Config) *int { return &c.MaxJobs })
	add(mk("max-jobs", "ARCHIVE_MAX_JOBS", "finished ingest jobs remembered", s, g, ty))
	s, g, ty = str(func(c *Config) *string { return &c.MetricsAddr })
	add(mk("metrics-addr", "ARCHIVE_METRICS_ADDR", "HOST:PORT serving /metrics to anyone who reaches it (unset: /metrics needs an admin key)", s, g, ty))
	add(Setting{Flag: "ingest-roots", Env: "ARCHIVE_INGEST_ROOTS", Usage: "comma-separated absolute server folders curators may ingest from (none: uploads only)", Type: "strings",
		Set: func(c *Config, v string) error { c.IngestRoots = splitComma(v); return nil },
		Get: func(c *Config) string { return strings.Join(c.IngestRoots, ",") }})
	s, g, ty = num(func(c *Config) *int { return &c.SearchCache })
	add(mk("search-cache", "ARCHIVE_SEARCH_CACHE", "recent search results kept (0: no cache)", s, g, ty))
	s, g, ty = num(func(c *Config) *int { return &c.SimilarThreshold })
	add(mk("similar-threshold", "ARCHIVE_SIMILAR_THRESHOLD", "perceptual-hash distance within which pictures are near-duplicates", s, g, ty))
	return out
}

// Validate checks c.
func (c *Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("addr is empty")
	case c.MaxUpload <= 0 || c.MaxBody <= 0:
		return errors.New("max-upload and max-body must be positive")
	case c.BurstAnon < 1 && c.RateAnon > 0, c.BurstKey < 1 && c.RateKey > 0:
		return errors.New("bursts must be at least 1")
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("log format %q (want text or json)", c.LogFormat)
	case c.SimilarThreshold < 0 || c.SimilarThreshold > similar.MaxThreshold:
		return fmt.Errorf("similar-threshold %d (want 0 to %d)", c.SimilarThreshold, similar.MaxThreshold)
	}
	for _, b := range c.Backups {
		if !filepath.IsAbs(b.Dest) {
			return fmt.Errorf("backup dest %q is not an absolute path", b.Dest)
		}
		if _, _, err := b.atClock(); err != nil {
			return err
		}
		if b.Keep < 0 {
			return fmt.Errorf("backup keep %d is negative", b.Keep)
		}
	}
	for _, r := range c.IngestRoots {
		if !filepath.IsAbs(r) {
			return fmt.Errorf("ingest root %q is not an absolute path", r)
		}
	}
	for _, d := range []Duration{c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout, c.ShutdownTimeout} {
		if d <= 0 {
			return errors.New("timeouts must be positive")
		}
	}
	return nil
}

// ParseSize reads a byte count with an optional K, M or G (binary) suffix.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for suf, m := range map[string]int64{"K": 1 << 10, "M": 1 << 20, "G": 1 << 30} {
		if t, ok := strings.CutSuffix(strings.TrimSuffix(s, "IB"), suf); ok && t != s {
			s, mult = t, m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * mult, nil
}

func splitComma(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
