package report

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// ServedCounter counts served assets in memory and writes them to the store
// in one transaction every interval, so counting a request costs a map
// update. It is safe for concurrent use. Close flushes what is left.
type ServedCounter struct {
	store *archive.Store
	loc   *time.Location
	log   *slog.Logger

	mu      sync.Mutex
	pending map[archive.ServedCount]uint64 // Count field zero; the value is the count
	closed  bool

	stop chan struct{}
	done chan struct{}
}

// NewServedCounter starts a counter of the archive's store that flushes
// every interval (0 means 5 seconds). Days are taken in the archive's time
// zone; log receives flush failures.
func NewServedCounter(a *archive.Archive, interval time.Duration, log *slog.Logger) *ServedCounter {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	c := &ServedCounter{store: a.Store(), loc: a.Location(), log: log, pending: map[archive.ServedCount]uint64{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop(interval)
	return c
}

func (c *ServedCounter) loop(interval time.Duration) {
	defer close(c.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := c.Flush(context.Background()); err != nil {
				c.log.Warn("served counts not stored; kept for the next flush", "err", err)
			}
		case <-c.stop:
			return
		}
	}
}

// CountServed adds one to the count of id served to role on day. It does
// not touch the store.
func (c *ServedCounter) CountServed(day time.Time, id, role, what string) error {
	sc, err := archive.NewServedCount(day.In(c.loc), id, role, what)
	if err != nil {
		return err
	}
	sc.Count = 0 // the key; the count is the map's value
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("%w: counter closed", archive.ErrServed)
	}
	c.pending[sc]++
	return nil
}

// Flush writes the pending counts. On failure they stay pending.
func (c *ServedCounter) Flush(ctx context.Context) error {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return nil
	}
	batch := c.pending
	c.pending = map[archive.ServedCount]uint64{}
	c.mu.Unlock()
	counts := make([]archive.ServedCount, 0, len(batch))
	for k, n := range batch {
		k.Count = n
		counts = append(counts, k)
	}
	err := c.store.AddServed(ctx, counts)
	if err != nil {
		c.mu.Lock()
		for k, n := range batch {
			c.pending[k] += n
		}
		c.mu.Unlock()
	}
	return err
}

// Close stops the periodic flush and writes what is pending. Close it before
// the archive.
func (c *ServedCounter) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	close(c.stop)
	<-c.done
	return c.Flush(context.Background())
}
