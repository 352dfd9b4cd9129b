// Package similar owns near-duplicate detection: an index of the 64-bit
// perceptual hashes of photos and video posters (archive.Record.PHash) that
// finds every asset within a Hamming distance of a threshold (default 6)
// and groups the whole archive into sets of near-duplicates.
//
// The index is a multi-index hash: the 64 bits are cut into threshold+1
// blocks (at least 4), so two hashes at distance ≤ threshold agree exactly on at least
// one block (pigeonhole). Each block keeps a bucket per block value holding
// the full hashes of its members side by side; a query scans one bucket a
// block (about N/2^9 hashes each at the default) and compares whole
// hashes with one XOR and a population count, so it is exact: nothing
// within the threshold is missed and nothing beyond is returned.
//
// The index lives in memory and is derived data: the store is the truth.
// Open builds it from the store on first use (one read of every record)
// and the ingest pipeline adds each new record; nothing is written to
// archive.db, so it cannot disagree with the records. An Index is safe for
// concurrent use.
package similar

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/haiduong/promo-archive/archive"
)

// DefaultThreshold is the Hamming distance within which two hashes are
// near-duplicates unless the settings say otherwise.
const DefaultThreshold = 6

// MaxThreshold bounds the threshold: past it a block is under 4 bits and
// the index is no faster than comparing every pair.
const MaxThreshold = 15

// ErrNoHash means the asset has no perceptual hash (a publication, or a
// file whose picture could not be decoded), so it has no near-duplicates.
var ErrNoHash = errors.New("similar: the asset has no perceptual hash")

// ErrThreshold means a threshold outside 0…MaxThreshold.
var ErrThreshold = fmt.Errorf("similar: the threshold must be between 0 and %d", MaxThreshold)

// Match is an asset near another, with the Hamming distance of their hashes.
type Match struct {
	ID       string `json:"id"`
	Distance int    `json:"distance"`
}

// Loader calls add with the id and hash of every asset that has one.
type Loader func(ctx context.Context, add func(id string, phash uint64)) error

// bucket holds the members of one block value: their hashes side by side
// (the scan reads them in order) and their positions in Index.ids.
type bucket struct {
	hashes []uint64
	refs   []int32
}

// Index finds near-duplicates among the hashes it holds.
type Index struct {
	t      int
	shift  []uint // per block: the offset of its lowest bit
	mask   []uint64
	load   Loader
	mu     sync.RWMutex
	loaded bool
	ids    []string
	hashes []uint64
	pos    map[string]int32
	blocks [][]bucket // [block][block value]
	// version counts the changes of the hashes; Groups keeps its last
	// answer for the version it was computed at.
	version uint64
	gmu     sync.Mutex
	groups  [][]string
	gver    uint64
}

// New returns an empty index for threshold t.
func New(t int) (*Index, error) {
	if t < 0 || t > MaxThreshold {
		return nil, fmt.Errorf("%w (got %d)", ErrThreshold, t)
	}
	n := max(t+1, 4) // any count above t works; 4 keeps a block ≤ 16 bits
	ix := &Index{t: t, pos: map[string]int32{}, loaded: true}
	off := uint(0)
	for b := range n {
		w := uint(64 / n)
		if b < 64%n {
			w++
		}
		ix.shift = append(ix.shift, off)
		ix.mask = append(ix.mask, 1<<w-1)
		ix.blocks = append(ix.blocks, make([]bucket, 1<<w))
		off += w
	}
	return ix, nil
}

// Open returns an index for threshold t that load fills the first time it
// is used (a later use retries after a failed load).
func Open(t int, load Loader) (*Index, error) {
	ix, err := New(t)
	if err != nil {
		return nil, err
	}
	ix.load, ix.loaded = load, false
	return ix, nil
}

// FromStore loads the hashes of every record of s; a hash that is not 16
// hex digits is skipped.
func FromStore(s *archive.Store) Loader {
	return func(ctx context.Context, add func(string, uint64)) error {
		err := s.ForEach(func(r *archive.Record) error {
			if h, ok := ParseHash(r.PHash); ok {
				add(r.ID, h)
			}
			return ctx.Err()
		})
		if err != nil {
			return fmt.Errorf("similar: load hashes: %w", err)
		}
		return nil
	}
}

