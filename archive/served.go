package archive

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What was served: the original's bytes (a download) or a rendition.
const (
	ServedOriginal  = "original"
	ServedRendition = "rendition"
)

const bucketServed = "served"

// ErrServed is wrapped by errors about a served count's arguments.
var ErrServed = errors.New("archive: served count")

// dayLayout is the day prefix of served keys; it sorts by time.
const dayLayout = "2006-01-02"

// ServedCount is how often one asset was served to one role on one day.
type ServedCount struct {
	Day   string `json:"day"` // YYYY-MM-DD in the archive's time zone
	ID    string `json:"id"`
	Role  string `json:"role"` // the caller's role: portal, agency, curator, anonymous, …
	What  string `json:"what"` // ServedOriginal | ServedRendition
	Count uint64 `json:"count"`
}

// servedKey is "YYYY-MM-DD|id|role|what".
func servedKey(c ServedCount) []byte {
	return []byte(c.Day + "|" + c.ID + "|" + c.Role + "|" + c.What)
}

func parseServedKey(k []byte) (ServedCount, bool) {
	p := strings.Split(string(k), "|")
	if len(p) != 4 {
		return ServedCount{}, false
	}
	return ServedCount{Day: p[0], ID: p[1], Role: p[2], What: p[3]}, true
}

// newServedCount validates the arguments of a count.
func newServedCount(day time.Time, id, role, what string) (ServedCount, error) {
	switch {
	case !ValidID(id):
		return ServedCount{}, fmt.Errorf("%w: %w: %q", ErrServed, ErrBadID, id)
	case role == "" || strings.ContainsAny(role, "|\x00"):
		return ServedCount{}, fmt.Errorf("%w: bad role %q", ErrServed, role)
	case what != ServedOriginal && what != ServedRendition:
		return ServedCount{}, fmt.Errorf("%w: %q is not %s or %s", ErrServed, what, ServedOriginal, ServedRendition)
	}
	return ServedCount{Day: day.Format(dayLayout), ID: id, Role: role, What: what}, nil
}

// CountServed adds one to the count of id served to role on day (in day's
// own time zone: pass a time in the archive's Location). It writes one
// transaction; a server that counts every request should use a
// ServedCounter, which batches.
func (s *Store) CountServed(ctx context.Context, day time.Time, id, role, what string) error {
	c, err := newServedCount(day, id, role, what)
	if err != nil {
		return err
	}
	c.Count = 1
	return s.addServed(ctx, []ServedCount{c})
}

// addServed adds the counts in one transaction.
func (s *Store) addServed(ctx context.Context, counts []ServedCount) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucketServed))
		if err != nil {
			return err
		}
		for _, c := range counts {
			k := servedKey(c)
			n, err := decodeCount(b.Get(k))
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if err := b.Put(k, encodeCount(n+c.Count)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("archive: store served counts: %w", err)
	}
	return nil
}

func encodeCount(n uint64) []byte {
	v := make([]byte, 9)
	v[0] = valueVersion
	binary.BigEndian.PutUint64(v[1:], n)
	return v
}

func decodeCount(v []byte) (uint64, error) {
	if v == nil {
		return 0, nil
	}
	if len(v) != 9 || v[0] != valueVersion {
		return 0, fmt.Errorf("%w: served count", ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v[1:]), nil
}

// Served calls fn with every count from day from to day to (inclusive,
// "YYYY-MM-DD"), in key order.
func (s *Store) Served(from, to string, fn func(ServedCount) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketServed))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		end := []byte(to + "|\xff")
		for k, v := c.Seek([]byte(from)); k != nil && string(k) < string(end); k, v = c.Next() {
			sc, ok := parseServedKey(k)
			if !ok {
				return fmt.Errorf("%w: served key %q", ErrCorrupt, k)
			}
			n, err := decodeCount(v)
			if err != nil {
				return err
			}
			sc.Count = n
			if err := fn(sc); err != nil {
				return err
			}
		}
		return nil
	})
}

// ServedCounter counts served assets in memory and writes them to the store
// in one transaction every interval, so counting a request costs a map
// update. It is safe for concurrent use. Close flushes what is left.
type ServedCounter struct {
	store *Store
	loc   *time.Location
	log   *slog.Logger

	mu      sync.Mutex
	pending map[ServedCount]uint64 // Count field zero; the value is the count
	closed  bool

	stop chan struct{}
	done chan struct{}
}

// NewServedCounter starts a counter that flushes every interval (0 means 5
// seconds). Days are taken in the archive's time zone.
func (a *Archive) NewServedCounter(interval time.Duration) *ServedCounter {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	c := &ServedCounter{store: a.store, loc: a.loc, log: a.log, pending: map[ServedCount]uint64{},
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

// CountServed adds one to the count of id served to role on day. It does not
// touch the store; ctx is accepted so the counter and the Store share a
// signature.
func (c *ServedCounter) CountServed(_ context.Context, day time.Time, id, role, what string) error {
	sc, err := newServedCount(day.In(c.loc), id, role, what)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("%w: counter closed", ErrServed)
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
	c.pending = map[ServedCount]uint64{}
	c.mu.Unlock()
	counts := make([]ServedCount, 0, len(batch))
	for k, n := range batch {
		k.Count = n
		counts = append(counts, k)
	}
	err := c.store.addServed(ctx, counts)
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
