package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// manifestFileName is the backup's description, written last.
const manifestFileName = "manifest.json"

// Errors of backup and restore. Match them with errors.Is.
// ErrBackupDest means a backup destination cannot be used (it lies inside
// the archive root).
var ErrBackupDest = errors.New("archive: backup destination")

var (
	// ErrBackupCorrupt means a file in a backup does not hash to what the
	// backup says it is (or the manifest is missing or unreadable).
	ErrBackupCorrupt = errors.New("archive: backup corrupt")
	// ErrRestoreTarget means restore was asked to write into a root that is
	// not new or empty.
	ErrRestoreTarget = errors.New("archive: restore target is not empty")
)

// BackupManifest describes a backup folder (DEST/manifest.json).
type BackupManifest struct {
	Format      int       `json:"format"` // 1
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
	OnProgress func(Progress)
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
func (a *Archive) Backup(ctx context.Context, dest string, opts BackupOptions) (*BackupManifest, error) {
	if err := checkBackupDest(a.root, dest); err != nil {
		return nil, err
	}
	tmpDir := filepath.Join(dest, "tmp")
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return nil, fmt.Errorf("archive: backup: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	m := &BackupManifest{Format: 1, Time: a.now().In(a.loc).Truncate(time.Second), ToolVersion: toolVersion(),
		Renditions: opts.WithRenditions, Problems: []VerifyProblem{}}

	// One read transaction gives the database file and the list of files
	// it names, so the two agree.
	var items []backupItem
	err := a.store.db.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte(bucketRecords)).ForEach(func(k, v []byte) error {
			var r Record
			if err := decodeValue(v, &r); err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			m.Records++
			its, err := backupItems(&r, opts.WithRenditions)
			items = append(items, its...)
			return err
		}); err != nil {
			return err
		}
		sum, n, err := writeVerified(ctx, tmpDir, filepath.Join(dest, "archive.db"), "", func(w io.Writer) (int64, error) { return tx.WriteTo(w) })
		m.DBSHA256, m.DBSize = sum, n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("archive: backup database: %w", err)
	}

	err = copyItems(ctx, a.root, dest, tmpDir, items, opts.OnProgress, func(it backupItem, copied bool, n int64, err error) error {
		var bc *badCopyError
		switch {
		case errors.As(err, &bc), errors.Is(err, fs.ErrNotExist):
			problem := "missing"
			if bc != nil {
				problem = "corrupt"
			}
			if it.id != "" {
				m.Problems = append(m.Problems, VerifyProblem{ID: it.id, Path: filepath.Join(a.root, it.rel), Problem: problem, Detail: err.Error()})
			} else {
				a.log.Warn("backup: rendition not copied", "path", it.rel, "err", err)
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
		return m, fmt.Errorf("archive: backup: %w", err)
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
		return m, fmt.Errorf("archive: backup manifest: %w", err)
	}
	return m, nil
}

// RestoreOptions steer a restore.
type RestoreOptions struct {
	// OnProgress is called after each file.
	OnProgress func(Progress)
}

// RestoreReport says what Restore did.
type RestoreReport struct {
	Manifest   BackupManifest  `json:"manifest"`
	Records    int             `json:"records"`
	Originals  int             `json:"originals"`
	Bytes      int64           `json:"bytes"`
	Renditions int             `json:"renditions"` // rendition files restored (0: run rethumb --all)
	Problems   []VerifyProblem `json:"problems"`   // originals missing or corrupt in the backup
}

// Restore copies the backup at src into root, which must not exist or be
// empty: the database (checked against the manifest's SHA-256) and every
// original its records name (each checked against its id), and the
// renditions when the backup holds them. The search index is rebuilt by
// `archive reindex`; missing renditions by `archive rethumb --all`. Files
// that are missing or corrupt in the backup are listed in the report, and
// the error then wraps ErrBackupCorrupt.
func Restore(ctx context.Context, src, root string, opts RestoreOptions) (*RestoreReport, error) {
	if entries, err := os.ReadDir(root); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrRestoreTarget, root)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("archive: restore: %w", err)
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
			return nil, fmt.Errorf("archive: restore: %w", err)
		}
	}
	dbPath := filepath.Join(root, "archive.db")
	if _, _, err := copyVerifiedFile(ctx, filepath.Join(src, "archive.db"), dbPath, tmpDir, rep.Manifest.DBSHA256); err != nil {
		return rep, fmt.Errorf("archive: restore database: %w", err)
	}
	st, err := openStore(dbPath, time.Second, true)
	if err != nil {
		return rep, fmt.Errorf("archive: restore: %w", err)
	}
	var items []backupItem
	err = st.ForEach(func(r *Record) error {
		rep.Records++
		its, err := backupItems(r, rep.Manifest.Renditions)
		items = append(items, its...)
		return err
	})
	st.Close()
	if err != nil {
		return rep, fmt.Errorf("archive: restore: %w", err)
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
		return rep, fmt.Errorf("archive: restore: %w", err)
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
		return fmt.Errorf("archive: backup: %w", err)
	}
	if rel, err := filepath.Rel(r, d); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
		return fmt.Errorf("%w: %s is inside the archive root %s", ErrBackupDest, dest, root)
	}
	return nil
}

// copyItems copies each item from srcRoot to dstRoot unless dstRoot holds
// it already (an original by name, as originals are never rewritten; a
// rendition by name and size). done is called for each item with whether it
// was copied, its size and its error; an error done returns stops the copy.
func copyItems(ctx context.Context, srcRoot, dstRoot, tmpDir string, items []backupItem, progress func(Progress), done func(it backupItem, copied bool, n int64, err error) error) error {
	prog := Progress{FilesTotal: len(items), Started: time.Now()}
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
		return io.Copy(w, ctxReader{ctx, f})
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
	return sum, n, syncDir(filepath.Dir(dst))
}

// originalRel is where an original lives under a root, slash-separated.
func originalRel(id string) string {
	return filepath.ToSlash(blobs{dir: "originals"}.path(id, ""))
}

// renditionRel is where a rendition lives under a root, slash-separated.
func renditionRel(id string, r Rendition) string {
	p, _ := (&Archive{renditions: blobs{dir: "renditions"}}).RenditionPath(id, r)
	return filepath.ToSlash(p)
}

// backupItems lists the files of a record a backup holds: its original, and
// its renditions when withRenditions.
func backupItems(r *Record, withRenditions bool) ([]backupItem, error) {
	if !ValidID(r.ID) {
		return nil, fmt.Errorf("%w: record id %q", ErrCorrupt, r.ID)
	}
	items := []backupItem{{id: r.ID, rel: originalRel(r.ID), size: r.Size}}
	if withRenditions {
		for _, rd := range r.Renditions {
			items = append(items, backupItem{rel: renditionRel(r.ID, rd), size: rd.Size})
		}
	}
	return items, nil
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
