// Package backup owns the copies a province keeps of its archive (Circular
// 02/2019: two copies on independent media): Backup writes a consistent,
// incremental copy (the database as of one read transaction, the originals
// the destination lacks, each verified against its SHA-256, optionally the
// renditions, then a manifest); Restore makes a new root from one,
// checking every file; Verify re-hashes every original of an archive.
package backup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// manifestFileName is the backup's description, written last.
const manifestFileName = "manifest.json"

// Errors of backup and restore. Match them with errors.Is.
// ErrBackupDest means a backup destination cannot be used: it lies inside
// the archive root, or holds something other than an earlier backup of
// this archive (a backup never deletes or overwrites what it did not
// write).
var ErrBackupDest = errors.New("backup: destination")

var (
	// ErrBackupCorrupt means a file in a backup does not hash to what the
	// backup says it is (or the manifest is missing or unreadable).
	ErrBackupCorrupt = errors.New("backup: corrupt")
	// ErrRestoreTarget means restore was asked to write into a root that is
	// not new or empty.
	ErrRestoreTarget = errors.New("backup: restore target is not empty")
)

// BackupManifest describes a backup folder (DEST/manifest.json).
type BackupManifest struct {
	Format int `json:"format"` // 1
	// ArchiveID names the archive the backup is of (the backup table of
	// its store); a destination holding another archive's backup is
	// refused.
	ArchiveID   string    `json:"archive_id,omitempty"`
	Time        time.Time `json:"time"`
	ToolVersion string    `json:"tool_version"`
	Records     int       `json:"records"`
	Originals   int       `json:"originals"`    // originals in DEST after this run
	Bytes       int64     `json:"bytes"`        // their bytes
	DBSHA256    string    `json:"db_sha256"`    // of DEST/archive.db
	DBSize      int64     `json:"db_size"`      // bytes
	Renditions  bool      `json:"renditions"`   // renditions were copied too
	Copied      int       `json:"copied"`       // originals copied by this run (the rest were there)
	CopiedBytes int64     `json:"copied_bytes"` // their bytes
	// Files are the files of the archive root the backup holds beside the
	// database and the blobs (the taxonomy, the settings): name → SHA-256.
	Files map[string]string `json:"files,omitempty"`
	// Problems are originals of the archive that are missing or corrupt
	// and so are not in the backup.
	Problems []VerifyProblem `json:"problems"`
}

// BackupOptions steer a backup.
type BackupOptions struct {
	// WithRenditions copies the renditions too (they are derived and can
	// be rebuilt with rethumb, so by default they are not).
	WithRenditions bool
	// OnProgress is called after each original.
	OnProgress func(archive.Progress)
	// Logger receives what is worth knowing but not failing for (a
	// rendition that could not be copied); nil discards it.
	Logger *slog.Logger
	// RootFiles are files of the archive root to keep beside the database
	// when they exist (taxonomy.json, the settings): what running the
	// archive again needs. They must hold no secrets.
	RootFiles []string
	// Keep, when above 0, keeps the database, manifest and root files of
	// that many earlier backups in DEST/history/<time>/ (the originals are
	// shared: they are never rewritten nor removed), so a mistake made
	// before the last backup can still be undone; older ones are removed.
	Keep int
}

// Archive is what a backup reads; *archive.Archive implements it.
type Archive interface {
	Root() string
	Store() *archive.Store
	Now() time.Time
	OriginalPath(id string) (string, error)
	RenditionPath(id string, r archive.Rendition) (string, error)
}

// backupItem is one file a backup or restore copies.
type backupItem struct {
	id   string // for originals: the expected SHA-256; "" for renditions
	rel  string // path under the root, slash-separated
	size int64
}

