package indexer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/util"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
	"golang.org/x/sync/errgroup"

	"github.com/haiduong/promo-archive/archive"
)

// build writes a complete index of src at path and returns the change
// sequence it reflects.
//
// Every core maps and analyzes records and writes them as segments, each
// its own; the segments are then merged, in the source's order, into the
// index's one segment: no live index, no background merges racing the
// writes, and no single writer the cores wait for.
func (ix *Index) build(ctx context.Context, path string, progress func(done, total int)) (uint64, error) {
	total := 0
	if c, ok := ix.src.(interface{ Count() (int, error) }); ok {
		if n, err := c.Count(); err == nil {
			total = n
		}
	}
	// The sequence is read before the records: a change committed during
	// the scan is either in it or re-applied by the catch-up that follows.
	seq, err := ix.src.LastSeq()
	if err != nil {
		return 0, fmt.Errorf("indexer: rebuild: %w", err)
	}
	// The segments are written beside path (not in os.TempDir, which may be
	// another file system); Rebuild removes the directory holding both, and
	// removeLeftovers does after a kill.
	dir, err := os.MkdirTemp(filepath.Dir(path), "segments-*")
	if err != nil {
		return 0, fmt.Errorf("indexer: rebuild: %w", err)
	}
	defer os.RemoveAll(dir)
	m := newMapping()
	var zp zap.ZapPlugin
	start := time.Now()
	segs, n, err := ix.writeSegments(ctx, &zp, m, dir, func(n int) { progress(n, total) })
	switch {
	case err != nil:
	case n == 0:
		err = emptyIndex(path)
	default:
		// One pass over every record, on one core: half a minute at 10^6.
		ix.log.Info("search index: merging segments", "records", n, "segments", len(segs), "elapsed", time.Since(start))
		err = mergeIndex(ctx, &zp, m, path, segs)
	}
	if err == nil {
		err = ix.stamp(path, seq)
	}
	if err != nil {
		return 0, fmt.Errorf("indexer: rebuild: %w", err)
	}
	progress(n, total)
	ix.log.Info("search index built", "records", n, "elapsed", time.Since(start))
	return seq, nil
}

// writeSegments writes every record of the source as segments of
// Options.segmentSize records in dir, one worker per core, and returns
// their files in the source's order and the number of records. done
// receives the records written so far after each segment.
//
// Every record is written three times: in its segment, in its run's merge
// (see runs) and in the final one. Zap's merge compares the next term of
// every input for each term it writes: the final merge of 10^6 records
// from 400 segments took 71 s, from 25 runs 34 s.
func (ix *Index) writeSegments(ctx context.Context, zp *zap.ZapPlugin, m *mapping.IndexMappingImpl, dir string, done func(int)) ([]string, int, error) {
	type batch struct {
		run  int
		path string
		recs []*archive.Record
	}
	work := make(chan batch)
	g, gctx := errgroup.WithContext(ctx)
	var mu sync.Mutex
	n := 0
	rs := runs{fan: ix.opts.mergeFan}
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			for b := range work {
				if err := ix.writeSegment(zp, m, b.path, b.recs); err != nil {
					return err
				}
				mu.Lock()
				n += len(b.recs)
				done(n)
				mu.Unlock()
				files, full := rs.wrote(b.run)
				if !full {
					continue
				}
				merged := filepath.Join(dir, fmt.Sprintf("run-%06d.zap", b.run))
				if err := mergeSegments(gctx, zp, files, merged); err != nil {
					return fmt.Errorf("indexer: %w", err)
				}
				rs.merged(b.run, merged)
				for _, f := range files {
					if err := os.Remove(f); err != nil {
						return fmt.Errorf("indexer: %w", err)
					}
				}
			}
			return nil
		})
	}
	k := 0
	send := func(recs []*archive.Record) error {
		b := batch{run: k / rs.fan, path: filepath.Join(dir, fmt.Sprintf("%09d.zap", k)), recs: recs}
		rs.add(b.run, b.path)
		select {
		case work <- b:
		case <-gctx.Done():
			return gctx.Err()
		}
		k++
		return nil
	}
	size := ix.opts.segmentSize
	recs := make([]*archive.Record, 0, size)
	err := ix.src.ForEach(func(r *archive.Record) error {
		if recs = append(recs, r); len(recs) < size {
			return nil
		}
		err := send(recs)
		recs = make([]*archive.Record, 0, size)
		return err
	})
	if err == nil && len(recs) > 0 {
		err = send(recs)
	}
	close(work)
	// A worker's error cancels gctx, which stops the scan with gctx's
	// error: the worker's is the one to report.
	if werr := g.Wait(); werr != nil {
		err = werr
	}
	if err != nil {
		return nil, n, err
	}
	return rs.all(), n, ctx.Err()
}

