package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/haiduong/promo-archive/archive"
)

// VerifyProblem is one original that is missing or does not hash to its id.
type VerifyProblem struct {
	ID      string `json:"id"`
	Path    string `json:"path"`
	Problem string `json:"problem"` // missing | corrupt | unreadable
	Detail  string `json:"detail,omitempty"`
}

// VerifyReport is the result of re-hashing every original.
type VerifyReport struct {
	Checked  int             `json:"checked"`
	Bytes    int64           `json:"bytes"`
	Problems []VerifyProblem `json:"problems"`
}

// Verify re-hashes every original against its id. progress, if not nil, is
// called after each file with the files and bytes done and their totals.
func Verify(ctx context.Context, a Archive, progress func(archive.Progress)) (*VerifyReport, error) {
	type item struct {
		id   string
		size int64
	}
	var items []item
	var total int64
	if err := a.Store().ForEach(func(r *archive.Record) error {
		items = append(items, item{r.ID, r.Size})
		total += r.Size
		return nil
	}); err != nil {
		return nil, fmt.Errorf("backup: verify: %w", err)
	}
	rep := &VerifyReport{Problems: []VerifyProblem{}}
	prog := archive.Progress{FilesTotal: len(items), BytesTotal: total}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("backup: verify interrupted after %d of %d: %w", rep.Checked, len(items), err)
		}
		p, err := a.OriginalPath(it.id)
		if err != nil {
			return rep, err
		}
		sum, n, err := hashFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			rep.Problems = append(rep.Problems, VerifyProblem{ID: it.id, Path: p, Problem: "missing"})
		case err != nil:
			rep.Problems = append(rep.Problems, VerifyProblem{ID: it.id, Path: p, Problem: "unreadable", Detail: err.Error()})
		case sum != it.id:
			rep.Problems = append(rep.Problems, VerifyProblem{ID: it.id, Path: p, Problem: "corrupt",
				Detail: fmt.Sprintf("hashes to %s (%d bytes, record says %d)", sum, n, it.size)})
		}
		rep.Checked++
		rep.Bytes += n
		prog.FilesDone++
		prog.BytesDone += it.size
		if progress != nil {
			progress(prog)
		}
	}
	return rep, nil
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
