package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// ErrBadID means a string is not an asset id (64 lower-case hex digits).
var ErrBadID = errors.New("archive: not an asset id")

// ValidID reports whether id has the form of an asset id.
func ValidID(id string) bool {
	if len(id) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// blobs lays files out content-addressed under a directory: dir/ab/cd/<id><suffix>.
type blobs struct {
	dir string
	tmp string // temp dir on the same file system
}

func (b blobs) path(id, suffix string) string {
	return filepath.Join(b.dir, id[0:2], id[2:4], id+suffix)
}

// OriginalPath returns where the original with the given id is stored.
func (a *Archive) OriginalPath(id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("%w: %q", ErrBadID, id)
	}
	return a.originals.path(id, ""), nil
}

// RenditionPath returns where a rendition of the asset is stored.
func (a *Archive) RenditionPath(id string, r Rendition) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("%w: %q", ErrBadID, id)
	}
	return a.renditions.path(id, "."+r.Name+".v"+strconv.Itoa(r.Version)+".jpg"), nil
}

// tempFile is a file being written under ROOT/tmp while its hash is taken.
type tempFile struct {
	f    *os.File
	h    hash.Hash
	size int64
}

func (b blobs) create() (*tempFile, error) {
	f, err := os.CreateTemp(b.tmp, "blob-*")
	if err != nil {
		return nil, fmt.Errorf("archive: temp file: %w", err)
	}
	return &tempFile{f: f, h: sha256.New()}, nil
}

func (t *tempFile) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	t.h.Write(p[:n])
	t.size += int64(n)
	return n, err
}

func (t *tempFile) sum() string { return hex.EncodeToString(t.h.Sum(nil)) }

// discard removes the temp file.
func (t *tempFile) discard() {
	t.f.Close()
	os.Remove(t.f.Name())
}

// install fsyncs the temp file and renames it to final, unless final exists
// already (content addressing: same name, same bytes), in which case the temp
// file is dropped.
func (t *tempFile) install(final string) error {
	// Temp files are created 0600; stored files are readable like any file
	// the archive's user writes, so backups and a server can read them.
	if err := t.f.Chmod(0o644); err != nil {
		t.discard()
		return fmt.Errorf("archive: chmod %s: %w", t.f.Name(), err)
	}
	if err := t.f.Sync(); err != nil {
		t.discard()
		return fmt.Errorf("archive: fsync %s: %w", t.f.Name(), err)
	}
	if err := t.f.Close(); err != nil {
		os.Remove(t.f.Name())
		return fmt.Errorf("archive: close %s: %w", t.f.Name(), err)
	}
	if _, err := os.Stat(final); err == nil {
		os.Remove(t.f.Name())
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		os.Remove(t.f.Name())
		return fmt.Errorf("archive: %w", err)
	}
	if err := os.Rename(t.f.Name(), final); err != nil {
		os.Remove(t.f.Name())
		return fmt.Errorf("archive: install %s: %w", final, err)
	}
	return syncDir(filepath.Dir(final))
}

// writeFileAtomic writes data to final through a synced temp file.
func (b blobs) writeFileAtomic(final string, data []byte) error {
	t, err := b.create()
	if err != nil {
		return err
	}
	if _, err := t.Write(data); err != nil {
		t.discard()
		return fmt.Errorf("archive: write %s: %w", final, err)
	}
	if err := os.Remove(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.discard()
		return fmt.Errorf("archive: replace %s: %w", final, err)
	}
	return t.install(final)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("archive: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("archive: sync dir %s: %w", dir, err)
	}
	return nil
}

// hashFile returns the SHA-256 of the file at path and its size.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ctxReader stops a copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
