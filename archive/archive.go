package archive

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Options configure an open archive.
type Options struct {
	// LockTimeout is how long Open waits for another process to release
	// the archive. Zero means 2 seconds.
	LockTimeout time.Duration
	// ReadOnly opens the store without write access (other readers may
	// share it).
	ReadOnly bool
	// Location reads wall-clock times without an offset. Nil means
	// Asia/Ho_Chi_Minh (UTC+07:00).
	Location *time.Location
	// Logger receives operational logs. Nil discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Archive is an open archive root.
type Archive struct {
	root       string
	store      *Store
	originals  blobs
	renditions blobs
	loc        *time.Location
	log        *slog.Logger
	now        func() time.Time
	tax        *Taxonomy // ROOT/taxonomy.json, loaded once by Open
}

// DefaultLocation is the archive's default time zone, Asia/Ho_Chi_Minh.
func DefaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}

// Open opens the archive at root, creating it when it does not exist (unless
// ReadOnly).
func Open(root string, opts Options) (*Archive, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.Location == nil {
		opts.Location = DefaultLocation()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Archive{
		root:       root,
		originals:  blobs{dir: filepath.Join(root, "originals"), tmp: filepath.Join(root, "tmp")},
		renditions: blobs{dir: filepath.Join(root, "renditions"), tmp: filepath.Join(root, "tmp")},
		loc:        opts.Location,
		log:        opts.Logger,
		now:        opts.Now,
	}
	if opts.ReadOnly {
		if _, err := os.Stat(filepath.Join(root, "archive.db")); err != nil {
			return nil, fmt.Errorf("archive: no archive at %s: %w", root, err)
		}
	} else {
		for _, d := range []string{root, a.originals.dir, a.renditions.dir, a.originals.tmp} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, fmt.Errorf("archive: create %s: %w", d, err)
			}
		}
	}
	tax, err := openTaxonomy(root, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	a.tax = tax
	st, err := openStore(filepath.Join(root, "archive.db"), opts.LockTimeout, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	a.store = st
	if !opts.ReadOnly {
		// We hold the lock: temp files left by a killed run are garbage.
		a.clearTemp()
	}
	return a, nil
}

func (a *Archive) clearTemp() {
	entries, err := os.ReadDir(a.originals.tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(a.originals.tmp, e.Name())); err != nil {
			a.log.Warn("remove stale temp file", "name", e.Name(), "err", err)
		}
	}
}

// Root returns the archive's root directory.
func (a *Archive) Root() string { return a.root }

// Store returns the record store.
func (a *Archive) Store() *Store { return a.store }

// Taxonomy returns the archive's categories and gazetteer: ROOT/taxonomy.json
// as it was when the archive was opened. Callers must not modify it.
func (a *Archive) Taxonomy() *Taxonomy { return a.tax }

// Location returns the archive's time zone.
func (a *Archive) Location() *time.Location { return a.loc }

// Close releases the archive.
func (a *Archive) Close() error { return a.store.Close() }

// Progress is reported by long operations (ingest, verify, backup,
// rethumb) after each file.
type Progress struct {
	FilesDone, FilesTotal int
	BytesDone, BytesTotal int64
	Started               time.Time
}
