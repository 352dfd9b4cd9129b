package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// ErrNoFiles means an ingest source holds nothing to ingest. It is an error,
// never "everything was deleted".
var ErrNoFiles = errors.New("ingest: no files to ingest")

// ErrNotRegular means a source or file is neither a regular file nor a
// folder (a FIFO, a device, a socket); ingest never reads one.
var ErrNotRegular = errors.New("ingest: not a regular file or folder")

// FileStatus is what ingest did with one file.
type FileStatus string

// File statuses of RECORD.md.
const (
	StatusAdded     FileStatus = "added"
	StatusDuplicate FileStatus = "duplicate" // same bytes as an asset already in the archive
	StatusUnchanged FileStatus = "unchanged" // same path, size and mtime as last time; not re-read
	StatusRejected  FileStatus = "rejected"  // not something the archive takes
	StatusFailed    FileStatus = "failed"    // could not be read or processed
)

// FileResult is the final word on one input file. Its JSON is the line
// `archive ingest --json` prints.
type FileResult struct {
	Path     string     `json:"path"`
	ID       string     `json:"id,omitempty"`
	Status   FileStatus `json:"status"`
	Error    string     `json:"error,omitempty"`
	Warnings []string   `json:"warnings,omitempty"`
	Size     int64      `json:"-"`
}

// Archive is what the pipeline needs of the archive; *archive.Archive
// implements it.
type Archive interface {
	Store() *archive.Store
	Location() *time.Location
	Taxonomy() *archive.Taxonomy
	Now() time.Time
	AddOriginal(ctx context.Context, src io.Reader, use func(archive.Original) error) (string, error)
	OriginalPath(id string) (string, error)
	RenditionPath(id string, r archive.Rendition) (string, error)
	WriteRendition(id string, r archive.Rendition, data []byte) error
	CommitIngest(batch []archive.IngestItem, by string) (uint64, error)
	AuditRejection(ctx context.Context, who string, r archive.Rejection) error
}

// Renderer makes the thumb and preview renditions of an original. An error
// fails the file; reasons to skip a rendition while keeping the record go in
// RenderResult.Warnings, and a damaged original that is kept anyway (added
// with status review) is RenderResult.Damaged.
type Renderer interface {
	Render(ctx context.Context, in archive.RenderInput) (*archive.RenderResult, error)
}

// Prober reads the metadata of video containers archive/media does not
// parse (Matroska/WebM, AVI, MPEG-TS), with ffprobe. It returns an error
// wrapping archive.ErrToolMissing when ffprobe is not installed.
type Prober interface {
	Probe(ctx context.Context, path, mime string) (*media.Info, error)
}

// Indexer receives records after they are committed to the store. seq is
// the change sequence number of the last of them.
type Indexer interface {
	Index(ctx context.Context, recs []*archive.Record, seq uint64) error
}

// Lookalikes holds the perceptual hashes of the archive (archive/similar).
// Add names the assets already held within its threshold of phash,
// nearest first, and then holds id's hash; the pipeline calls it for each
// new record just before committing it and warns "looks like ID".
type Lookalikes interface {
	Add(ctx context.Context, id string, phash uint64) ([]string, error)
}

// Options are the pipeline's collaborators and sizes, fixed when it is
// built.
type Options struct {
	Renderer Renderer // nil: no renditions
	Prober   Prober   // nil: Matroska, AVI and MPEG-TS videos are rejected
	Indexer  Indexer  // nil: no index updates
	// Lookalikes: nil means no near-duplicate warnings.
	Lookalikes Lookalikes
	// Workers is the number of files processed at once; 0 means GOMAXPROCS.
	Workers int
	// BatchSize bounds the records in one bbolt transaction; 0 means 64.
	BatchSize int
	// BatchDelay bounds how long a record waits for its batch; 0 means 250 ms.
	BatchDelay time.Duration
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
}

