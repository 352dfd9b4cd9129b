package archive

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"
)

// Role is what an API key may do (see api: the visibility rules).
type Role string

// Roles of API keys.
const (
	RolePortal  Role = "portal"  // public, published assets and their originals
	RoleAgency  Role = "agency"  // also internal assets
	RoleCurator Role = "curator" // everything, and ingest
)

// ParseRole accepts portal, agency or curator.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RolePortal, RoleAgency, RoleCurator:
		return r, nil
	}
	return "", fmt.Errorf("%q is not portal, agency or curator", s)
}

// keyPrefix starts every API key, so a leaked one is easy to recognise.
const keyPrefix = "hdk_"

const bucketKeys = "keys"

// Errors of API keys. Match them with errors.Is.
var (
	ErrKeyUnknown = errors.New("archive: unknown API key")
	ErrKeyRevoked = errors.New("archive: API key revoked")
)

// APIKey describes a key. The key itself is never stored: the keys bucket
// maps the hex SHA-256 of the key to this.
type APIKey struct {
	ID        string     `json:"id"` // the first 12 hex digits of the hash; safe to show
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return k.RevokedAt != nil }

// hashKey returns the stored form of a key: its SHA-256 in hex.
func hashKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// newKeyToken returns a new random key: keyPrefix and 32 random bytes in
// unpadded base64url.
func newKeyToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("archive: random key: %w", err)
	}
	return keyPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// CreateKey makes a new key for name (stored NFC) with role and returns the
// key, which is shown once and never stored, and its description.
func (s *Store) CreateKey(name string, role Role, now time.Time) (string, APIKey, error) {
	name = norm.NFC.String(strings.TrimSpace(name))
	if name == "" {
		return "", APIKey{}, errors.New("archive: a key needs a name")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", APIKey{}, fmt.Errorf("archive: %w", err)
	}
	token, err := newKeyToken()
	if err != nil {
		return "", APIKey{}, err
	}
	hash := hashKey(token)
	k := APIKey{ID: hash[:12], Name: name, Role: role, CreatedAt: now.Truncate(time.Second)}
	v, err := encodeValue(k)
	if err != nil {
		return "", APIKey{}, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketKeys)).Put([]byte(hash), v)
	})
	if err != nil {
		return "", APIKey{}, fmt.Errorf("archive: store key: %w", err)
	}
	return token, k, nil
}

// VerifyKey returns the key's description, ErrKeyUnknown or ErrKeyRevoked.
// The lookup is by hash, so timing reveals nothing about stored keys.
func (s *Store) VerifyKey(token string) (APIKey, error) {
	if !strings.HasPrefix(token, keyPrefix) {
		return APIKey{}, ErrKeyUnknown
	}
	var k APIKey
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketKeys))
		if b == nil {
			return nil
		}
		v := b.Get([]byte(hashKey(token)))
		if v == nil {
			return nil
		}
		found = true
		return decodeValue(v, &k)
	})
	switch {
	case err != nil:
		return APIKey{}, err
	case !found:
		return APIKey{}, ErrKeyUnknown
	case k.Revoked():
		return k, ErrKeyRevoked
	}
	return k, nil
}

// Keys lists every key, oldest first.
func (s *Store) Keys() ([]APIKey, error) {
	var keys []APIKey
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketKeys))
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var k APIKey
			if err := decodeValue(v, &k); err != nil {
				return err
			}
			keys = append(keys, k)
			return nil
		})
	})
	slices.SortFunc(keys, func(a, b APIKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return keys, err
}

// RevokeKey revokes the key whose id is id (or starts with it, when at
// least 6 characters and unique). Revoking twice keeps the first time.
func (s *Store) RevokeKey(id string, now time.Time) (APIKey, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 6 {
		return APIKey{}, fmt.Errorf("%w: give at least 6 characters of the key id", ErrKeyUnknown)
	}
	var out APIKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketKeys))
		if b == nil {
			return fmt.Errorf("%w: %s", ErrKeyUnknown, id)
		}
		var hash []byte
		c := b.Cursor()
		for k, _ := c.Seek([]byte(id)); k != nil && strings.HasPrefix(string(k), id); k, _ = c.Next() {
			if hash != nil {
				return fmt.Errorf("%w: %s", ErrAmbiguous, id)
			}
			hash = slices.Clone(k)
		}
		if hash == nil {
			return fmt.Errorf("%w: %s", ErrKeyUnknown, id)
		}
		if err := decodeValue(b.Get(hash), &out); err != nil {
			return err
		}
		if out.RevokedAt == nil {
			t := now.Truncate(time.Second)
			out.RevokedAt = &t
		}
		v, err := encodeValue(out)
		if err != nil {
			return err
		}
		return b.Put(hash, v)
	})
	return out, err
}
