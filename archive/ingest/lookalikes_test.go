package ingest

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/haiduong/promo-archive/archive"
)

// sameHash is a Lookalikes that finds the ids added before with the same
// hash.
type sameHash struct {
	mu   sync.Mutex
	seen map[uint64][]string
}

func (s *sameHash) Add(_ context.Context, id string, h uint64) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := slices.Clone(s.seen[h])
	s.seen[h] = append(s.seen[h], id)
	return prev, nil
}

// TestLookalikeWarning: of two files with the same perceptual hash (the
// fake renderer gives every picture 0xabc), the one committed second is
// warned "looks like" the first, in its result and in its stored record.
func TestLookalikeWarning(t *testing.T) {
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 64, 48, 1)
	writeJPEG(t, filepath.Join(src, "b.jpg"), 64, 48, 2)
	look := &sameHash{seen: map[uint64][]string{}}
	rr := ingestDir(t, a, src, Options{Renderer: &fakeRenderer{}, Lookalikes: look}, RunOptions{})
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	first := look.seen[0xabc]
	if len(first) != 2 {
		t.Fatalf("Lookalikes saw %v, want both files", first)
	}
	want := "looks like " + first[0]
	for name, res := range rr.results {
		warned := slices.Contains(res.Warnings, want)
		if warned != (res.ID == first[1]) {
			t.Errorf("%s (%s): warnings %v; want %q only on the second", name, res.ID, res.Warnings, want)
		}
		rec, err := a.Store().Get(res.ID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(rec.Warnings, want) != warned {
			t.Errorf("%s: stored warnings %v differ from the result's %v", name, rec.Warnings, res.Warnings)
		}
	}
}
