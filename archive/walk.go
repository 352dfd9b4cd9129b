package archive

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// ErrNoFiles means an ingest source holds nothing to ingest. It is an error,
// never "everything was deleted".
var ErrNoFiles = errors.New("archive: no files to ingest")

// job is one file the walk found.
type job struct {
	path       string // as shown to the user: the argument joined with the relative path
	key        string // absolute, cleaned, NFC: the paths index key
	sourcePath string // relative to the ingested folder's parent, slash-separated, NFC
	name       string // file name, NFC
	size       int64
	mtime      time.Time
	sidecar    string // XMP sidecar path, or ""
	meta       *CuratorMeta
	metaErr    error
}

// plan is the result of walking the sources: the files in walk order and the
// problems found in metadata.csv files that belong to no file.
type plan struct {
	jobs     []job
	problems []FileResult
	bytes    int64
}

// walkOptions steer the walk.
type walkOptions struct {
	followSymlinks bool
	tax            *Taxonomy
	loc            *time.Location
}

// csvDir holds the rows of one folder's metadata.csv.
type csvDir struct {
	display string // the csv's path as shown
	rows    map[string]*csvRow
	used    map[string]bool
}

// skipName reports whether a file or folder is hidden or operating-system
// junk that is never ingested.
func skipName(name string, isDir bool) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true
	}
	lower := strings.ToLower(name)
	if isDir {
		switch lower {
		case "$recycle.bin", "system volume information", "@eadir", "__macosx", "lost+found":
			return true
		}
		return false
	}
	switch lower {
	case "thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r":
		return true
	}
	return false
}

// isSidecar reports whether name is an XMP sidecar, which travels with its
// file rather than being ingested itself.
func isSidecar(name string) bool { return strings.EqualFold(filepath.Ext(name), ".xmp") }

// findSidecar returns the XMP sidecar of file: "name.ext.xmp" first, then
// "name.xmp" (either case).
func findSidecar(file string) string {
	base := strings.TrimSuffix(file, filepath.Ext(file))
	for _, c := range []string{file + ".xmp", file + ".XMP", base + ".xmp", base + ".XMP"} {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

// walkSources lists the files to ingest under each source. A source that is
// missing, unreadable or empty is an error; so is a metadata.csv whose
// header cannot be used. Row errors travel with their files.
func walkSources(sources []string, opts walkOptions) (*plan, error) {
	p := &plan{}
	for _, src := range sources {
		n := len(p.jobs)
		if err := walkSource(src, opts, p); err != nil {
			return nil, err
		}
		if len(p.jobs) == n {
			return nil, fmt.Errorf("%w in %s", ErrNoFiles, src)
		}
	}
	return p, nil
}

func walkSource(src string, opts walkOptions, p *plan) error {
	abs, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("archive: %s: %w", src, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("archive: source %s: %w", src, err)
	}
	parent := filepath.Dir(abs)
	csvs := map[string]*csvDir{} // absolute folder → its metadata.csv
	loadCSV := func(dir, display string) error {
		f := filepath.Join(dir, MetadataFileName)
		if _, err := os.Stat(f); err != nil {
			return nil
		}
		shown := filepath.Join(display, MetadataFileName)
		rows, err := loadMetadataCSV(f, shown, opts.tax, opts.loc)
		if err != nil {
			return err
		}
		cd := &csvDir{display: shown, rows: map[string]*csvRow{}, used: map[string]bool{}}
		for i := range rows {
			r := &rows[i]
			if r.File == "" { // a row error with no file name
				p.problems = append(p.problems, FileResult{Path: shown, Status: StatusFailed, Error: r.Err.Error()})
				continue
			}
			cd.rows[norm.NFC.String(r.File)] = r
		}
		csvs[dir] = cd
		return nil
	}
	addFile := func(absPath, display string, fi fs.FileInfo) {
		rel, _ := filepath.Rel(parent, absPath)
		j := job{
			path:       display,
			key:        norm.NFC.String(absPath),
			sourcePath: norm.NFC.String(filepath.ToSlash(rel)),
			name:       norm.NFC.String(fi.Name()),
			size:       fi.Size(),
			mtime:      fi.ModTime(),
			sidecar:    findSidecar(absPath),
		}
		// The nearest metadata.csv that names the file wins.
		for dir := filepath.Dir(absPath); ; dir = filepath.Dir(dir) {
			if cd, ok := csvs[dir]; ok {
				relTo, _ := filepath.Rel(dir, absPath)
				k := norm.NFC.String(filepath.ToSlash(relTo))
				if row, ok := cd.rows[k]; ok {
					cd.used[k] = true
					if row.Err != nil {
						j.metaErr = row.Err
					} else {
						m := row.Meta
						j.meta = &m
					}
					break
				}
			}
			if dir == parent || dir == filepath.Dir(dir) {
				break
			}
		}
		p.jobs = append(p.jobs, j)
		p.bytes += j.size
	}

	if !fi.IsDir() {
		if err := loadCSV(filepath.Dir(abs), filepath.Dir(src)); err != nil {
			return err
		}
		addFile(abs, src, fi)
		return nil
	}
	err = filepath.WalkDir(abs, func(pth string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(abs, pth)
		display := filepath.Join(src, rel)
		if err != nil {
			if pth == abs {
				return fmt.Errorf("archive: source %s: %w", src, err)
			}
			p.problems = append(p.problems, FileResult{Path: display, Status: StatusFailed, Error: fmt.Sprintf("cannot read: %v", err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if pth != abs && skipName(name, true) {
				return fs.SkipDir
			}
			return loadCSV(pth, display)
		}
		if skipName(name, false) || isSidecar(name) || name == MetadataFileName {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			p.problems = append(p.problems, FileResult{Path: display, Status: StatusFailed, Error: fmt.Sprintf("cannot stat: %v", err)})
			return nil
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			if !opts.followSymlinks {
				return nil
			}
			target, err := os.Stat(pth)
			if err != nil || !target.Mode().IsRegular() {
				return nil
			}
			info = target
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		addFile(pth, display, info)
		return nil
	})
	if err != nil {
		return err
	}
	// Rows that name no file are the curator's to fix.
	type unusedRow struct {
		csv string
		row *csvRow
	}
	var unused []unusedRow
	for _, cd := range csvs {
		for k, row := range cd.rows {
			if !cd.used[k] {
				unused = append(unused, unusedRow{cd.display, row})
			}
		}
	}
	slices.SortFunc(unused, func(a, b unusedRow) int {
		return cmp.Or(cmp.Compare(a.csv, b.csv), cmp.Compare(a.row.Row, b.row.Row))
	})
	for _, u := range unused {
		p.problems = append(p.problems, FileResult{Path: u.csv, Status: StatusFailed,
			Error: fmt.Sprintf("row %d: no file %q beside %s", u.row.Row, u.row.File, path.Base(u.csv))})
	}
	return nil
}
