package similar

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive"
)

// hashes returns n hashes: clusters of near-duplicates (a random centre
// and copies with up to flips bits changed) and random ones.
func hashes(rng *rand.Rand, n, clustered, flips int) []uint64 {
	out := make([]uint64, 0, n)
	for len(out) < clustered {
		c := rng.Uint64()
		for k := 2 + rng.IntN(4); k > 0 && len(out) < clustered; k-- {
			h := c
			for f := rng.IntN(flips + 1); f > 0; f-- {
				h ^= 1 << rng.IntN(64)
			}
			out = append(out, h)
		}
	}
	for len(out) < n {
		out = append(out, rng.Uint64())
	}
	return out
}

func idOf(i int) string { return fmt.Sprintf("%064x", i) }

func filled(t testing.TB, thr int, hs []uint64) *Index {
	ix, err := New(thr)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		ix.put(idOf(i), h)
	}
	return ix
}

// TestExactAgainstBruteForce checks Near, Similar, Add and Groups against
// comparing every pair, at several thresholds, on random hashes and on
// clusters whose members sit around the threshold.
func TestExactAgainstBruteForce(t *testing.T) {
	for _, thr := range []int{0, 3, 6, 10, MaxThreshold} {
		t.Run(fmt.Sprintf("t=%d", thr), func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(uint64(thr), 42))
			hs := hashes(rng, 3000, 2000, thr+3)
			// A few hashes equal to another: distance 0.
			hs = append(hs, hs[0], hs[7])
			ix := filled(t, thr, hs)
			adj := make([][]int, len(hs))
			for i := range hs {
				var want []Match
				for j := range hs {
					if d := bits.OnesCount64(hs[i] ^ hs[j]); i != j && d <= thr {
						want = append(want, Match{ID: idOf(j), Distance: d})
						adj[i] = append(adj[i], j)
					}
				}
				slices.SortFunc(want, func(a, b Match) int {
					if a.Distance != b.Distance {
						return a.Distance - b.Distance
					}
					return strings.Compare(a.ID, b.ID)
				})
				got, err := ix.Similar(ctx, idOf(i))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("Similar(%d) = %v, want %v", i, got, want)
				}
			}
			// Groups: connected components of adj with two members or more.
			seen := make([]bool, len(hs))
			var want [][]string
			for i := range hs {
				if seen[i] || len(adj[i]) == 0 {
					continue
				}
				var g []string
				stack := []int{i}
				seen[i] = true
				for len(stack) > 0 {
					p := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					g = append(g, idOf(p))
					for _, q := range adj[p] {
						if !seen[q] {
							seen[q] = true
							stack = append(stack, q)
						}
					}
				}
				slices.Sort(g)
				want = append(want, g)
			}
			got, err := ix.Groups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			key := func(gs [][]string) []string {
				var out []string
				for _, g := range gs {
					out = append(out, strings.Join(g, ","))
				}
				slices.Sort(out)
				return out
			}
			if !slices.Equal(key(got), key(want)) {
				t.Fatalf("Groups: %d groups, want %d", len(got), len(want))
			}
			for i := 1; i < len(got); i++ {
				if len(got[i]) > len(got[i-1]) {
					t.Fatalf("groups not largest first: %d then %d", len(got[i-1]), len(got[i]))
				}
			}
		})
	}
}

func TestAdd(t *testing.T) {
	ctx := context.Background()
	ix, err := New(DefaultThreshold)
	if err != nil {
		t.Fatal(err)
	}
	const base = 0x0123456789abcdef
	steps := []struct {
		name string
		id   string
		h    uint64
		want []string
	}{
		{"first", "a", base, nil},
		{"far", "b", ^uint64(base), nil},
		{"near a", "c", base ^ 0b111, []string{"a"}},
		{"nearest first", "d", base ^ 0b1, []string{"a", "c"}},
		{"same id again", "d", base ^ 0b1, []string{"a", "c"}},
		{"moved", "a", ^uint64(base) ^ 0b11, []string{"b"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			got, err := ix.Add(ctx, s.id, s.h)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, s.want) {
				t.Errorf("Add(%s) = %v, want %v", s.id, got, s.want)
			}
		})
	}
	// a moved: it is no longer near c and d.
	got, err := ix.Similar(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if want := []Match{{"d", 2}}; !slices.Equal(got, want) {
		t.Errorf("Similar(c) = %v, want %v", got, want)
	}
	if _, err := ix.Similar(ctx, "zz"); !errors.Is(err, ErrNoHash) {
		t.Errorf("Similar(unknown) error = %v, want ErrNoHash", err)
	}
}

func TestNewThreshold(t *testing.T) {
	for _, thr := range []int{-1, MaxThreshold + 1} {
		if _, err := New(thr); !errors.Is(err, ErrThreshold) {
			t.Errorf("New(%d) error = %v, want ErrThreshold", thr, err)
		}
	}
}

func TestOpenFromStore(t *testing.T) {
	ctx := context.Background()
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, r := range []struct{ id, phash string }{
		{idOf(1), "00000000000000ff"},
		{idOf(2), "00000000000000fe"},
		{idOf(3), ""},           // a PDF: no hash
		{idOf(4), "not a hash"}, // skipped
		{idOf(5), "ffffffffffffff00"},
	} {
		rec := &archive.Record{ID: r.id, PHash: r.phash, Status: archive.Draft, Visibility: archive.Public}
		if _, err := a.Store().Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := Open(DefaultThreshold, FromStore(a.Store()))
	if err != nil {
		t.Fatal(err)
	}
	n, err := ix.Len(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Len = %d, %v; want 3", n, err)
	}
	groups, err := ix.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{idOf(1), idOf(2)}}; !slices.EqualFunc(groups, want, slices.Equal) {
		t.Errorf("Groups = %v, want %v", groups, want)
	}
	if _, err := ix.Similar(ctx, idOf(3)); !errors.Is(err, ErrNoHash) {
		t.Errorf("Similar(no hash) error = %v, want ErrNoHash", err)
	}
	// Groups are kept until a hash changes: a new lookalike of 5 makes a
	// second group.
	if _, err := ix.Add(ctx, idOf(6), 0xffffffffffffff01); err != nil {
		t.Fatal(err)
	}
	groups, err = ix.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{idOf(1), idOf(2)}, {idOf(5), idOf(6)}}; !slices.EqualFunc(groups, want, slices.Equal) {
		t.Errorf("Groups after Add = %v, want %v", groups, want)
	}
}

func TestLoadFailureRetries(t *testing.T) {
	ctx := context.Background()
	fail := true
	ix, err := Open(DefaultThreshold, func(_ context.Context, add func(string, uint64)) error {
		add("a", 1)
		if fail {
			return errors.New("disk on fire")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Len(ctx); err == nil {
		t.Fatal("Len after a failed load: no error")
	}
	fail = false
	if n, err := ix.Len(ctx); err != nil || n != 1 {
		t.Fatalf("Len after a retry = %d, %v; want 1", n, err)
	}
}
