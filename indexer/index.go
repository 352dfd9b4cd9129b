package indexer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"

	"github.com/haiduong/promo-archive/archive"
)

// Source is what the index needs from the record store. *archive.Store
// satisfies it. When the Source also has Count() (int, error), Rebuild
// reports a total.
type Source interface {
	LastSeq() (uint64, error)
	ChangesSince(after uint64, fn func(archive.Change) error) error
	Get(id string) (*archive.Record, error)
	ForEach(fn func(*archive.Record) error) error
}

// Sentinel errors. Match them with errors.Is.
var (
	ErrLocked = errors.New("indexer: the index is in use by another process or handle (is `archive serve` running?)")
	ErrClosed = errors.New("indexer: index is closed")
)

// Keys of the index's internal storage.
const (
	keySeq     = "indexer.seq"
	keyVersion = "indexer.version"
)

// Options configure Open.
type Options struct {
	// Taxonomy gives the gazetteer used to expand places; nil means
	// archive.DefaultTaxonomy(). Another taxonomy means a rebuild.
	Taxonomy *archive.Taxonomy
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// LockTimeout bounds the wait for the index's lock; 0 means 1 s.
	LockTimeout time.Duration
	// BatchSize is the number of documents per Bleve batch when catching
	// up; 0 means 500.
	BatchSize int
	// OnRebuild, when set, receives progress while Open rebuilds (a missing
	// index or one of another version).
	OnRebuild func(done, total int)
	// rankPart is the fewest documents a core bounds in a ranked search,
	// and a quarter of the matches above which the titled ones are bounded
	// first (ranked.go); 0 means the default. Tests make it small.
	rankPart int
	// segmentSize is the number of records a build worker writes as one
	// segment, and mergeFan the number of consecutive segments merged into
	// one while the next are written (build.go); 0 means the defaults.
	// Tests make them small.
	segmentSize, mergeFan int
	// SearchTimeout bounds each search, its wait for a slot included; 0
	// means 10 s.
	SearchTimeout time.Duration
	// MaxSearches bounds the searches running at once; 0 means four per
	// CPU. MaxClientSearches bounds them per Query.Client; 0 means 2.
	// Searches beyond either wait for a slot.
	MaxSearches, MaxClientSearches int
	// SearchMemory bounds the memory Bleve estimates one search needs;
	// 0 means 256 MiB.
	SearchMemory uint64
}

// Index is the open search index. It is safe for concurrent use.
type Index struct {
	path string
	src  Source
	gaz  *gazetteer
	log  *slog.Logger
	opts Options

	// wmu serializes writers: Index, catch-up and the swap of a rebuild.
	wmu     sync.Mutex
	applied uint64 // last change sequence in the index; guarded by wmu

	// mu guards idx: searches and writes hold it shared, swap and Close
	// exclusively.
	mu  sync.RWMutex
	idx bleve.Index

	gate *gate // bounds concurrent searches

	// facets keeps the facet and date columns of the segments in use
	// (facets.go).
	facets facetColumns
	// stats keeps the scoring columns of the segments in use (segstats.go).
	stats statsCache
}