// RunOptions are the values of one run.
type RunOptions struct {
	Defaults       Defaults
	FollowSymlinks bool
	// NoRenditions skips rendering (make them later with Rethumb).
	NoRenditions bool
	// Workers overrides Options.Workers for this run when > 0.
	Workers int
	// By names who runs the ingest (an OS user, an API key's name). When
	// set, every added record and every state-secret rejection gets an
	// audit entry.
	By string
	// OnResult is called once per file, from one goroutine, once its status
	// is final (for added files: after the commit).
	OnResult func(FileResult)
	// OnProgress is called from the same goroutine after each result.
	// FilesTotal and BytesTotal are 0 until the concurrent count of the
	// sources is done.
	OnProgress func(archive.Progress)
}

// Stages sums the time the pipeline spent in each stage over a run.
type Stages struct {
	Hash, Metadata, Decode, Resize, Encode, Commit time.Duration
}

// Summary counts what a run did.
type Summary struct {
	Added, Duplicate, Unchanged, Rejected, Failed int
	BytesAdded                                    int64
	Elapsed                                       time.Duration
	Stages                                        Stages
}

// OK reports whether every file was added, a duplicate or unchanged.
func (s *Summary) OK() bool { return s.Rejected == 0 && s.Failed == 0 }

func (s *Summary) count(st FileStatus) {
	switch st {
	case StatusAdded:
		s.Added++
	case StatusDuplicate:
		s.Duplicate++
	case StatusUnchanged:
		s.Unchanged++
	case StatusRejected:
		s.Rejected++
	default:
		s.Failed++
	}
}

// Pipeline ingests files into one archive. It is built once with its
// collaborators and runs any number of times, also at once (the store
// serialises the commits).
type Pipeline struct {
	a    Archive
	opts Options
	log  *slog.Logger
}

// New builds the pipeline of the archive a.
func New(a Archive, opts Options) *Pipeline {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 64
	}
	if opts.BatchDelay <= 0 {
		opts.BatchDelay = 250 * time.Millisecond
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{a: a, opts: opts, log: log}
}

// outcome is a worker's result for one job, on its way to the committer.
type outcome struct {
	job    job
	result FileResult
	rec    *archive.Record // for added files
	stages Stages
	// cancelled outcomes stopped because the run was interrupted; they are
	// not reported, and the next run takes the file again.
	cancelled bool
}

// run is the state of one Run.
type run struct {
	p      *Pipeline
	ro     RunOptions
	tax    *archive.Taxonomy
	loc    *time.Location
	sum    Summary
	prog   archive.Progress
	totals atomic.Pointer[archive.Progress] // from the concurrent count
	// inflight counts the files being processed, also those a stopping run
	// has abandoned (unlessCancelled).
	inflight sync.WaitGroup
}

