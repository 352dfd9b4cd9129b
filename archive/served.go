package archive

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
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

// NewServedCount is one serving of id to role on day (taken in day's own
// time zone: pass a time in the archive's Location), checked.
func NewServedCount(day time.Time, id, role, what string) (ServedCount, error) {
	switch {
	case !ValidID(id):
		return ServedCount{}, fmt.Errorf("%w: %w: %q", ErrServed, ErrBadID, id)
	case role == "" || strings.ContainsAny(role, "|\x00"):
		return ServedCount{}, fmt.Errorf("%w: bad role %q", ErrServed, role)
	case what != ServedOriginal && what != ServedRendition:
		return ServedCount{}, fmt.Errorf("%w: %q is not %s or %s", ErrServed, what, ServedOriginal, ServedRendition)
	}
	return ServedCount{Day: day.Format(dayLayout), ID: id, Role: role, What: what, Count: 1}, nil
}

// AddServed adds the counts (made by NewServedCount) in one transaction.
func (s *Store) AddServed(ctx context.Context, counts []ServedCount) error {
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
