package indexer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
	zap "github.com/blevesearch/zapx/v17"

	"github.com/haiduong/promo-archive/archive"
)

// orderedSource hands out its records in their order.
type orderedSource struct{ *memSource }

func (o orderedSource) ForEach(fn func(*archive.Record) error) error {
	for _, r := range o.recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// TestBuildRuns checks that writing many small segments, merged by runs
// while the next are written, makes the same index as one segment: the
// same documents in the source's order, the same terms, postings,
// frequencies, norms and positions in every field.
func TestBuildRuns(t *testing.T) {
	var recs []*archive.Record
	for _, r := range fixture {
		recs = append(recs, r.record())
	}
	recs = append(recs, rankedRecords(200)...)
	build := func(opts Options) string {
		path := filepath.Join(t.TempDir(), "index.bleve")
		ix, err := Open(context.Background(), path, orderedSource{newMemSource(recs)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*")); len(m) != 1 {
			t.Errorf("%+v: leftovers beside the index: %v", opts, m)
		}
		return dumpSegment(t, path)
	}
	want := build(Options{segmentSize: len(recs)})
	if !strings.Contains(want, "_id "+recs[0].ID+"\n 0 ") {
		t.Fatalf("the first record is not document 0:\n%.300s", want)
	}
	for _, opts := range []Options{
		{segmentSize: 7, mergeFan: 3},  // runs, and a last run left partial
		{segmentSize: 10, mergeFan: 2}, // every run full
		{segmentSize: 1, mergeFan: 400},
	} {
		if got := build(opts); got != want {
			t.Errorf("%+v: the index differs from the one built as one segment", opts)
		}
	}
}

// dumpSegment describes the one segment of the index at path: every
// field's terms, each with its postings (document, frequency, norm and
// locations).
func dumpSegment(t *testing.T, path string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(path, "store", "*.zap"))
	if len(files) != 1 {
		t.Fatalf("segments %v, want one", files)
	}
	var zp zap.ZapPlugin
	seg, err := zp.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "documents %d\n", seg.Count())
	for _, f := range seg.Fields() {
		d, err := seg.Dictionary(f)
		if err != nil {
			t.Fatal(err)
		}
		it := d.AutomatonIterator(nil, nil, nil)
		for e, err := it.Next(); e != nil; e, err = it.Next() {
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s\n", f, e.Term)
			pl, err := d.PostingsList([]byte(e.Term), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			pi := pl.Iterator(true, true, true, nil)
			for p, err := pi.Next(); p != nil; p, err = pi.Next() {
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, " %d %d %v", p.Number(), p.Frequency(), p.Norm())
				for _, l := range p.Locations() {
					fmt.Fprintf(&b, " %s@%d:%d-%d%v", l.Field(), l.Pos(), l.Start(), l.End(), l.ArrayPositions())
				}
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// TestBuildCancelledInMerge: a build cancelled once its segments are
// written, as they are merged, returns the context's error and leaves
// nothing behind.
func TestBuildCancelledInMerge(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Open(ctx, filepath.Join(dir, "index.bleve"), orderedSource{newMemSource(rankedRecords(60))}, Options{
		segmentSize: 5, mergeFan: 4,
		OnRebuild: func(done, total int) {
			if done == total {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled build: %v", err)
	}
	if m, _ := os.ReadDir(dir); len(m) != 0 {
		t.Errorf("left %v", m)
	}
}

// TestGroupedFieldsMatchBleve checks the build's analysis (fieldArena)
// against Bleve's: for every record, each field name gets the length,
// terms, frequencies and locations zap makes of Bleve's analyzed fields of
// that name when it writes the document.
func TestGroupedFieldsMatchBleve(t *testing.T) {
	var recs []*archive.Record
	for _, r := range fixture {
		recs = append(recs, r.record())
	}
	recs = append(recs, rankedRecords(300)...)
	recs = append(recs, benchRecords(300)...)
	gaz, err := newGazetteer(mustTaxonomy(t))
	if err != nil {
		t.Fatal(err)
	}
	ix := &Index{gaz: gaz}
	m := newMapping()
	docs, err := ix.analyzed(m, recs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		doc := document.NewDocument(r.ID)
		if err := m.MapDocument(doc, gaz.document(r)); err != nil {
			t.Fatal(err)
		}
		doc.AddIDField()
		doc.VisitFields(func(f index.Field) {
			if f.Options().IsIndexed() {
				f.Analyze()
			}
		})
		want, got := asZapWrites(doc), asZapWrites(docs[i])
		if got != want {
			t.Fatalf("%s:\ngot  %s\nwant %s", r.ID, got, want)
		}
	}
}

// asZapWrites describes the inverted index zap writes of doc: per field
// name, the summed length and the token frequencies of its fields merged
// in order (zap's invertedIndexOpaque.process).
func asZapWrites(doc index.Document) string {
	lens := map[string]int{}
	tfs := map[string]index.TokenFrequencies{}
	var names []string
	doc.VisitFields(func(f index.Field) {
		name := f.Name()
		lens[name] += f.AnalyzedLength()
		if e, ok := tfs[name]; ok {
			e.MergeAll(name, f.AnalyzedTokenFrequencies())
			return
		}
		names = append(names, name)
		tfs[name] = index.TokenFrequencies{}
		tfs[name].MergeAll(name, f.AnalyzedTokenFrequencies())
	})
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "\n%s %d:", name, lens[name])
		terms := slices.Sorted(maps.Keys(tfs[name]))
		for _, term := range terms {
			tf := tfs[name][term]
			fmt.Fprintf(&b, " %q×%d", tf.Term, tf.Frequency())
			for _, l := range tf.Locations {
				fmt.Fprintf(&b, "@%d:%d-%d%v", l.Position, l.Start, l.End, l.ArrayPositions)
			}
		}
	}
	return b.String()
}
