package indexer

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
)

func mustSearch(t *testing.T, ix *Index, text string) []string {
	t.Helper()
	res, err := ix.Search(context.Background(), Query{Text: text, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ids(res)
}

// TestCrashBetweenCommitAndIndex simulates a process killed after the store
// commit and before the index write: the records are in bbolt only. After
// reopening, the index has caught up and they are searchable.
func TestCrashBetweenCommitAndIndex(t *testing.T) {
	a, path := newStore(t, fixture[:3])
	ix := openIndex(t, path, a.Store())
	if got := mustSearch(t, ix, "Huế"); len(got) != 0 {
		t.Fatalf("before: %v", got)
	}
	// Ingest commits, then "dies" before Index is called.
	putAll(t, a.Store(), fixture[3:6])
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = openIndex(t, path, a.Store())
	if got := mustSearch(t, ix, "Huế"); len(got) != 3 {
		t.Fatalf("after reopen: %v, want hue1..3", got)
	}
	last, _ := a.Store().LastSeq()
	if ix.Applied() != last {
		t.Errorf("applied %d, store %d", ix.Applied(), last)
	}
}

// TestIndexGap: an Index call whose sequence shows a change the index never
// saw (an earlier update failed) catches up from the store instead of
// skipping it.
func TestIndexGap(t *testing.T) {
	a, path := newStore(t, nil)
	ix := openIndex(t, path, a.Store())
	putAll(t, a.Store(), fixture[3:4]) // hue1: its index update was lost
	r := fixture[6].record()
	seq, err := a.Store().Put(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Index(context.Background(), nil, 0); err != nil { // no-op
		t.Fatal(err)
	}
	if err := ix.Index(context.Background(), []*archive.Record{r}, seq); err != nil {
		t.Fatal(err)
	}
	if got := mustSearch(t, ix, "kinh thanh hue"); len(got) != 1 {
		t.Errorf("lost record not caught up: %v", got)
	}
	if got := mustSearch(t, ix, "cai rang"); len(got) != 1 {
		t.Errorf("indexed record: %v", got)
	}
	if ix.Applied() != seq {
		t.Errorf("applied %d, want %d", ix.Applied(), seq)
	}
	// The normal path: contiguous sequence.
	r2 := fixture[8].record()
	seq, _ = a.Store().Put(r2)
	if err := ix.Index(context.Background(), []*archive.Record{r2}, seq); err != nil {
		t.Fatal(err)
	}
	if got := mustSearch(t, ix, "den do"); len(got) != 1 || ix.Applied() != seq {
		t.Errorf("contiguous index: %v applied %d", got, ix.Applied())
	}
}

func TestVersionMismatchRebuilds(t *testing.T) {
	a, path := newStore(t, fixture)
	ix := openIndex(t, path, a.Store())
	ix.mu.RLock()
	err := ix.idx.SetInternal([]byte(keyVersion), []byte("v0/old"))
	ix.mu.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	// Also drop a document, as an older mapping might not have had it.
	ix.mu.RLock()
	err = ix.idx.Delete("dd")
	ix.mu.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix = openIndex(t, path, a.Store())
	v, err := ix.idx.GetInternal([]byte(keyVersion))
	if err != nil || string(v) != ix.version() {
		t.Fatalf("version %q after reopen, want %q", v, ix.version())
	}
	if got := mustSearch(t, ix, "den do"); len(got) != 1 {
		t.Errorf("rebuilt index lacks dd: %v", got)
	}
}

func TestRebuild(t *testing.T) {
	a, path := newStore(t, append(fixture, fillers(30)...))
	ix := openIndex(t, path, a.Store())
	ctx, cancel := context.WithCancel(context.Background())
	ix.opts.BatchSize = 5
	err := ix.Rebuild(ctx, func(done, total int) {
		if done >= 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled rebuild: %v", err)
	}
	if got := mustSearch(t, ix, "Huế"); len(got) != 3 {
		t.Errorf("old index after cancelled rebuild: %v", got)
	}
	if m, _ := filepath.Glob(path + ".*"); len(m) != 0 {
		t.Errorf("leftovers: %v", m)
	}

	// A store failing part-way fails the rebuild with its error, and the
	// old index keeps answering.
	errRead := errors.New("disk read error")
	src := ix.src
	ix.src = failingSource{Source: src, after: 12, err: errRead}
	if err := ix.Rebuild(context.Background(), nil); !errors.Is(err, errRead) {
		t.Fatalf("rebuild from a failing store: %v", err)
	}
	ix.src = src
	if got := mustSearch(t, ix, "Huế"); len(got) != 3 {
		t.Errorf("old index after failed rebuild: %v", got)
	}

	var last, total int
	if err := ix.Rebuild(context.Background(), func(d, tot int) { last, total = d, tot }); err != nil {
		t.Fatal(err)
	}
	if want := len(fixture) + 30; last != want || total != want {
		t.Errorf("progress %d/%d, want %d", last, total, want)
	}
	if got := mustSearch(t, ix, "Huế"); len(got) != 3 {
		t.Errorf("after rebuild: %v", got)
	}
	if m, _ := filepath.Glob(path + ".*"); len(m) != 0 {
		t.Errorf("leftovers: %v", m)
	}
}

// failingSource fails after handing out some records.
type failingSource struct {
	Source
	after int
	err   error
}

func (f failingSource) ForEach(fn func(*archive.Record) error) error {
	n := 0
	return f.Source.ForEach(func(r *archive.Record) error {
		if n++; n > f.after {
			return f.err
		}
		return fn(r)
	})
}

func TestSecondOpenFailsFast(t *testing.T) {
	a, path := newStore(t, fixture[:2])
	openIndex(t, path, a.Store())
	start := time.Now()
	_, err := Open(context.Background(), path, a.Store(), Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second open took %v", d)
	}
}

// TestConcurrentEdits: eight writers alternate one record's visibility,
// each telling the index after its edit as the API does (the store's last
// sequence, in whatever order the goroutines get there). After every round
// and after a reopen, the index agrees with the store: in the visibility
// filter, in an anonymous search's total and in its facet counts.
func TestConcurrentEdits(t *testing.T) {
	r := fixture[0].record()
	r.ID = strings.Repeat("ab", 32)
	a, path := newStore(t, nil)
	if _, err := a.Store().Put(r); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t, path, a.Store())
	ctx := context.Background()
	check := func(round int) {
		t.Helper()
		rec, err := a.Store().Get(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		public := uint64(0)
		if rec.Visibility == archive.Public {
			public = 1
		}
		res, err := ix.Search(ctx, Query{Visibility: []string{"public"}, Status: []string{"published"},
			ReleasedAt: time.Now(), Facets: []string{"kind"}})
		if err != nil {
			t.Fatal(err)
		}
		counted := 0
		for _, c := range res.Facets["kind"] {
			counted += c.Count
		}
		if res.Total != public || uint64(counted) != public {
			t.Fatalf("round %d: store says %s (seq %d), index counts %d public, facets %d (applied %d)",
				round, rec.Visibility, mustLastSeq(t, a.Store()), res.Total, counted, ix.Applied())
		}
		if ix.Applied() != mustLastSeq(t, a.Store()) {
			t.Fatalf("round %d: applied %d, store %d", round, ix.Applied(), mustLastSeq(t, a.Store()))
		}
	}
	rounds := 60
	if testing.Short() {
		rounds = 10
	}
	for round := range rounds {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				v := archive.Public
				if (g+round)%2 == 1 {
					v = archive.Internal
				}
				rec, _, err := curation.New(a).Edit(ctx, r.ID, curation.Edit{Visibility: &v}, archive.Actor{Who: "test", Via: archive.ViaAPI})
				if err != nil {
					t.Error(err)
					return
				}
				time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
				seq, err := a.Store().LastSeq()
				if err == nil {
					err = ix.Index(ctx, []*archive.Record{rec}, seq)
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		check(round)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = openIndex(t, path, a.Store())
	check(rounds)
}

func mustLastSeq(t *testing.T, s Source) uint64 {
	t.Helper()
	seq, err := s.LastSeq()
	if err != nil {
		t.Fatal(err)
	}
	return seq
}
