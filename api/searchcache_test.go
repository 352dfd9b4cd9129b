package api

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/haiduong/promo-archive/indexer"
)

func TestSearchCache(t *testing.T) {
	calls := 0
	search := func(_ context.Context, q indexer.Query) (*indexer.Result, error) {
		calls++
		if q.Text == "broken" {
			return nil, errors.New("boom")
		}
		return &indexer.Result{Total: uint64(len(q.Text))}, nil
	}
	c := newSearchCache(2)
	ctx := context.Background()
	for i, step := range []struct {
		text      string
		seq       uint64
		wantCalls int
	}{
		{"lễ hội", 1, 1},
		{"lễ hội", 1, 1}, // cached
		{"lễ hội", 2, 2}, // the store changed
		{"chùa", 2, 3},
		{"đền", 2, 4},    // evicts "lễ hội"@2
		{"chùa", 2, 4},   // still cached
		{"lễ hội", 2, 5}, // was evicted
		{"broken", 2, 6},
		{"broken", 2, 7}, // errors are not cached
	} {
		t.Run(fmt.Sprintf("step %d %s@%d", i+1, step.text, step.seq), func(t *testing.T) {
			res, err := c.search(ctx, indexer.Query{Text: step.text}, step.seq, search)
			if step.text != "broken" && (err != nil || res.Total != uint64(len(step.text))) {
				t.Fatalf("%q@%d: %+v %v", step.text, step.seq, res, err)
			}
			if calls != step.wantCalls {
				t.Fatalf("%q@%d: %d searches, want %d", step.text, step.seq, calls, step.wantCalls)
			}
		})
	}
	if h, m := c.ratio(); h != 2 || m != 7 {
		t.Errorf("hits %d misses %d", h, m)
	}
	var off *searchCache
	if _, err := off.search(ctx, indexer.Query{Text: "x"}, 1, search); err != nil || calls != 8 {
		t.Errorf("nil cache must search every time")
	}
}
