package similar

import (
	"context"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Groups returns the sets of near-duplicates of the whole index: the
// connected components of "within the threshold" with two members or
// more, each sorted by id, the largest first (then by first id). A chain
// a~b~c is one group even when a and c are further apart.
//
// Every pair within the threshold shares a bucket in some block, so the
// pairs of each bucket are compared; the buckets are shared among the
// CPUs, each with its own union-find, merged at the end. The answer is
// kept until a hash changes; callers must not modify it.
func (ix *Index) Groups(ctx context.Context) ([][]string, error) {
	if err := ix.ensure(ctx); err != nil {
		return nil, err
	}
	ix.gmu.Lock()
	defer ix.gmu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.groups != nil && ix.gver == ix.version {
		return ix.groups, nil
	}
	out, err := ix.group(ctx)
	if err != nil {
		return nil, err
	}
	ix.groups, ix.gver = out, ix.version
	return out, nil
}

// group computes Groups; the caller holds the read lock.
func (ix *Index) group(ctx context.Context) ([][]string, error) {
	n := len(ix.ids)
	var buckets []*bucket
	for b := range ix.blocks {
		for v := range ix.blocks[b] {
			if len(ix.blocks[b][v].refs) > 1 {
				buckets = append(buckets, &ix.blocks[b][v])
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(buckets)))
	sets := make([]unionFind, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uf := newUnionFind(n)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(buckets) {
					break
				}
				bk := buckets[i]
				for a, ha := range bk.hashes {
					for c := a + 1; c < len(bk.hashes); c++ {
						if bits.OnesCount64(ha^bk.hashes[c]) <= ix.t {
							uf.union(bk.refs[a], bk.refs[c])
						}
					}
				}
			}
			sets[w] = uf
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	all := sets[0]
	for _, uf := range sets[1:] {
		for p := range int32(n) {
			if r := uf.find(p); r != p {
				all.union(p, r)
			}
		}
	}
	byRoot := map[int32][]string{}
	for p := range int32(n) {
		if r := all.find(p); all.size[r] > 1 {
			byRoot[r] = append(byRoot[r], ix.ids[p])
		}
	}
	out := make([][]string, 0, len(byRoot))
	for _, g := range byRoot {
		slices.Sort(g)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a[0], b[0])
	})
	return out, nil
}

// unionFind is a disjoint-set forest with union by size and path halving.
type unionFind struct {
	parent, size []int32
}

func newUnionFind(n int) unionFind {
	uf := unionFind{parent: make([]int32, n), size: make([]int32, n)}
	for i := range uf.parent {
		uf.parent[i], uf.size[i] = int32(i), 1
	}
	return uf
}

func (u unionFind) find(p int32) int32 {
	for u.parent[p] != p {
		u.parent[p] = u.parent[u.parent[p]]
		p = u.parent[p]
	}
	return p
}

func (u unionFind) union(a, b int32) {
	a, b = u.find(a), u.find(b)
	if a == b {
		return
	}
	if u.size[a] < u.size[b] {
		a, b = b, a
	}
	u.parent[b] = a
	u.size[a] += u.size[b]
}