// Backup writes a consistent copy of the archive to dest (Circular 02/2019
// asks for two copies on independent media): the database as of one read
// transaction, the originals that dest does not hold yet (each copy
// verified against its SHA-256), optionally the renditions, and then
// dest/manifest.json. It works on an archive opened read-only or by a
// running server. Originals that are missing or corrupt in the archive are
// listed in the manifest's Problems and not copied.
func Backup(ctx context.Context, a Archive, dest string, opts BackupOptions) (*BackupManifest, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	root := a.Root()
	if err := checkBackupDest(root, dest); err != nil {
		return nil, err
	}
	archiveID, err := archiveIdentity(a.Store())
	if err != nil {
		return nil, err
	}
	if err := checkDestContents(dest, archiveID); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	// The staging folder is made here under a name of its own, so removing
	// it removes only what this run wrote.
	tmpDir, err := os.MkdirTemp(dest, stagingPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	if opts.Keep > 0 {
		if err := keepHistory(ctx, dest, tmpDir, opts.Keep); err != nil {
			return nil, err
		}
	}
	m := &BackupManifest{Format: 1, ArchiveID: archiveID, Time: a.Now(), ToolVersion: toolVersion(),
		Renditions: opts.WithRenditions, Problems: []VerifyProblem{}}
	for _, name := range opts.RootFiles {
		sum, _, err := copyVerifiedFile(ctx, filepath.Join(root, name), filepath.Join(dest, name), tmpDir, "")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("backup: %s: %w", name, err)
		}
		if m.Files == nil {
			m.Files = map[string]string{}
		}
		m.Files[name] = sum
	}

	// One read transaction gives the database file and the list of files
	// it names, so the two agree.
	var items []backupItem
	err = a.Store().Snapshot(func(r *archive.Record) error {
		m.Records++
		its, err := backupItems(a, r, opts.WithRenditions)
		items = append(items, its...)
		return err
	}, func(db io.WriterTo) error {
		sum, n, err := writeVerified(ctx, tmpDir, filepath.Join(dest, "archive.db"), "", db.WriteTo)
		m.DBSHA256, m.DBSize = sum, n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("backup: database: %w", err)
	}

	err = copyItems(ctx, root, dest, tmpDir, items, opts.OnProgress, func(it backupItem, copied bool, n int64, err error) error {
		var bc *badCopyError
		switch {
		case errors.As(err, &bc), errors.Is(err, fs.ErrNotExist):
			problem := "missing"
			if bc != nil {
				problem = "corrupt"
			}
			if it.id != "" {
				m.Problems = append(m.Problems, VerifyProblem{ID: it.id, Path: filepath.Join(root, it.rel), Problem: problem, Detail: err.Error()})
			} else {
				log.Warn("backup: rendition not copied", "path", it.rel, "err", err)
			}
			return nil
		case err != nil:
			return err
		}
		if it.id != "" {
			m.Originals++
			m.Bytes += n
			if copied {
				m.Copied++
				m.CopiedBytes += n
			}
		}
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	b = append(b, '\n')
	_, _, err = writeVerified(ctx, tmpDir, filepath.Join(dest, manifestFileName), "", func(w io.Writer) (int64, error) {
		n, err := w.Write(b)
		return int64(n), err
	})
	if err != nil {
		return m, fmt.Errorf("backup: manifest: %w", err)
	}
	return m, nil
}

// RestoreOptions steer a restore.
type RestoreOptions struct {
	// OnProgress is called after each file.
	OnProgress func(archive.Progress)
}

// RestoreReport says what Restore did.
type RestoreReport struct {
	Manifest   BackupManifest `json:"manifest"`
	Records    int            `json:"records"`
	Originals  int            `json:"originals"`
	Bytes      int64          `json:"bytes"`
	Renditions int            `json:"renditions"` // rendition files restored (0: run rethumb --all)
	// Rendered counts the records whose renditions the command rendered
	// again after restoring a backup without them.
	Rendered int             `json:"rendered"`
	Problems []VerifyProblem `json:"problems"` // originals missing or corrupt in the backup
}

// Restore copies the backup at src into root, which must not exist or be
// empty: the database (checked against the manifest's SHA-256), the root
// files of the manifest, every original its records name (each checked
// against its id), and the renditions the backup holds. The search index
// is rebuilt by `archive reindex`; the renditions the backup lacks must be
// rendered again (`archive restore` does; Verify reports them missing). Files
// that are missing or corrupt in the backup are listed in the report, and
// the error then wraps ErrBackupCorrupt.
func Restore(ctx context.Context, src, root string, opts RestoreOptions) (*RestoreReport, error) {
	if entries, err := os.ReadDir(root); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrRestoreTarget, root)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	mb, err := os.ReadFile(filepath.Join(src, manifestFileName))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBackupCorrupt, err)
	}
	rep := &RestoreReport{Problems: []VerifyProblem{}}
	if err := json.Unmarshal(mb, &rep.Manifest); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBackupCorrupt, manifestFileName, err)
	}
	tmpDir := filepath.Join(root, "tmp")
	for _, d := range []string{filepath.Join(root, "originals"), filepath.Join(root, "renditions"), tmpDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("backup: restore: %w", err)
		}
	}
	dbPath := filepath.Join(root, "archive.db")
	if _, _, err := copyVerifiedFile(ctx, filepath.Join(src, "archive.db"), dbPath, tmpDir, rep.Manifest.DBSHA256); err != nil {
		return rep, fmt.Errorf("backup: restore database: %w", err)
	}
	for name, sum := range rep.Manifest.Files {
		if !rootFileName(name) {
			return rep, fmt.Errorf("%w: %s names the file %q", ErrBackupCorrupt, manifestFileName, name)
		}
		if _, _, err := copyVerifiedFile(ctx, filepath.Join(src, name), filepath.Join(root, name), tmpDir, sum); err != nil {
			return rep, fmt.Errorf("backup: restore %s: %w", name, err)
		}
	}
	restored, err := archive.Open(root, archive.Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		return rep, fmt.Errorf("backup: restore: %w", err)
	}
	var items []backupItem
	err = restored.Store().ForEach(func(r *archive.Record) error {
		rep.Records++
		// Renditions are restored wherever the backup holds them (an
		// earlier run may have copied them); the rest are missing.
		its, err := backupItems(restored, r, true)
		items = append(items, its...)
		return err
	})
	restored.Close()
	if err != nil {
		return rep, fmt.Errorf("backup: restore: %w", err)
	}
	err = copyItems(ctx, src, root, tmpDir, items, opts.OnProgress, func(it backupItem, _ bool, n int64, err error) error {
		var bc *badCopyError
		switch {
		case it.id == "" && err == nil:
			rep.Renditions++
		case it.id == "":
			// Renditions are derived: rethumb makes a missing one again.
		case errors.As(err, &bc):
			rep.Problems = append(rep.Problems, VerifyProblem{ID: it.id, Path: filepath.Join(src, it.rel), Problem: "corrupt", Detail: err.Error()})
		case errors.Is(err, fs.ErrNotExist):
			rep.Problems = append(rep.Problems, VerifyProblem{ID: it.id, Path: filepath.Join(src, it.rel), Problem: "missing"})
		case err != nil:
			return err
		default:
			rep.Originals++
			rep.Bytes += n
		}
		return nil
	})
	os.RemoveAll(tmpDir)
	if err != nil {
		return rep, fmt.Errorf("backup: restore: %w", err)
	}
	if len(rep.Problems) > 0 {
		return rep, fmt.Errorf("%w: %d originals missing or corrupt in %s", ErrBackupCorrupt, len(rep.Problems), src)
	}
	return rep, nil
}

