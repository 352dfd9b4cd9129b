package similar

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkGroupArchive groups 10^6 generated hashes (10 % in clusters of
// two to five near-duplicates, the rest random) at the default threshold:
// the target is 60 s. It reports the time to fill the index
// (as Open does from the store, without the store's read) and to group.
func BenchmarkGroupArchive(b *testing.B) {
	const n = 1_000_000
	hs := hashes(rand.New(rand.NewPCG(1, 2)), n, n/10, DefaultThreshold)
	for b.Loop() {
		t0 := time.Now()
		ix := filled(b, DefaultThreshold, hs)
		fill := time.Since(t0)
		t1 := time.Now()
		groups, err := ix.Groups(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		group := time.Since(t1)
		b.ReportMetric(fill.Seconds(), "fill-s")
		b.ReportMetric(group.Seconds(), "group-s")
		b.ReportMetric(float64(len(groups)), "groups")
	}
}

// BenchmarkIngestCheck is the ingest-time check (Add: find the lookalikes,
// then hold the hash) of 10,000 files against an index of 10^6 hashes: the
// issue's target is 1 ms a file.
func BenchmarkIngestCheck(b *testing.B) {
	const n, files = 1_000_000, 10_000
	rng := rand.New(rand.NewPCG(3, 4))
	base := hashes(rng, n, n/10, DefaultThreshold)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		ix := filled(b, DefaultThreshold, base)
		ids := make([]string, files)
		for i := range ids {
			ids[i] = idOf(n + i)
		}
		b.StartTimer()
		for i, id := range ids {
			h := rng.Uint64()
			if i%10 == 0 {
				h = base[rng.IntN(n/10)] ^ 1<<rng.IntN(64) // a near-duplicate
			}
			if _, err := ix.Add(ctx, id, h); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*files), "µs/file")
}
