package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/haiduong/promo-archive/archive/media"
)

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

// Indexer receives records after they are committed to the store. seq is
// the change sequence number of the last of them.
type Indexer interface {
	Index(ctx context.Context, recs []*Record, seq uint64) error
}

// Progress is reported after each file's status is final.
type Progress struct {
	FilesDone, FilesTotal int
	BytesDone, BytesTotal int64
	Started               time.Time
}

// IngestOptions steer one ingest run.
type IngestOptions struct {
	Workers        int // 0 means GOMAXPROCS
	Defaults       Defaults
	FollowSymlinks bool
	Renderer       Renderer // nil: no renditions
	Prober         Prober   // nil: Matroska, AVI and MPEG-TS videos are rejected
	Indexer        Indexer  // nil: no index updates
	// OnResult is called once per file, from one goroutine, once its status
	// is final (for added files: after the commit).
	OnResult func(FileResult)
	// OnProgress is called from the same goroutine after each result.
	OnProgress func(Progress)
	// BatchSize bounds the records in one bbolt transaction; 0 means 64.
	BatchSize int
	// BatchDelay bounds how long a record waits for its batch; 0 means 250 ms.
	BatchDelay time.Duration
	// By names who runs the ingest (an OS user, an API key's name). When
	// set, every added record gets an audit entry, and state-secret
	// rejections are audited unless Rejections says otherwise.
	By string
	// Rejections, if not nil, receives every file the state-secret gate
	// rejects (the audit trail).
	Rejections RejectionLog
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

// outcome is a worker's result for one job, on its way to the committer.
type outcome struct {
	job    job
	result FileResult
	rec    *Record // for added files
	stages Stages
	// cancelled outcomes stopped because the run was interrupted; they are
	// not reported, and the next run takes the file again.
	cancelled bool
}

// Ingest walks the sources, stores new originals, extracts their metadata,
// renders their renditions and commits their records. Per-file problems are
// reported through OnResult and the run goes on; the returned error is for
// what stops the run (a missing or empty source, a bad metadata.csv header,
// the store failing, ctx cancelled). When ctx is cancelled, what was
// committed stays committed and a later run resumes from there.
func (a *Archive) Ingest(ctx context.Context, sources []string, opts IngestOptions) (*Summary, error) {
	start := time.Now()
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 64
	}
	if opts.BatchDelay <= 0 {
		opts.BatchDelay = 250 * time.Millisecond
	}
	if opts.Defaults.Status == "" {
		opts.Defaults.Status = Draft
	}
	if opts.Defaults.Visibility == "" {
		opts.Defaults.Visibility = Public
	}
	if opts.OnResult == nil {
		opts.OnResult = func(FileResult) {}
	}
	if opts.Rejections == nil && opts.By != "" {
		opts.Rejections = a.store.AuditRejections(opts.By)
	}
	if opts.OnProgress == nil {
		opts.OnProgress = func(Progress) {}
	}
	tax := a.tax
	p, err := walkSources(sources, walkOptions{followSymlinks: opts.FollowSymlinks, tax: tax, loc: a.loc})
	if err != nil {
		return nil, err
	}
	a.log.Info("ingest planned", "files", len(p.jobs), "bytes", p.bytes)

	sum := &Summary{}
	prog := Progress{FilesTotal: len(p.jobs) + len(p.problems), BytesTotal: p.bytes, Started: start}
	report := func(r FileResult) {
		sum.count(r.Status)
		if r.Status == StatusAdded {
			sum.BytesAdded += r.Size
		}
		prog.FilesDone++
		prog.BytesDone += r.Size
		opts.OnResult(r)
		opts.OnProgress(prog)
	}
	for _, r := range p.problems {
		report(r)
	}

	jobs := make(chan job)
	outs := make(chan outcome, opts.Workers)
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				outs <- a.process(ctx, j, tax, opts)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, j := range p.jobs {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(outs) }()

	cerr := a.commitLoop(ctx, outs, opts, sum, report)
	sum.Elapsed = time.Since(start)
	if cerr != nil {
		return sum, cerr
	}
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("archive: ingest interrupted after %d of %d files (run it again to resume): %w",
			prog.FilesDone, prog.FilesTotal, err)
	}
	return sum, nil
}