// checkBackupDest refuses a destination inside the archive root (or the
// root itself): a backup must be on other media.
func checkBackupDest(root, dest string) error {
	r, err1 := filepath.Abs(root)
	d, err2 := filepath.Abs(dest)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if rel, err := filepath.Rel(r, d); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
		return fmt.Errorf("%w: %s is inside the archive root %s", ErrBackupDest, dest, root)
	}
	return nil
}

// stagingPrefix starts the name of the folder a backup stages its copies
// in, inside the destination.
const stagingPrefix = ".archive-backup-"

// backupEntry reports whether name may be in a backup destination: what a
// backup writes, and staging folders a killed backup left.
func backupEntry(name string) bool {
	switch name {
	case manifestFileName, "archive.db", "originals", "renditions", historyDir:
		return true
	}
	return rootFileName(name) || strings.HasPrefix(name, stagingPrefix)
}

// rootFileName reports whether name is a plain file name a backup may
// keep beside the database (BackupOptions.RootFiles).
func rootFileName(name string) bool {
	return filepath.IsLocal(name) && !strings.ContainsAny(name, `/\`) && strings.HasSuffix(name, ".json") && name != manifestFileName
}

// checkDestContents refuses a destination that holds anything but an
// earlier backup of the archive archiveID: it must be missing, empty, or
// hold a manifest of that archive and only what backups write.
func checkDestContents(dest, archiveID string) error {
	entries, err := os.ReadDir(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBackupDest, err)
	}
	if len(entries) == 0 {
		return nil
	}
	var m BackupManifest
	b, err := os.ReadFile(filepath.Join(dest, manifestFileName))
	if err != nil || json.Unmarshal(b, &m) != nil || m.Format != 1 {
		return fmt.Errorf("%w: %s is not empty and holds no backup (no readable %s); give an empty or new folder", ErrBackupDest, dest, manifestFileName)
	}
	if m.ArchiveID != "" && m.ArchiveID != archiveID {
		return fmt.Errorf("%w: %s holds a backup of another archive (%s); give an empty or new folder", ErrBackupDest, dest, m.ArchiveID)
	}
	for _, e := range entries {
		if !backupEntry(e.Name()) {
			return fmt.Errorf("%w: %s holds %q, which no backup wrote; a backup never overwrites or deletes what it did not write", ErrBackupDest, dest, e.Name())
		}
	}
	return nil
}

// historyDir holds the earlier backups' databases (BackupOptions.Keep).
const historyDir = "history"

// keepHistory copies the last backup's database, manifest and root files
// into DEST/history/<its time>/ (copies: DEST stays a whole backup should
// this run fail) and removes the oldest entries beyond keep. Only folders
// whose names are backup times are counted or removed.
func keepHistory(ctx context.Context, dest, tmpDir string, keep int) error {
	b, err := os.ReadFile(filepath.Join(dest, manifestFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var m BackupManifest
	if err != nil || json.Unmarshal(b, &m) != nil {
		return fmt.Errorf("%w: %s: unreadable %s", ErrBackupDest, dest, manifestFileName)
	}
	hist := filepath.Join(dest, historyDir)
	to := filepath.Join(hist, m.Time.UTC().Format(historyLayout))
	if err := os.MkdirAll(to, 0o755); err != nil {
		return fmt.Errorf("backup: history: %w", err)
	}
	names := []string{"archive.db", manifestFileName}
	for name := range m.Files {
		names = append(names, name)
	}
	for _, name := range names {
		if !backupEntry(name) {
			continue
		}
		if _, err := os.Stat(filepath.Join(to, name)); err == nil {
			continue // kept by an earlier run that failed after it
		}
		_, _, err := copyVerifiedFile(ctx, filepath.Join(dest, name), filepath.Join(to, name), tmpDir, "")
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("backup: history: %w", err)
		}
	}
	entries, err := os.ReadDir(hist)
	if err != nil {
		return fmt.Errorf("backup: history: %w", err)
	}
	var past []string
	for _, e := range entries {
		if _, err := time.Parse(historyLayout, e.Name()); err == nil && e.IsDir() {
			past = append(past, e.Name())
		}
	}
	slices.Sort(past) // the layout sorts by time
	for len(past) > keep {
		if err := os.RemoveAll(filepath.Join(hist, past[0])); err != nil {
			return fmt.Errorf("backup: history: %w", err)
		}
		past = past[1:]
	}
	return nil
}

// historyLayout names a history folder by its backup's time (UTC).
const historyLayout = "20060102T150405Z"

// identityTable is the archive.db table of the backup package: "id" → the
// archive's random identity, named in every manifest.
const identityTable = "backup"

// archiveIdentity returns the archive's identity, made on first use. An
// archive opened read-only that has none yet has the empty identity (its
// backups then name no archive).
func archiveIdentity(s *archive.Store) (string, error) {
	var id string
	t := s.Table(identityTable)
	if found, err := t.Get("id", &id); err != nil {
		return "", fmt.Errorf("backup: archive identity: %w", err)
	} else if found && id != "" {
		return id, nil
	}
	if s.ReadOnly() {
		return "", nil
	}
	err := t.Modify("id", &id, func(found bool) (bool, error) {
		if found && id != "" {
			return false, nil
		}
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return false, err
		}
		id = hex.EncodeToString(b[:])
		return true, nil
	})
	if err != nil {
		return "", fmt.Errorf("backup: archive identity: %w", err)
	}
	return id, nil
}

// copyItems copies each item from srcRoot to dstRoot unless dstRoot holds
// it already (an original by name, as originals are never rewritten; a
// rendition by name and size). done is called for each item with whether it
// was copied, its size and its error; an error done returns stops the copy.
func copyItems(ctx context.Context, srcRoot, dstRoot, tmpDir string, items []backupItem, progress func(archive.Progress), done func(it backupItem, copied bool, n int64, err error) error) error {
	prog := archive.Progress{FilesTotal: len(items), Started: time.Now()}
	for _, it := range items {
		prog.BytesTotal += it.size
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		dst := filepath.Join(dstRoot, filepath.FromSlash(it.rel))
		copied, n, err := false, int64(0), error(nil)
		if fi, serr := os.Stat(dst); serr == nil && (it.id != "" || fi.Size() == it.size) {
			n = fi.Size()
		} else {
			copied = true
			_, n, err = copyVerifiedFile(ctx, filepath.Join(srcRoot, filepath.FromSlash(it.rel)), dst, tmpDir, it.id)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		if err := done(it, copied, n, err); err != nil {
			return err
		}
		prog.FilesDone++
		prog.BytesDone += it.size
		if progress != nil {
			progress(prog)
		}
	}
	return nil
}

// badCopyError means a copied file did not hash to what it should.
type badCopyError struct {
	path, want, got string
}

func (e *badCopyError) Error() string {
	return fmt.Sprintf("%s hashes to %s, want %s", e.path, e.got, e.want)
}

func (e *badCopyError) Unwrap() error { return ErrBackupCorrupt }

// copyVerifiedFile copies src to dst through a synced temp file in tmpDir,
// checking the SHA-256 of the bytes against want (unless want is "").
func copyVerifiedFile(ctx context.Context, src, dst, tmpDir, want string) (string, int64, error) {
	f, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	return writeVerified(ctx, tmpDir, dst, want, func(w io.Writer) (int64, error) {
		return copyContext(ctx, w, f)
	})
}

// writeVerified writes what fill writes to dst through a synced temp file
// in tmpDir, hashing as it goes; when want is not "" and the hash differs,
// dst is left alone and the error is a *badCopyError. It returns the hash
// and the size.
func writeVerified(ctx context.Context, tmpDir, dst, want string, fill func(io.Writer) (int64, error)) (string, int64, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	tmp, err := os.CreateTemp(tmpDir, "copy-*")
	if err != nil {
		return "", 0, fmt.Errorf("temp file: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := fill(io.MultiWriter(tmp, h))
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", n, fmt.Errorf("write %s: %w", dst, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return sum, n, &badCopyError{path: dst, want: want, got: sum}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return sum, n, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return sum, n, fmt.Errorf("install %s: %w", dst, err)
	}
	return sum, n, archive.SyncDir(filepath.Dir(dst))
}

// backupItems lists the files of a record a backup holds: its original, and
// its renditions when withRenditions, by their paths under a's root.
func backupItems(a Archive, r *archive.Record, withRenditions bool) ([]backupItem, error) {
	if !archive.ValidID(r.ID) {
		return nil, fmt.Errorf("%w: record id %q", archive.ErrCorrupt, r.ID)
	}
	rel := func(p string, err error) (string, error) {
		if err != nil {
			return "", err
		}
		r, err := filepath.Rel(a.Root(), p)
		return filepath.ToSlash(r), err
	}
	orig, err := rel(a.OriginalPath(r.ID))
	if err != nil {
		return nil, err
	}
	items := []backupItem{{id: r.ID, rel: orig, size: r.Size}}
	if withRenditions {
		for _, rd := range r.Renditions {
			p, err := rel(a.RenditionPath(r.ID, rd))
			if err != nil {
				return nil, err
			}
			items = append(items, backupItem{rel: p, size: rd.Size})
		}
	}
	return items, nil
}

// copyContext copies src to dst in chunks, stopping between chunks when ctx
// is cancelled, so a backup of a large video can be interrupted.
func copyContext(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := io.CopyN(dst, src, 4<<20)
		total += n
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// toolVersion names this program's build for the manifest.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Path + " " + bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return v
}
