package ingest

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"golang.org/x/text/unicode/norm"
)

// job is one file the walk found.
type job struct {
	path       string // as shown to the user: the argument joined with the relative path
	key        string // absolute, cleaned, NFC: the paths index key
	sourcePath string // relative to the ingested folder's parent, slash-separated, NFC
	name       string // file name, NFC
	size       int64
	mtime      time.Time
	sidecar    string // XMP sidecar path, or ""
	meta       *curation.CuratorMeta
	metaErr    error
}

// walkOptions steer the walk.
type walkOptions struct {
	followSymlinks bool
	tax            *archive.Taxonomy
	loc            *time.Location
}

// csvDir holds the rows of one folder's metadata.csv.
type csvDir struct {
	display string // the csv's path as shown
	rows    map[string]*curation.CSVRow
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

// CheckSource refuses a source that does not exist or is neither a
// regular file nor a folder (a FIFO, a device, a socket: opening one could
// block for ever or read without end), without opening it.
func CheckSource(src string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("ingest: source %s: %w", src, err)
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is a %s", ErrNotRegular, src, modeName(fi.Mode()))
	}
	return nil
}

// modeName names the kind of a file that is neither regular nor a folder.
func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// checkSources refuses, before anything runs, a source CheckSource refuses.
func checkSources(sources []string) error {
	for _, src := range sources {
		if err := CheckSource(src); err != nil {
			return err
		}
	}
	return nil
}

// openRegular opens path for reading without blocking on a FIFO and
// refuses anything but a regular file: the file found by the walk may have
// been replaced since.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%w: %s is a %s", ErrNotRegular, path, modeName(fi.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// visitor receives what eachFile finds under one source.
type visitor struct {
	dir     func(abs, display string) error // a folder, before its files
	file    func(abs, display string, fi fs.FileInfo) error
	problem func(FileResult) error // a file or folder that cannot be read
}

// eachFile walks one source in lexical order and calls v for every folder
// and every file that ingest takes: hidden files, operating-system junk,
// sidecars and metadata.csv files are passed over, and symbolic links are
// followed only when follow is set.
func eachFile(ctx context.Context, src string, follow bool, v visitor) error {
	abs, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("ingest: %s: %w", src, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("ingest: source %s: %w", src, err)
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%w: %s is a %s", ErrNotRegular, src, modeName(fi.Mode()))
		}
		if err := v.dir(filepath.Dir(abs), filepath.Dir(src)); err != nil {
			return err
		}
		return v.file(abs, src, fi)
	}
	return filepath.WalkDir(abs, func(pth string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(abs, pth)
		display := filepath.Join(src, rel)
		if err != nil {
			if pth == abs {
				return fmt.Errorf("ingest: source %s: %w", src, err)
			}
			if perr := v.problem(FileResult{Path: display, Status: StatusFailed, Error: fmt.Sprintf("cannot read: %v", err)}); perr != nil {
				return perr
			}
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
			return v.dir(pth, display)
		}
		if skipName(name, false) || isSidecar(name) || name == curation.MetadataFileName {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return v.problem(FileResult{Path: display, Status: StatusFailed, Error: fmt.Sprintf("cannot stat: %v", err)})
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			if !follow {
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
		return v.file(pth, display, info)
	})
}

// countSources counts the files and bytes a run will take, for the
// progress bar; it runs beside the walk that feeds the workers.
func countSources(ctx context.Context, sources []string, follow bool) (files int, bytes int64, err error) {
	v := visitor{
		dir:     func(string, string) error { return nil },
		problem: func(FileResult) error { return nil },
		file: func(_, _ string, fi fs.FileInfo) error {
			files++
			bytes += fi.Size()
			return nil
		},
	}
	for _, src := range sources {
		if err := eachFile(ctx, src, follow, v); err != nil {
			return 0, 0, err
		}
	}
	return files, bytes, nil
}

// walkSources hands every file to take under each source to emit, as it
// finds them, and every problem to problem. A source that is unreadable or
// empty is an error; so is a metadata.csv whose header cannot be used. Row
// errors travel with their files.
func walkSources(ctx context.Context, sources []string, opts walkOptions, emit func(job) error, problem func(FileResult) error) error {
	for _, src := range sources {
		n, err := walkSource(ctx, src, opts, emit, problem)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w in %s", ErrNoFiles, src)
		}
	}
	return nil
}

// walkSource walks one source and returns how many files it emitted.
func walkSource(ctx context.Context, src string, opts walkOptions, emit func(job) error, problem func(FileResult) error) (int, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return 0, fmt.Errorf("ingest: %s: %w", src, err)
	}
	parent := filepath.Dir(abs)
	csvs := map[string]*csvDir{} // absolute folder → its metadata.csv
	n := 0
	v := visitor{problem: problem}
	v.dir = func(dir, display string) error {
		f := filepath.Join(dir, curation.MetadataFileName)
		if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		shown := filepath.Join(display, curation.MetadataFileName)
		rows, err := curation.LoadMetadataCSV(f, shown, opts.tax, opts.loc)
		if err != nil {
			return err
		}
		cd := &csvDir{display: shown, rows: map[string]*curation.CSVRow{}, used: map[string]bool{}}
		for i := range rows {
			r := &rows[i]
			if r.File == "" { // a row error with no file name
				if err := problem(FileResult{Path: shown, Status: StatusFailed, Error: r.Err.Error()}); err != nil {
					return err
				}
				continue
			}
			cd.rows[norm.NFC.String(r.File)] = r
		}
		csvs[dir] = cd
		return nil
	}
	v.file = func(absPath, display string, fi fs.FileInfo) error {
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
		n++
		return emit(j)
	}
	if err := eachFile(ctx, src, opts.followSymlinks, v); err != nil {
		return n, err
	}
	// Rows that name no file are the curator's to fix.
	type unusedRow struct {
		csv string
		row *curation.CSVRow
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
		err := problem(FileResult{Path: u.csv, Status: StatusFailed,
			Error: fmt.Sprintf("row %d: no file %q beside %s", u.row.Row, u.row.File, path.Base(u.csv))})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
