package api

import (
	"container/list"
	"context"
	"encoding/json"
	"sync"

	"github.com/haiduong/promo-archive/indexer"
)

// searchCache keeps the results of recent searches. The portal and the
// agencies ask the same questions over and over (a home page, a category
// page), and a search costs milliseconds of CPU where a cached answer costs
// microseconds. An entry is keyed by the whole query, which after restrict
// carries the caller's visibility, statuses and release instant, and by
// the store's change sequence, so any change to the archive retires every
// entry. Results are shared read-only.
type searchCache struct {
	mu      sync.Mutex
	max     int
	order   *list.List // front: most recently used; values are *cacheEntry
	entries map[string]*list.Element
	hits    uint64
	misses  uint64
}

type cacheEntry struct {
	key string
	res *indexer.Result
}

func newSearchCache(max int) *searchCache {
	return &searchCache{max: max, order: list.New(), entries: map[string]*list.Element{}}
}

// search answers q from the cache or from search, remembering the answer.
// seq is the store's change sequence; a nil cache always searches.
func (c *searchCache) search(ctx context.Context, q indexer.Query, seq uint64, search func(context.Context, indexer.Query) (*indexer.Result, error)) (*indexer.Result, error) {
	if c == nil || c.max <= 0 {
		return search(ctx, q)
	}
	k, err := json.Marshal(struct {
		Seq uint64        `json:"seq"`
		Q   indexer.Query `json:"q"`
	}{seq, q})
	if err != nil {
		return search(ctx, q)
	}
	key := string(k)
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		c.hits++
		res := el.Value.(*cacheEntry).res
		c.mu.Unlock()
		return res, nil
	}
	c.misses++
	c.mu.Unlock()

	res, err := search(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.entries[key] = c.order.PushFront(&cacheEntry{key: key, res: res})
		for c.order.Len() > c.max {
			old := c.order.Back()
			c.order.Remove(old)
			delete(c.entries, old.Value.(*cacheEntry).key)
		}
	}
	return res, nil
}

// ratio returns the hits and misses so far.
func (c *searchCache) ratio() (hits, misses uint64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}