// commitLoop batches added records into bbolt transactions, then the index,
// and reports every outcome once it is final. After a store failure it keeps
// draining outs (reporting nothing) so the workers can finish.
func (a *Archive) commitLoop(ctx context.Context, outs <-chan outcome, opts IngestOptions, sum *Summary, report func(FileResult)) error {
	var batch []outcome
	var failure error
	timer := time.NewTimer(opts.BatchDelay)
	timer.Stop()
	flush := func() {
		if len(batch) == 0 || failure != nil {
			batch = batch[:0]
			return
		}
		t0 := time.Now()
		if err := a.commitBatch(batch, opts.By); err != nil {
			failure = err
			batch = batch[:0]
			return
		}
		var recs []*Record
		for _, o := range batch {
			if o.result.Status == StatusAdded {
				recs = append(recs, o.rec)
			}
		}
		if opts.Indexer != nil && len(recs) > 0 {
			seq, err := a.store.LastSeq()
			if err == nil {
				err = opts.Indexer.Index(context.WithoutCancel(ctx), recs, seq)
			}
			if err != nil {
				// The store is the truth; the index catches up when it next opens.
				a.log.Warn("index update failed; the index will catch up from the store", "err", err)
			}
		}
		sum.Stages.Commit += time.Since(t0)
		for _, o := range batch {
			report(o.result)
		}
		batch = batch[:0]
	}
	for {
		select {
		case o, ok := <-outs:
			if !ok {
				flush()
				return failure
			}
			addStages(&sum.Stages, o.stages)
			if o.cancelled {
				continue
			}
			if o.rec == nil {
				if failure == nil {
					report(o.result)
				}
				continue
			}
			if len(batch) == 0 {
				timer.Reset(opts.BatchDelay)
			}
			batch = append(batch, o)
			if len(batch) >= opts.BatchSize {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

func addStages(dst *Stages, s Stages) {
	dst.Hash += s.Hash
	dst.Metadata += s.Metadata
	dst.Decode += s.Decode
	dst.Resize += s.Resize
	dst.Encode += s.Encode
}

// commitBatch writes a batch in one transaction. An outcome whose id is
// already in the store (or earlier in the batch) becomes a duplicate.
func (a *Archive) commitBatch(batch []outcome, by string) error {
	err := a.store.db.Update(func(tx *bolt.Tx) error {
		recs := tx.Bucket([]byte(bucketRecords))
		for i := range batch {
			o := &batch[i]
			if o.result.Status == StatusAdded && recs.Get([]byte(o.rec.ID)) != nil {
				o.result.Status = StatusDuplicate
			}
			if o.result.Status == StatusAdded {
				if _, err := putRecord(tx, o.rec); err != nil {
					return err
				}
				if by != "" {
					e, err := newAuditEntry(o.rec.IngestedAt, Actor{Who: by, Via: ViaIngest}, o.rec.ID,
						fieldChange{field: "ingest", new: map[string]string{"status": string(StatusAdded), "path": o.rec.SourcePath}})
					if err == nil {
						err = putAudit(tx, &e)
					}
					if err != nil {
						return err
					}
				}
			}
			pe := pathEntry{ID: o.rec.ID, Size: o.job.size, MtimeNs: o.job.mtime.UnixNano()}
			if err := putPath(tx, o.job.key, pe); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("archive: commit %d records: %w", len(batch), err)
	}
	for i := range batch {
		if batch[i].result.Status == StatusAdded {
			a.log.Debug("added", "id", batch[i].rec.ID, "path", batch[i].job.path)
		}
	}
	return nil
}

// process takes one file from source to a record ready to commit. It never
// returns an error: per-file problems become the outcome's status.
func (a *Archive) process(ctx context.Context, j job, tax *Taxonomy, opts IngestOptions) (out outcome) {
	out = outcome{job: j, result: FileResult{Path: j.path, Size: j.size}}
	fail := func(st FileStatus, err error) outcome {
		out.result.Status, out.result.Error, out.rec = st, err.Error(), nil
		out.cancelled = ctx.Err() != nil
		return out
	}
	defer func() {
		// A bug or a hostile file must cost one file, never the run.
		if p := recover(); p != nil {
			out = fail(StatusFailed, fmt.Errorf("internal error: %v", p))
		}
	}()
	if err := ctx.Err(); err != nil {
		return fail(StatusFailed, err)
	}
	if j.metaErr != nil {
		return fail(StatusFailed, j.metaErr)
	}
	// The curator's classification stops a state secret before it is read.
	if err := checkCuratorSecret(j.meta); err != nil {
		a.rejectSecret(ctx, opts, j.path, "", err)
		return fail(StatusRejected, err)
	}
	pe, ok, err := a.store.lookupPath(j.key)
	if err != nil {
		return fail(StatusFailed, err)
	}
	if ok && pe.Size == j.size && pe.MtimeNs == j.mtime.UnixNano() {
		out.result.Status, out.result.ID = StatusUnchanged, pe.ID
		return out
	}

	t0 := time.Now()
	src, err := os.Open(j.path)
	if err != nil {
		return fail(StatusFailed, fmt.Errorf("open: %w", err))
	}
	defer src.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(src, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fail(StatusFailed, fmt.Errorf("read: %w", err))
	}
	if n == 0 {
		return fail(StatusRejected, errors.New("empty file"))
	}
	if _, _, err := media.Sniff(head[:n]); err != nil {
		return fail(StatusRejected, err)
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return fail(StatusFailed, fmt.Errorf("read: %w", err))
	}
	tmp, err := a.originals.create()
	if err != nil {
		return fail(StatusFailed, err)
	}
	installed := false
	defer func() {
		if !installed {
			tmp.discard()
		}
	}()
	if _, err := io.Copy(tmp, ctxReader{ctx, src}); err != nil {
		return fail(StatusFailed, fmt.Errorf("copy: %w", err))
	}
	id := tmp.sum()
	out.result.ID = id
	out.stages.Hash = time.Since(t0)
	if has, err := a.store.Has(id); err != nil {
		return fail(StatusFailed, err)
	} else if has {
		out.result.Status = StatusDuplicate
		out.rec = &Record{ID: id}
		return out
	}

	t1 := time.Now()
	var sidecar []byte
	if j.sidecar != "" {
		if sidecar, err = readBounded(j.sidecar, 16<<20); err != nil {
			return fail(StatusFailed, fmt.Errorf("sidecar %s: %w", j.sidecar, err))
		}
	}
	info, err := media.Extract(tmp.f, tmp.size, media.Options{Location: a.loc, Sidecar: sidecar})
	if err == nil && info.NeedsProbe {
		err = probe(ctx, opts.Prober, tmp.f.Name(), info, a.loc)
	}
	out.stages.Metadata = time.Since(t1)
	if err != nil {
		if errors.Is(err, media.ErrUnsupported) || errors.Is(err, ErrToolMissing) {
			return fail(StatusRejected, err)
		}
		return fail(StatusFailed, err)
	}
	// Before anything is rendered or installed: the deferred discard removes
	// the temp copy, so nothing of a state secret stays under ROOT.
	if err := checkEmbeddedSecret(info); err != nil {
		a.rejectSecret(ctx, opts, j.path, id, err)
		return fail(StatusRejected, err)
	}
	rec := buildRecord(recordInput{
		id: id, size: tmp.size, originalName: j.name, sourcePath: j.sourcePath, mtime: j.mtime,
		info: info, curator: j.meta, defaults: opts.Defaults, now: a.now(), loc: a.loc, tax: tax,
	})
	if opts.Renderer != nil {
		if err := a.render(ctx, opts.Renderer, tmp.f.Name(), rec, &out.stages); err != nil {
			return fail(StatusFailed, err)
		}
	}
	final, _ := a.OriginalPath(id)
	if err := tmp.install(final); err != nil {
		return fail(StatusFailed, err)
	}
	installed = true
	out.result.Status, out.result.Warnings, out.rec = StatusAdded, rec.Warnings, rec
	return out
}

// render makes the renditions of rec from the file at path and stores them.
func (a *Archive) render(ctx context.Context, r Renderer, path string, rec *Record, st *Stages) error {
	res, err := r.Render(ctx, renderInput(path, rec))
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	st.Decode, st.Resize, st.Encode = res.Stages.Decode, res.Stages.Resize, res.Stages.Encode
	rec.Warnings = append(rec.Warnings, res.Warnings...)
	if res.HasPHash {
		rec.PHash = fmt.Sprintf("%016x", res.PHash)
	}
	rec.Renditions = rec.Renditions[:0]
	for _, img := range res.Images {
		p, err := a.RenditionPath(rec.ID, img.Rendition)
		if err != nil {
			return err
		}
		if err := a.renditions.writeFileAtomic(p, img.Data); err != nil {
			return err
		}
		rec.Renditions = append(rec.Renditions, img.Rendition)
	}
	return nil
}

func renderInput(path string, rec *Record) RenderInput {
	in := RenderInput{Path: path, MIME: rec.MIME, Kind: rec.Kind, Width: rec.Width, Height: rec.Height,
		Orientation: rec.Orientation, Rotation: rec.Rotation}
	if rec.DurationS != nil {
		in.DurationS = *rec.DurationS
	}
	return in
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

// readBounded reads a whole small file, refusing one larger than limit.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}
