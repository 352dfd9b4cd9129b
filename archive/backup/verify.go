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

// VerifyProblem is one original that is missing or does not hash to its
// id, or a rendition a record names that is not there.
type VerifyProblem struct {
	ID      string `json:"id"`
	Path    string `json:"path"`
	Problem string `json:"problem"` // missing | corrupt | unreadable | rendition missing
	Detail  string `json:"detail,omitempty"`
}

// VerifyReport is the result of re-hashing every original and looking for
// every rendition.
type VerifyReport struct {
	Checked    int             `json:"checked"`
	Bytes      int64           `json:"bytes"`
	Renditions int             `json:"renditions"` // rendition files found
	Problems   []VerifyProblem `json:"problems"`
}

// Verify re-hashes every original against its id and checks that every
// rendition a record names exists (an archive without them serves broken
// images; 'archive rethumb' makes them). progress, if not nil, is called
// after each original with the files and bytes done and their totals.
func Verify(ctx context.Context, a Archive, progress func(archive.Progress)) (*VerifyReport, error) {
	type item struct {
		id         string
		size       int64
		renditions []archive.Rendition
	}
	var items []item
	var total int64
	if err := a.Store().ForEach(func(r *archive.Record) error {
		items = append(items, item{r.ID, r.Size, r.Renditions})
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
		for _, rd := range it.renditions {
			rp, err := a.RenditionPath(it.id, rd)
			if err != nil {
				return rep, err
			}
			if _, err := os.Stat(rp); err != nil {
				rep.Problems = append(rep.Problems, VerifyProblem{ID: it.id, Path: rp, Problem: "rendition missing", Detail: rd.Name})
				continue
			}
			rep.Renditions++
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