// Open opens the index at path (ROOT/index.bleve), creating or rebuilding
// it from src when it is missing, unreadable or of another mapping version,
// then catches up with the changes src committed after the index's last
// applied sequence.
func Open(ctx context.Context, path string, src Source, opts Options) (*Index, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.segmentSize <= 0 {
		opts.segmentSize = 2500
	}
	if opts.mergeFan <= 0 {
		opts.mergeFan = 16
	}
	if opts.SearchTimeout <= 0 {
		opts.SearchTimeout = 10 * time.Second
	}
	if opts.MaxSearches <= 0 {
		opts.MaxSearches = 4 * runtime.GOMAXPROCS(0)
	}
	if opts.MaxClientSearches <= 0 {
		opts.MaxClientSearches = 2
	}
	if opts.SearchMemory == 0 {
		opts.SearchMemory = 256 << 20
	}
	if opts.Taxonomy == nil {
		t, err := archive.DefaultTaxonomy()
		if err != nil {
			return nil, err
		}
		opts.Taxonomy = t
	}
	gaz, err := newGazetteer(opts.Taxonomy)
	if err != nil {
		return nil, err
	}
	ix := &Index{path: path, src: src, gaz: gaz, log: opts.Logger, opts: opts,
		gate: newGate(opts.MaxSearches, opts.MaxClientSearches)}
	ix.removeLeftovers()

	idx, err := ix.openExisting()
	switch {
	case errors.Is(err, ErrLocked):
		return nil, err
	case err != nil:
		if errors.Is(err, errNoIndex) { // first use: nothing is wrong
			ix.log.Info("building the search index from the store", "path", path)
		} else {
			ix.log.Warn("search index unusable; rebuilding from the store", "path", path, "reason", err)
		}
		if err := ix.Rebuild(ctx, opts.OnRebuild); err != nil {
			return nil, err
		}
	default:
		ix.idx = idx
		if ix.applied, err = readSeq(idx); err != nil {
			idx.Close()
			return nil, err
		}
	}
	if err := ix.CatchUp(ctx); err != nil {
		ix.Close()
		return nil, err
	}
	if err := ix.warm(ctx); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// warm builds the scoring columns of the open index's segments
// (segstats.go) and their facet columns (facets.go), so that
// the first searches need not.
func (ix *Index) warm(ctx context.Context) error {
	return ix.withReader(func(r index.IndexReader) error {
		snap, ok := r.(*scorch.IndexSnapshot)
		if !ok {
			return nil
		}
		// The columns are independent: the cores share them.
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		g.Go(func() error {
			_, err := ix.facets.get(r)
			return err
		})
		for _, seg := range segmentsOf(snap) {
			g.Go(func() error {
				_, err := ix.stats.get(ctx, seg)
				return err
			})
		}
		return g.Wait()
	})
}

// openExisting opens the index at ix.path and checks its version.
// errNoIndex means the index has not been built yet.
var errNoIndex = errors.New("indexer: no index")

func (ix *Index) openExisting() (bleve.Index, error) {
	if _, err := os.Stat(ix.path); err != nil {
		return nil, fmt.Errorf("%w at %s", errNoIndex, ix.path)
	}
	idx, err := bleve.OpenUsing(ix.path, map[string]any{"bolt_timeout": ix.opts.LockTimeout.String()})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, ix.path)
		}
		return nil, fmt.Errorf("indexer: open %s: %w", ix.path, err)
	}
	v, err := idx.GetInternal([]byte(keyVersion))
	if err != nil || string(v) != ix.version() {
		idx.Close()
		return nil, fmt.Errorf("indexer: index version %q, this program writes %q", v, ix.version())
	}
	return idx, nil
}

// version identifies the mapping and the taxonomy baked into documents.
func (ix *Index) version() string {
	return "v" + strconv.Itoa(mappingVersion) + "/tax-" + ix.gaz.version
}

// removeLeftovers deletes the build and swap directories a killed process
// may have left beside the index. We hold no lock yet, but a concurrent
// owner would hold the index itself, and these directories are never
// opened by anyone but their creator.
func (ix *Index) removeLeftovers() {
	for _, pat := range []string{ix.path + ".tmp-*", ix.path + ".old-*"} {
		m, _ := filepath.Glob(pat)
		for _, d := range m {
			if err := os.RemoveAll(d); err != nil {
				ix.log.Warn("remove leftover index directory", "dir", d, "err", err)
			}
		}
	}
}

func readSeq(idx bleve.Index) (uint64, error) {
	v, err := idx.GetInternal([]byte(keySeq))
	if err != nil {
		return 0, fmt.Errorf("indexer: read applied sequence: %w", err)
	}
	if len(v) != 8 {
		return 0, nil
	}
	return binary.BigEndian.Uint64(v), nil
}

func seqBytes(seq uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return b[:]
}

// Applied returns the last change sequence the index has applied.
func (ix *Index) Applied() uint64 {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	return ix.applied
}

// Close releases the index. Close the index before the store it reads.
func (ix *Index) Close() error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return nil
	}
	err := ix.idx.Close()
	ix.idx = nil
	ix.facets.reset()
	if err != nil {
		return fmt.Errorf("indexer: close: %w", err)
	}
	return nil
}

// Index brings the index up to the store after recs were committed with
// seq the change sequence of the last of them; it implements
// archive.Indexer. The records are read back from the store rather than
// taken from recs: concurrent writers call Index in any order, and a
// record passed by a late caller may already be stale (two edits of one
// record: the second's Index may run first). Reading the store's changes
// after the applied sequence, in order, and each changed record as it is
// now, the index never marks a change applied before the state it
// describes is in the index, and never goes back to an older state. A seq
// the index has already passed needs nothing.
func (ix *Index) Index(ctx context.Context, recs []*archive.Record, seq uint64) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if seq <= ix.applied {
		return nil
	}
	return ix.catchUpLocked(ctx)
}

// CatchUp applies the changes the store committed after the index's
// applied sequence. Open calls it; so does Index when it sees a gap.
func (ix *Index) CatchUp(ctx context.Context) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	return ix.catchUpLocked(ctx)
}

