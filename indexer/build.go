package indexer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/util"
	index "github.com/blevesearch/bleve_index_api"
	"golang.org/x/sync/errgroup"

	"github.com/haiduong/promo-archive/archive"
)

// Batches of the offline build: records a worker maps and analyzes at a
// time, and documents per segment. The segments are merged into one in a
// single pass when the build closes: every document is written twice,
// once in its segment and once in the index.
const (
	buildChunk    = 256
	buildBatch    = 5000
	buildMergeMax = 1 << 20
)

// build writes a complete index of src at path and returns the change
// sequence it reflects.
//
// Records are mapped and analyzed on every core; Bleve's offline builder
// turns them, in the source's order, into segments and merges those into
// one when closed: no live index, no background merges racing the writes.
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
	m := newMapping()
	bld, err := newBuilder(path, m)
	if err != nil {
		return 0, fmt.Errorf("indexer: rebuild: %w", err)
	}
	start := time.Now()
	n, err := ix.feed(ctx, bld, m, func(n int) { progress(n, total) })
	switch {
	case err != nil:
		// The builder holds nothing open; what it wrote beside path goes
		// with it (Rebuild, removeLeftovers).
	case n == 0:
		// The builder cannot close without a segment.
		err = emptyIndex(path)
	default:
		if err = bld.Close(); err != nil {
			err = fmt.Errorf("indexer: merge new index: %w", err)
		}
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

// newBuilder starts an offline build of an index with mapping m at path.
// The index's metadata is the one Bleve writes for a new scorch index; its
// store is left to the builder, which records m in it.
//
// Its segments are written beside path (not in os.TempDir, which may be
// another file system), where removeLeftovers finds them after a kill.
func newBuilder(path string, m *mapping.IndexMappingImpl) (*scorch.Builder, error) {
	mb, err := util.MarshalJSON(m)
	if err != nil {
		return nil, fmt.Errorf("encode mapping: %w", err)
	}
	if err := emptyIndex(path); err != nil {
		return nil, err
	}
	store := filepath.Join(path, "store")
	if err := os.RemoveAll(store); err != nil {
		return nil, err
	}
	bld, err := scorch.NewBuilder(map[string]any{
		"path":            store,
		"internal":        map[string][]byte{string(util.MappingInternalKey): mb},
		"batchSize":       buildBatch,
		"mergeMax":        buildMergeMax,
		"buildPathPrefix": filepath.Dir(path),
	})
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return bld, nil
}

// feed hands every record of the source to bld, in the source's order, and
// returns how many. Workers, one per core, map and analyze chunks of
// records while the builder writes segments; done receives the count every
// Options.BatchSize records.
func (ix *Index) feed(ctx context.Context, bld *scorch.Builder, m *mapping.IndexMappingImpl, done func(int)) (int, error) {
	type chunk struct {
		recs []*archive.Record
		docs chan []index.Document // the analyzed recs, sent once
	}
	workers := runtime.GOMAXPROCS(0)
	work := make(chan chunk)
	order := make(chan chunk, 2*workers)
	g, gctx := errgroup.WithContext(ctx)
	for range workers {
		g.Go(func() error {
			for c := range work {
				docs, err := ix.analyzed(m, c.recs)
				if err != nil {
					return err
				}
				c.docs <- docs
			}
			return nil
		})
	}
	n := 0
	g.Go(func() error {
		for c := range order {
			var docs []index.Document
			select {
			case docs = <-c.docs:
			case <-gctx.Done():
				return gctx.Err()
			}
			for _, d := range docs {
				if err := bld.Index(d); err != nil {
					return fmt.Errorf("indexer: index %s: %w", d.ID(), err)
				}
				if n++; n%ix.opts.BatchSize == 0 {
					done(n)
				}
			}
		}
		return nil
	})
	send := func(recs []*archive.Record) error {
		c := chunk{recs: recs, docs: make(chan []index.Document, 1)}
		for _, ch := range []chan chunk{order, work} {
			select {
			case ch <- c:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	}
	recs := make([]*archive.Record, 0, buildChunk)
	err := ix.src.ForEach(func(r *archive.Record) error {
		if recs = append(recs, r); len(recs) < buildChunk {
			return nil
		}
		err := send(recs)
		recs = make([]*archive.Record, 0, buildChunk)
		return err
	})
	if err == nil && len(recs) > 0 {
		err = send(recs)
	}
	close(work)
	close(order)
	// A worker's or the builder's error cancels gctx, which stops the
	// scan with gctx's error: theirs is the one to report.
	if werr := g.Wait(); werr != nil {
		err = werr
	}
	if err != nil {
		return n, err
	}
	return n, ctx.Err()
}

// analyzed maps and analyzes recs as the builder would.
func (ix *Index) analyzed(m *mapping.IndexMappingImpl, recs []*archive.Record) ([]index.Document, error) {
	docs := make([]index.Document, len(recs))
	for i, r := range recs {
		doc := document.NewDocument(r.ID)
		if err := m.MapDocument(doc, ix.gaz.document(r)); err != nil {
			return nil, fmt.Errorf("indexer: index %s: %w", r.ID, err)
		}
		doc.AddIDField()
		d := &analyzedDoc{Document: doc}
		doc.VisitFields(func(f index.Field) {
			if f.Options().IsIndexed() {
				f.Analyze()
			}
			d.fields = append(d.fields, analyzedField{f})
		})
		docs[i] = d
	}
	return docs, nil
}

// analyzedDoc is a document whose fields, _id included, a build worker has
// analyzed: the builder's own pass finds nothing left to analyze and only
// composes.
type analyzedDoc struct {
	*document.Document
	fields []index.Field
}

func (d *analyzedDoc) VisitFields(visit index.FieldVisitor) {
	for _, f := range d.fields {
		visit(f)
	}
}

func (d *analyzedDoc) AddIDField() {}

// analyzedField is an analyzed field; analyzing it again does nothing.
type analyzedField struct{ index.Field }

func (analyzedField) Analyze() {}
