package archive

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Table is a bucket of archive.db that holds JSON values under string
// keys, created on its first write: the storage of the features that keep
// small records of their own beside the records (API keys, in
// archive/keys). Get one with Store.Table. Values carry the encoding
// version byte like every value of the store.
type Table struct {
	s    *Store
	name string
}

// Table returns the table called name.
func (s *Store) Table(name string) Table { return Table{s: s, name: name} }

// Get decodes key's value into v and reports whether there was one.
func (t Table) Get(key string, v any) (bool, error) {
	found := false
	err := t.s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(t.name))
		if b == nil {
			return nil
		}
		raw := b.Get([]byte(key))
		if raw == nil {
			return nil
		}
		found = true
		return decodeValue(raw, v)
	})
	if err != nil {
		return found, fmt.Errorf("archive: %s %q: %w", t.name, key, err)
	}
	return found, nil
}

// Scan calls fn for each key that starts with prefix, in key order, with a
// function that decodes its value. An error from fn stops the scan.
func (t Table) Scan(prefix string, fn func(key string, decode func(v any) error) error) error {
	return t.s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(t.name))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, raw := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, raw = c.Next() {
			if err := fn(string(k), func(v any) error { return decodeValue(raw, v) }); err != nil {
				return err
			}
		}
		return nil
	})
}

// Modify reads key's value into v (when there is one), calls change with
// whether there was, and stores v when change says so: one write
// transaction, so concurrent modifications of a key do not interleave.
func (t Table) Modify(key string, v any, change func(found bool) (write bool, err error)) error {
	err := t.s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(t.name))
		if err != nil {
			return err
		}
		raw := b.Get([]byte(key))
		if raw != nil {
			if err := decodeValue(raw, v); err != nil {
				return err
			}
		}
		write, err := change(raw != nil)
		if err != nil || !write {
			return err
		}
		enc, err := encodeValue(v)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), enc)
	})
	if err != nil {
		return fmt.Errorf("archive: %s %q: %w", t.name, key, err)
	}
	return nil
}

// Delete reads key's value into v (when there is one), calls check with
// whether there was, and deletes the key when check says so, in one write
// transaction.
func (t Table) Delete(key string, v any, check func(found bool) (del bool, err error)) error {
	err := t.s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(t.name))
		var raw []byte
		if b != nil {
			raw = b.Get([]byte(key))
		}
		if raw != nil {
			if err := decodeValue(raw, v); err != nil {
				return err
			}
		}
		del, err := check(raw != nil)
		if err != nil || !del || raw == nil {
			return err
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("archive: %s %q: %w", t.name, key, err)
	}
	return nil
}