// Run walks the sources, stores new originals, extracts their metadata,
// renders their renditions and commits their records, all at once: the
// first file is hashed while the walk goes on. Per-file problems are
// reported through OnResult and the run goes on; the returned error is for
// what stops the run (a missing or empty source, a bad metadata.csv header,
// the store failing, ctx cancelled), and it stops every stage at once. When
// ctx is cancelled, what was committed stays committed and a later run
// resumes from there.
func (p *Pipeline) Run(ctx context.Context, sources []string, ro RunOptions) (*Summary, error) {
	start := time.Now()
	if ro.Defaults.Status == "" {
		ro.Defaults.Status = archive.Draft
	}
	if ro.Defaults.Visibility == "" {
		ro.Defaults.Visibility = archive.Public
	}
	if ro.OnResult == nil {
		ro.OnResult = func(FileResult) {}
	}
	if ro.OnProgress == nil {
		ro.OnProgress = func(archive.Progress) {}
	}
	workers := p.opts.Workers
	if ro.Workers > 0 {
		workers = ro.Workers
	}
	if err := checkSources(sources); err != nil {
		return nil, err
	}
	r := &run{p: p, ro: ro, tax: p.a.Taxonomy(), loc: p.a.Location(), prog: archive.Progress{Started: start}}

	// The count only feeds the progress bar: it never stops the run.
	countCtx, stopCount := context.WithCancel(ctx)
	defer stopCount()
	go func() {
		if files, bytes, err := countSources(countCtx, sources, ro.FollowSymlinks); err == nil {
			r.totals.Store(&archive.Progress{FilesTotal: files, BytesTotal: bytes})
		}
	}()

	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan job)
	outs := make(chan outcome, workers)
	send := func(o outcome) error {
		select {
		case outs <- o:
			return nil
		case <-gctx.Done():
			return gctx.Err()
		}
	}
	var producers sync.WaitGroup
	producers.Add(1 + workers)
	g.Go(func() error {
		defer producers.Done()
		defer close(jobs)
		return walkSources(gctx, sources, walkOptions{followSymlinks: ro.FollowSymlinks, tax: r.tax, loc: r.loc},
			func(j job) error {
				select {
				case jobs <- j:
					return nil
				case <-gctx.Done():
					return gctx.Err()
				}
			},
			func(res FileResult) error { return send(outcome{result: res}) })
	})
	for range workers {
		g.Go(func() error {
			defer producers.Done()
			for j := range jobs {
				o, ok := r.processOrAbandon(gctx, j)
				if !ok || send(o) != nil {
					return nil // the run is stopping; its cause is reported once
				}
			}
			return nil
		})
	}
	go func() { producers.Wait(); close(outs) }()
	// The committer fails the group on a store error: the walk and the
	// workers stop at once instead of copying and rendering the rest.
	g.Go(func() error { return r.commitLoop(gctx, outs) })
	err := g.Wait()
	waitAtMost(&r.inflight, abandonGrace)
	r.sum.Elapsed = time.Since(start)
	p.log.Info("ingest done", "added", r.sum.Added, "failed", r.sum.Failed, "elapsed", r.sum.Elapsed)
	switch {
	case ctx.Err() != nil:
		return &r.sum, fmt.Errorf("ingest interrupted after %d files (run it again to resume): %w", r.prog.FilesDone, ctx.Err())
	case err != nil:
		return &r.sum, err
	}
	return &r.sum, nil
}

// processOrAbandon is process, given up when ctx is done (see
// unlessCancelled): the run ends without the file, which was not committed
// (AddOriginal keeps nothing of a cancelled file), and the next run takes it
// again.
func (r *run) processOrAbandon(ctx context.Context, j job) (outcome, bool) {
	return unlessCancelled(ctx, &r.inflight, func() outcome { return r.process(ctx, j) })
}

// abandonGrace is how long a stopping run still waits for the work it
// abandoned: the copies and tools that stop with ctx end well within it, so
// usually nothing outlives the run; a library stuck in a file does.
const abandonGrace = time.Second

// unlessCancelled runs f in a goroutine of its own, counted in inflight,
// and returns its result, or ok false as soon as ctx is done. Copying and
// external tools stop with ctx, but a library that never looks at it (a PDF
// parser loading its objects, an image decoder) may hold a file for
// minutes: a cancelled run stops waiting (see waitAtMost), and f finishes
// alone, its result unread.
func unlessCancelled[T any](ctx context.Context, inflight *sync.WaitGroup, f func() T) (v T, ok bool) {
	done := make(chan T, 1)
	inflight.Go(func() { done <- f() })
	select {
	case v = <-done:
		return v, true
	case <-ctx.Done():
		return v, false
	}
}

// waitAtMost waits for wg, or for d at most.
func waitAtMost(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// report makes one file's result final: it counts it and hands it on.
func (r *run) report(res FileResult) {
	r.sum.count(res.Status)
	if res.Status == StatusAdded {
		r.sum.BytesAdded += res.Size
	}
	r.prog.FilesDone++
	r.prog.BytesDone += res.Size
	if t := r.totals.Load(); t != nil {
		r.prog.FilesTotal, r.prog.BytesTotal = t.FilesTotal, t.BytesTotal
		// Problems of metadata.csv rows count as results, not files.
		r.prog.FilesTotal = max(r.prog.FilesTotal, r.prog.FilesDone)
		r.prog.BytesTotal = max(r.prog.BytesTotal, r.prog.BytesDone)
	}
	r.ro.OnResult(res)
	r.ro.OnProgress(r.prog)
}

func addStages(dst *Stages, s Stages) {
	dst.Hash += s.Hash
	dst.Metadata += s.Metadata
	dst.Decode += s.Decode
	dst.Resize += s.Resize
	dst.Encode += s.Encode
}