// runs are the segment files of a build, in the source's order, by run of
// fan consecutive segments. A run's segments are merged into one file as
// soon as all are written, so that the final merge reads few files.
type runs struct {
	fan     int
	mu      sync.Mutex
	files   [][]string // per run: its segments' files, or its merged file
	written []int      // per run: its segments written
}

// add places the file of the next segment, which is in run.
func (r *runs) add(run int, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if run == len(r.files) {
		r.files = append(r.files, nil)
		r.written = append(r.written, 0)
	}
	r.files[run] = append(r.files[run], path)
}

// wrote counts a segment of run written and returns the run's files,
// and whether it is full and all are written.
func (r *runs) wrote(run int) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.written[run]++
	return r.files[run], r.written[run] == r.fan
}

// merged records the file that now holds run's segments.
func (r *runs) merged(run int, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[run] = []string{path}
}

// all returns every file in order.
func (r *runs) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []string
	for _, f := range r.files {
		all = append(all, f...)
	}
	return all
}

// writeSegment maps and analyzes recs and writes them as a segment at path.
func (ix *Index) writeSegment(zp *zap.ZapPlugin, m *mapping.IndexMappingImpl, path string, recs []*archive.Record) error {
	docs, err := ix.analyzed(m, recs)
	if err != nil {
		return err
	}
	seg, _, err := zp.New(docs)
	if err != nil {
		return fmt.Errorf("indexer: build segment: %w", err)
	}
	defer seg.Close()
	unpersisted, ok := seg.(segment.UnpersistedSegment)
	if !ok {
		return fmt.Errorf("indexer: build segment: %T cannot be written", seg)
	}
	if err := unpersisted.Persist(path); err != nil {
		return fmt.Errorf("indexer: write segment: %w", err)
	}
	return nil
}

// mergeIndex writes the index at path with mapping m whose one segment is
// the merge of segs, files of zp's format, in their order (or segs[0]
// itself when it is the only one).
//
// Bleve's offline builder lays out the index (its snapshot, which names
// the segment's file, and the mapping) around a segment of one placeholder
// document; the merged file then takes that segment's place. The
// snapshot holds nothing of the segment but its file name.
func mergeIndex(ctx context.Context, zp *zap.ZapPlugin, m *mapping.IndexMappingImpl, path string, segs []string) error {
	merged := segs[0]
	if len(segs) > 1 {
		merged = filepath.Join(filepath.Dir(segs[0]), "merged.zap")
		if err := mergeSegments(ctx, zp, segs, merged); err != nil {
			return err
		}
	}
	mb, err := util.MarshalJSON(m)
	if err != nil {
		return fmt.Errorf("encode mapping: %w", err)
	}
	if err := emptyIndex(path); err != nil {
		return err
	}
	store := filepath.Join(path, "store")
	if err := os.RemoveAll(store); err != nil {
		return err
	}
	bld, err := scorch.NewBuilder(map[string]any{
		"path":                store,
		"internal":            map[string][]byte{string(util.MappingInternalKey): mb},
		"buildPathPrefix":     filepath.Dir(merged),
		"forceSegmentType":    zp.Type(),
		"forceSegmentVersion": int(zp.Version()),
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := bld.Index(document.NewDocument("placeholder")); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := bld.Close(); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	files, err := filepath.Glob(filepath.Join(store, "*.zap"))
	if err != nil || len(files) != 1 {
		return fmt.Errorf("create %s: the builder wrote segments %v, want one", path, files)
	}
	return os.Rename(merged, files[0])
}

// mergeSegments merges the segment files segs, in their order, into one
// at path; cancelling ctx stops it.
func mergeSegments(ctx context.Context, zp *zap.ZapPlugin, segs []string, path string) (err error) {
	open := make([]segment.Segment, 0, len(segs))
	defer func() {
		for _, s := range open {
			if cerr := s.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("close segment: %w", cerr)
			}
		}
	}()
	for _, p := range segs {
		s, err := zp.Open(p)
		if err != nil {
			return fmt.Errorf("open segment: %w", err)
		}
		open = append(open, s)
	}
	closed := make(chan struct{})
	defer context.AfterFunc(ctx, func() { close(closed) })()
	if _, _, err := zp.Merge(open, make([]*roaring.Bitmap, len(open)), path, closed, nil); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("merge segments: %w", err)
	}
	return ctx.Err()
}

