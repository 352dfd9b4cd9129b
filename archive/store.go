package archive

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// schemaVersion is the layout version of archive.db. Open refuses a file
// with another version.
const schemaVersion = 1

// valueVersion is the leading byte of every stored value.
const valueVersion = 0x01

const (
	bucketMeta    = "meta"
	bucketRecords = "records"
	bucketPaths   = "paths"
	bucketChanges = "changes"
	keySchema     = "schema"
)

// Sentinel errors of the store. Match them with errors.Is.
var (
	ErrLocked   = errors.New("archive: another process holds the archive (is `archive serve` running?)")
	ErrSchema   = errors.New("archive: unsupported schema version")
	ErrNotFound = errors.New("archive: not found")
	ErrCorrupt  = errors.New("archive: corrupt value in the store")
)

// Change is one entry of the change sequence.
type Change struct {
	Seq uint64    `json:"seq"`
	ID  string    `json:"id"`
	Op  string    `json:"op"` // create | update
	At  time.Time `json:"at"`
}

// Store is the bbolt database of records. It is safe for concurrent use.
type Store struct {
	db *bolt.DB
}

// openStore opens (creating if needed) the database at path, waiting at most
// timeout for another process to release it.
func openStore(path string, timeout time.Duration, readOnly bool) (*Store, error) {
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: timeout, ReadOnly: readOnly, PageSize: 16384})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("archive: open %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.init(readOnly); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(readOnly bool) error {
	check := func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		if meta == nil {
			return fmt.Errorf("%w: no meta bucket", ErrSchema)
		}
		v := meta.Get([]byte(keySchema))
		n, err := strconv.Atoi(string(v))
		if err != nil || n != schemaVersion {
			return fmt.Errorf("%w: file has %q, this program reads %d", ErrSchema, v, schemaVersion)
		}
		return nil
	}
	if readOnly {
		return s.db.View(check)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketMeta)) == nil {
			meta, err := tx.CreateBucket([]byte(bucketMeta))
			if err != nil {
				return err
			}
			if err := meta.Put([]byte(keySchema), []byte(strconv.Itoa(schemaVersion))); err != nil {
				return err
			}
		}
		for _, b := range [][]byte{[]byte(bucketRecords), []byte(bucketPaths), []byte(bucketChanges), []byte(bucketAudit), []byte(bucketAuditByID)} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("archive: create bucket %s: %w", b, err)
			}
		}
		return check(tx)
	})
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

func encodeValue(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{valueVersion}, b...), nil
}

// decodeValue decodes a stored value into v. It copies, so v stays valid
// after the transaction ends.
func decodeValue(b []byte, v any) error {
	if len(b) == 0 || b[0] != valueVersion {
		return fmt.Errorf("%w: unknown value version", ErrCorrupt)
	}
	if err := json.Unmarshal(b[1:], v); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return nil
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// Get returns the record with the given id, or ErrNotFound.
func (s *Store) Get(id string) (*Record, error) {
	var rec *Record
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket([]byte(bucketRecords)).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("%w: record %s", ErrNotFound, id)
		}
		rec = new(Record)
		return decodeValue(v, rec)
	})
	return rec, err
}

// Has reports whether a record with the id exists.
func (s *Store) Has(id string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket([]byte(bucketRecords)).Get([]byte(id)) != nil
		return nil
	})
	return ok, err
}

// ForEach calls fn with every record in id order. fn may keep the record.
func (s *Store) ForEach(fn func(*Record) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketRecords)).ForEach(func(k, v []byte) error {
			rec := new(Record)
			if err := decodeValue(v, rec); err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			return fn(rec)
		})
	})
}

// Count returns the number of records.
func (s *Store) Count() (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket([]byte(bucketRecords)).Stats().KeyN
		return nil
	})
	return n, err
}

// LastSeq returns the sequence number of the newest change, 0 when none.
func (s *Store) LastSeq() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		seq = tx.Bucket([]byte(bucketChanges)).Sequence()
		return nil
	})
	return seq, err
}

// ChangesSince calls fn for every change with a sequence number greater than
// after, in order.
func (s *Store) ChangesSince(after uint64, fn func(Change) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bucketChanges)).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
			var ch Change
			if err := decodeValue(v, &ch); err != nil {
				return fmt.Errorf("change %x: %w", k, err)
			}
			if err := fn(ch); err != nil {
				return err
			}
		}
		return nil
	})
}

// Put stores rec (create or update) and appends a change. It returns the
// change's sequence number.
func (s *Store) Put(rec *Record) (uint64, error) {
	var seq uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		seq, err = putRecord(tx, rec)
		return err
	})
	return seq, err
}

// putRecord writes rec and its change entry inside tx.
func putRecord(tx *bolt.Tx, rec *Record) (uint64, error) {
	recs := tx.Bucket([]byte(bucketRecords))
	op := "create"
	if recs.Get([]byte(rec.ID)) != nil {
		op = "update"
	}
	v, err := encodeValue(rec)
	if err != nil {
		return 0, fmt.Errorf("archive: encode record %s: %w", rec.ID, err)
	}
	if err := recs.Put([]byte(rec.ID), v); err != nil {
		return 0, fmt.Errorf("archive: put record %s: %w", rec.ID, err)
	}
	changes := tx.Bucket([]byte(bucketChanges))
	seq, err := changes.NextSequence()
	if err != nil {
		return 0, err
	}
	cv, err := encodeValue(Change{Seq: seq, ID: rec.ID, Op: op, At: rec.UpdatedAt})
	if err != nil {
		return 0, err
	}
	return seq, changes.Put(seqKey(seq), cv)
}

// Snapshot calls each with every record, in id order, and then db with
// the database as a consistent file image, all in one read transaction, so
// that a backup's list of files and its database agree.
func (s *Store) Snapshot(each func(*Record) error, db func(io.WriterTo) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte(bucketRecords)).ForEach(func(k, v []byte) error {
			var r Record
			if err := decodeValue(v, &r); err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			return each(&r)
		}); err != nil {
			return err
		}
		return db(tx)
	})
}

// ReadOnly reports whether the store was opened without write access.
func (s *Store) ReadOnly() bool { return s.db.IsReadOnly() }
