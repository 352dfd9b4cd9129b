// Package keys owns the API keys: their roles, their creation (the key is
// shown once and only its SHA-256 is kept), verification and revocation.
// They live in the archive.db table "keys" (archive.Table): the hex
// SHA-256 of a key → APIKey JSON.
package keys

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

	"github.com/haiduong/promo-archive/archive"
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

// table is the archive.db table of the keys.
const table = "keys"

// Errors of API keys. Match them with errors.Is.
var (
	ErrKeyUnknown = errors.New("keys: unknown API key")
	ErrKeyRevoked = errors.New("keys: API key revoked")
)

// APIKey describes a key. The key itself is never stored: the keys table
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

// HashToken returns the stored form of a secret token (an API key, a
// share link): its SHA-256 in hex. Only this is ever stored.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// NewToken returns a new random secret token, prefix and 32 random bytes
// in unpadded base64url, and its HashToken.
func NewToken(prefix string) (token, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("keys: random token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token), nil
}

// Keyring is the archive's keys.
type Keyring struct {
	t archive.Table
}

// New returns the keyring of the store s.
func New(s *archive.Store) *Keyring { return &Keyring{t: s.Table(table)} }

// Create makes a new key for name (stored NFC) with role and returns the
// key, which is shown once and never stored, and its description.
func (r *Keyring) Create(name string, role Role, now time.Time) (string, APIKey, error) {
	name = norm.NFC.String(strings.TrimSpace(name))
	if name == "" {
		return "", APIKey{}, errors.New("keys: a key needs a name")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", APIKey{}, fmt.Errorf("keys: %w", err)
	}
	token, hash, err := NewToken(keyPrefix)
	if err != nil {
		return "", APIKey{}, err
	}
	k := APIKey{ID: hash[:12], Name: name, Role: role, CreatedAt: now.Truncate(time.Second)}
	stored := k
	err = r.t.Modify(hash, &stored, func(found bool) (bool, error) {
		if found { // 256 random bits: never, but never overwrite a key
			return false, errors.New("keys: the new key collides with a stored one")
		}
		return true, nil
	})
	if err != nil {
		return "", APIKey{}, err
	}
	return token, k, nil
}

// Verify returns the key's description, ErrKeyUnknown or ErrKeyRevoked.
// The lookup is by hash, so timing reveals nothing about stored keys.
func (r *Keyring) Verify(token string) (APIKey, error) {
	if !strings.HasPrefix(token, keyPrefix) {
		return APIKey{}, ErrKeyUnknown
	}
	var k APIKey
	found, err := r.t.Get(HashToken(token), &k)
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

// List returns every key, oldest first.
func (r *Keyring) List() ([]APIKey, error) {
	var keys []APIKey
	err := r.t.Scan("", func(_ string, decode func(any) error) error {
		var k APIKey
		if err := decode(&k); err != nil {
			return err
		}
		keys = append(keys, k)
		return nil
	})
	slices.SortFunc(keys, func(a, b APIKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return keys, err
}

// Revoke revokes the key whose id is id (or starts with it, when at least
// 6 characters and unique). Revoking twice keeps the first time.
func (r *Keyring) Revoke(id string, now time.Time) (APIKey, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 6 {
		return APIKey{}, fmt.Errorf("%w: give at least 6 characters of the key id", ErrKeyUnknown)
	}
	var hash string
	err := r.t.Scan(id, func(k string, _ func(any) error) error {
		if hash != "" {
			return fmt.Errorf("%w: %s", archive.ErrAmbiguous, id)
		}
		hash = k
		return nil
	})
	if err != nil {
		return APIKey{}, err
	}
	if hash == "" {
		return APIKey{}, fmt.Errorf("%w: %s", ErrKeyUnknown, id)
	}
	var out APIKey
	err = r.t.Modify(hash, &out, func(found bool) (bool, error) {
		if !found {
			return false, fmt.Errorf("%w: %s", ErrKeyUnknown, id)
		}
		if out.RevokedAt != nil {
			return false, nil
		}
		t := now.Truncate(time.Second)
		out.RevokedAt = &t
		return true, nil
	})
	return out, err
}