// analyzed maps and analyzes recs as Bleve's writers do, _id included,
// but with each document's text fields of one name analyzed as one field
// (see fieldArena.group).
func (ix *Index) analyzed(m *mapping.IndexMappingImpl, recs []*archive.Record) ([]index.Document, error) {
	docs := make([]index.Document, len(recs))
	var a fieldArena
	for i, r := range recs {
		doc := document.NewDocument(r.ID)
		if err := m.MapDocument(doc, ix.gaz.document(r)); err != nil {
			return nil, fmt.Errorf("indexer: index %s: %w", r.ID, err)
		}
		doc.AddIDField()
		doc.Fields = a.group(doc.Fields)
		docs[i] = doc
	}
	return docs, nil
}

// fieldArena analyzes the documents of a segment. It hands out their
// token frequencies and locations from chunks, which the segment's
// documents hold and drop together, instead of one allocation per field
// and term.
type fieldArena struct {
	freqs  []index.TokenFreq
	locs   []index.TokenLocation
	ptrs   []*index.TokenLocation
	groups []textGroup

	// A document's groups: by name, and their fields.
	byName  map[string]int
	members [][]*document.TextField
	slots   []*textGroup
}

// arenaChunk is the number of elements a fieldArena allocates at a time.
const arenaChunk = 4096

// next takes the next element of *chunk, refilled when empty.
func next[T any](chunk *[]T) *T {
	if len(*chunk) == 0 {
		*chunk = make([]T, arenaChunk)
	}
	e := &(*chunk)[0]
	*chunk = (*chunk)[1:]
	return e
}

// textGroup is a document's text fields of one name (and options),
// analyzed together; it stands in the first one's place.
type textGroup struct {
	*document.TextField
	length int
	freqs  index.TokenFrequencies
}

func (g *textGroup) Analyze()                                         {}
func (g *textGroup) AnalyzedLength() int                              { return g.length }
func (g *textGroup) AnalyzedTokenFrequencies() index.TokenFrequencies { return g.freqs }

// group analyzes fields, a document's. The text fields that share a name
// and options become one textGroup, with the length and token frequencies
// zap makes of them when it writes the document: Bleve's TokenFrequency of
// each, merged by TokenFrequencies.MergeAll in the fields' order. That is
// a map per name instead of one per field (a benchmark document has 44
// fields of 27 names) and no merge. Other fields are analyzed by Bleve.
func (a *fieldArena) group(fields []document.Field) []document.Field {
	if a.byName == nil {
		a.byName = make(map[string]int)
	}
	clear(a.byName)
	a.slots = a.slots[:0]
	out := fields[:0] // a field is written at or before its own place
	for _, f := range fields {
		opts := f.Options()
		t, ok := f.(*document.TextField)
		if !ok || t.Analyzer() == nil || !opts.IsIndexed() || opts.IsStored() {
			if opts.IsIndexed() {
				f.Analyze()
			}
			out = append(out, f)
			continue
		}
		i, seen := a.byName[t.Name()]
		if seen && a.slots[i].Options() == opts {
			a.members[i] = append(a.members[i], t)
			continue
		}
		i = len(a.slots)
		if !seen { // a field of other options stays a group of its own
			a.byName[t.Name()] = i
		}
		g := next(&a.groups)
		g.TextField = t
		a.slots = append(a.slots, g)
		if i == len(a.members) {
			a.members = append(a.members, nil)
		}
		a.members[i] = append(a.members[i][:0], t)
		out = append(out, g)
	}
	for i, g := range a.slots {
		a.analyze(g, a.members[i])
	}
	return out
}

// analyze fills g, new, with the analysis of fields.
func (a *fieldArena) analyze(g *textGroup, fields []*document.TextField) {
	opts := g.Options()
	vectors, freqNorm := opts.IncludeTermVectors(), !opts.SkipFreqNorm()
	for _, f := range fields {
		tokens := f.Analyzer().Analyze(f.Value())
		g.length += len(tokens)
		if g.freqs == nil {
			g.freqs = make(index.TokenFrequencies, len(tokens))
		}
		for _, t := range tokens {
			tf := g.freqs[string(t.Term)]
			if tf == nil {
				tf = next(&a.freqs)
				tf.Term = t.Term
				g.freqs[string(t.Term)] = tf
			}
			if vectors {
				l := next(&a.locs)
				*l = index.TokenLocation{ArrayPositions: f.ArrayPositions(), Start: t.Start, End: t.End, Position: t.Position}
				if tf.Locations == nil { // room for one: most terms occur once
					if len(a.ptrs) == 0 {
						a.ptrs = make([]*index.TokenLocation, arenaChunk)
					}
					tf.Locations, a.ptrs = a.ptrs[:0:1], a.ptrs[1:]
				}
				tf.Locations = append(tf.Locations, l)
			}
			if freqNorm {
				tf.SetFrequency(tf.Frequency() + 1)
			}
		}
	}
}