// ParseHash reads a record's PHash (16 hex digits).
func ParseHash(s string) (uint64, bool) {
	if len(s) != 16 {
		return 0, false
	}
	h, err := strconv.ParseUint(s, 16, 64)
	return h, err == nil
}

// Threshold returns the index's threshold.
func (ix *Index) Threshold() int { return ix.t }

// ensure loads the index under the write lock the first time.
func (ix *Index) ensure(ctx context.Context) error {
	ix.mu.RLock()
	ok := ix.loaded
	ix.mu.RUnlock()
	if ok {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.loaded {
		return nil
	}
	if err := ix.load(ctx, ix.put); err != nil {
		ix.reset()
		return err
	}
	ix.loaded = true
	return nil
}

func (ix *Index) reset() {
	ix.ids, ix.hashes, ix.pos = nil, nil, map[string]int32{}
	ix.version++
	for b := range ix.blocks {
		clear(ix.blocks[b])
	}
}

func (ix *Index) value(h uint64, b int) uint64 { return h >> ix.shift[b] & ix.mask[b] }

// Len returns the number of hashes held (after loading).
func (ix *Index) Len(ctx context.Context) (int, error) {
	if err := ix.ensure(ctx); err != nil {
		return 0, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.ids), nil
}

// Add returns the ids of the assets already held whose hashes are within
// the threshold of phash, nearest first, and then holds id with phash (in
// place of an earlier hash of id). The ingest pipeline calls it for every
// new record.
func (ix *Index) Add(ctx context.Context, id string, phash uint64) ([]string, error) {
	if err := ix.ensure(ctx); err != nil {
		return nil, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var out []string
	for _, m := range ix.near(phash, id) {
		out = append(out, m.ID)
	}
	ix.put(id, phash)
	return out, nil
}

// put holds id with h; the caller holds the write lock.
func (ix *Index) put(id string, h uint64) {
	if p, ok := ix.pos[id]; ok {
		if ix.hashes[p] == h {
			return
		}
		ix.unlink(p)
		ix.hashes[p] = h
		ix.link(p)
		ix.version++
		return
	}
	ix.version++
	p := int32(len(ix.ids))
	ix.ids, ix.hashes = append(ix.ids, id), append(ix.hashes, h)
	ix.pos[id] = p
	ix.link(p)
}

func (ix *Index) link(p int32) {
	h := ix.hashes[p]
	for b := range ix.blocks {
		bk := &ix.blocks[b][ix.value(h, b)]
		bk.hashes, bk.refs = append(bk.hashes, h), append(bk.refs, p)
	}
}

func (ix *Index) unlink(p int32) {
	h := ix.hashes[p]
	for b := range ix.blocks {
		bk := &ix.blocks[b][ix.value(h, b)]
		if i := slices.Index(bk.refs, p); i >= 0 {
			last := len(bk.refs) - 1
			bk.refs[i], bk.hashes[i] = bk.refs[last], bk.hashes[last]
			bk.refs, bk.hashes = bk.refs[:last], bk.hashes[:last]
		}
	}
}

// Near returns the assets within the threshold of phash other than except,
// nearest first (then by id).
func (ix *Index) Near(ctx context.Context, phash uint64, except string) ([]Match, error) {
	if err := ix.ensure(ctx); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.near(phash, except), nil
}

// Similar returns the near-duplicates of the asset id, nearest first; it
// returns ErrNoHash when the index holds no hash for id.
func (ix *Index) Similar(ctx context.Context, id string) ([]Match, error) {
	if err := ix.ensure(ctx); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	p, ok := ix.pos[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoHash, id)
	}
	return ix.near(ix.hashes[p], id), nil
}

// near scans the bucket of each block of h; a candidate is counted in the
// first block it shares with h only. The caller holds a lock.
func (ix *Index) near(h uint64, except string) []Match {
	var out []Match
	for b := range ix.blocks {
		bk := &ix.blocks[b][ix.value(h, b)]
		for k, c := range bk.hashes {
			d := bits.OnesCount64(c ^ h)
			if d > ix.t || ix.sharesEarlier(c, h, b) {
				continue
			}
			if id := ix.ids[bk.refs[k]]; id != except {
				out = append(out, Match{ID: id, Distance: d})
			}
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// sharesEarlier reports whether x and y agree on a block before b.
func (ix *Index) sharesEarlier(x, y uint64, b int) bool {
	for e := range b {
		if ix.value(x, e) == ix.value(y, e) {
			return true
		}
	}
	return false
}