func (ix *Index) catchUpLocked(ctx context.Context) error {
	last, err := ix.src.LastSeq()
	if err != nil {
		return fmt.Errorf("indexer: catch up: %w", err)
	}
	if last == ix.applied {
		return nil
	}
	if last < ix.applied {
		// The store is older than the index (restored from a backup?):
		// the index describes records that may not exist.
		ix.log.Warn("search index is ahead of the store; rebuilding", "index_seq", ix.applied, "store_seq", last)
		ix.wmu.Unlock()
		err := ix.Rebuild(ctx, nil)
		ix.wmu.Lock()
		return err
	}
	// Collect first: ChangesSince holds a read transaction, Get opens its own.
	var ids []string
	seen := make(map[string]bool)
	upTo := ix.applied
	err = ix.src.ChangesSince(ix.applied, func(c archive.Change) error {
		if !seen[c.ID] {
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
		upTo = max(upTo, c.Seq)
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("indexer: catch up: read changes after %d: %w", ix.applied, err)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return ErrClosed
	}
	ix.log.Info("search index catching up", "from_seq", ix.applied, "to_seq", upTo, "records", len(ids))
	w := batchWriter{idx: ix.idx, size: ix.opts.BatchSize}
	for _, id := range ids {
		rec, err := ix.src.Get(id)
		switch {
		case errors.Is(err, archive.ErrNotFound):
			w.b().Delete(id)
		case err != nil:
			return fmt.Errorf("indexer: catch up: %w", err)
		default:
			if err := w.b().Index(id, ix.gaz.document(rec)); err != nil {
				return fmt.Errorf("indexer: index %s: %w", id, err)
			}
		}
		if err := w.maybeFlush(ctx); err != nil {
			return err
		}
	}
	w.b().SetInternal([]byte(keySeq), seqBytes(upTo))
	if err := w.flush(); err != nil {
		return err
	}
	ix.applied = upTo
	return nil
}

// batchWriter accumulates operations into Bleve batches of a bounded size.
type batchWriter struct {
	idx   bleve.Index
	size  int
	batch *bleve.Batch
}

func (w *batchWriter) b() *bleve.Batch {
	if w.batch == nil {
		w.batch = w.idx.NewBatch()
	}
	return w.batch
}

func (w *batchWriter) maybeFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.batch != nil && w.batch.Size() >= w.size {
		return w.flush()
	}
	return nil
}

func (w *batchWriter) flush() error {
	if w.batch == nil {
		return nil
	}
	n := w.batch.Size()
	if err := w.idx.Batch(w.batch); err != nil {
		return fmt.Errorf("indexer: write batch of %d: %w", n, err)
	}
	w.batch = nil
	return nil
}

// Rebuild builds a new index from every record of the store beside the
// live one and swaps it in only when it is complete; until then, and if
// ctx is cancelled or the build fails, the live index keeps answering.
// progress (may be nil) receives the records done and the total (0 when
// the Source cannot count).
func (ix *Index) Rebuild(ctx context.Context, progress func(done, total int)) error {
	if progress == nil {
		progress = func(int, int) {}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(ix.path), filepath.Base(ix.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("indexer: rebuild: %w", err)
	}
	defer os.RemoveAll(tmp)
	built := filepath.Join(tmp, "index.bleve")
	seq, err := ix.build(ctx, built, progress)
	if err != nil {
		return err
	}

	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if err := ix.swap(built); err != nil {
		return err
	}
	ix.applied = seq
	// Changes committed while we built are applied now.
	return ix.catchUpLocked(ctx)
}

// emptyIndex replaces what is at path with an empty index.
func emptyIndex(path string) error {
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	idx, err := bleve.NewUsing(path, newMapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		return fmt.Errorf("indexer: create %s: %w", path, err)
	}
	return idx.Close()
}

// stamp writes the applied sequence and the version into a built index.
func (ix *Index) stamp(path string, seq uint64) error {
	idx, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": ix.opts.LockTimeout.String()})
	if err != nil {
		return fmt.Errorf("indexer: open new index: %w", err)
	}
	b := idx.NewBatch()
	b.SetInternal([]byte(keySeq), seqBytes(seq))
	b.SetInternal([]byte(keyVersion), []byte(ix.version()))
	err = idx.Batch(b)
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("indexer: stamp new index: %w", err)
	}
	return nil
}

// swap replaces the live index with the complete one at built. Called with
// wmu held.
func (ix *Index) swap(built string) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx != nil {
		if err := ix.idx.Close(); err != nil {
			return fmt.Errorf("indexer: close old index: %w", err)
		}
		ix.idx = nil
	}
	var old string
	if _, err := os.Stat(ix.path); err == nil {
		old = fmt.Sprintf("%s.old-%d", ix.path, time.Now().UnixNano())
		if err := os.Rename(ix.path, old); err != nil {
			return fmt.Errorf("indexer: swap: %w", err)
		}
	}
	if err := os.Rename(built, ix.path); err != nil {
		return fmt.Errorf("indexer: swap: %w", err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			ix.log.Warn("remove old index", "dir", old, "err", err)
		}
	}
	idx, err := bleve.OpenUsing(ix.path, map[string]any{"bolt_timeout": ix.opts.LockTimeout.String()})
	if err != nil {
		return fmt.Errorf("indexer: open rebuilt index: %w", err)
	}
	ix.idx = idx
	ix.facets.reset()
	return nil
}
