// Package keys owns the API keys: their roles, their creation (the key is
// shown once and only its SHA-256 is kept), expiry, last use, verification,
// rotation and revocation; and the browser sessions signed in with them.
// They live in the archive.db tables "keys" (archive.Table): the hex
// SHA-256 of a key → APIKey JSON, and "sessions": the hex SHA-256 of a
// session id → the session (its key's hash, expiry). A session ends on
// sign-out, at its expiry, or when its key is revoked or expires.
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
	RoleAdmin   Role = "admin"   // what a curator may, and keys and metrics
)

// ParseRole accepts portal, agency, curator or admin.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RolePortal, RoleAgency, RoleCurator, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("%q is not portal, agency, curator or admin", s)
}

// keyPrefix starts every API key, so a leaked one is easy to recognise.
const keyPrefix = "hdk_"

// table is the archive.db table of the keys.
const table = "keys"

// Errors of API keys. Match them with errors.Is.
var (
	ErrKeyUnknown     = errors.New("keys: unknown API key")
	ErrKeyRevoked     = errors.New("keys: API key revoked")
	ErrKeyExpired     = errors.New("keys: API key expired")
	ErrSessionUnknown = errors.New("keys: unknown or ended session")
)

// lastUseStep is how stale LastUsedAt may get: Verify writes it at most
// this often per key.
const lastUseStep = time.Hour

// APIKey describes a key. The key itself is never stored: the keys table
// maps the hex SHA-256 of the key to this.
type APIKey struct {
	ID        string     `json:"id"` // the first 12 hex digits of the hash; safe to show
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// LastUsedAt is when the key was last accepted, to the hour.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Expired reports whether the key has expired at now.
func (k APIKey) Expired(now time.Time) bool { return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) }

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

// StoreNew stores v under the hash of a new secret token in t, refusing to
// overwrite anything (with 256 random bits a collision never happens, but
// a stored secret is never replaced).
func StoreNew(t archive.Table, hash string, v any) error {
	return t.Modify(hash, v, func(found bool) (bool, error) {
		if found {
			return false, errors.New("keys: a new token collides with a stored one")
		}
		return true, nil
	})
}

// Keyring is the archive's keys.
type Keyring struct {
	t        archive.Table
	sessions archive.Table
}

// New returns the keyring of the store s.
func New(s *archive.Store) *Keyring {
	return &Keyring{t: s.Table(table), sessions: s.Table(sessionTable)}
}

// Create makes a new key for name (stored NFC) with role, valid until
// expires (nil: until revoked), and returns the key, which is shown once
// and never stored, and its description.
func (r *Keyring) Create(name string, role Role, expires *time.Time, now time.Time) (string, APIKey, error) {
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
	if expires != nil && !expires.After(now) {
		return "", APIKey{}, errors.New("keys: the expiry date has passed")
	}
	k := APIKey{ID: hash[:12], Name: name, Role: role, CreatedAt: now.Truncate(time.Second), ExpiresAt: expires}
	stored := k
	if err := StoreNew(r.t, hash, &stored); err != nil {
		return "", APIKey{}, err
	}
	return token, k, nil
}

// Verify returns the key's description, ErrKeyUnknown, ErrKeyRevoked or
// ErrKeyExpired, and records its use (at most once per lastUseStep). The
// lookup is by hash, so timing reveals nothing about stored keys.
func (r *Keyring) Verify(token string, now time.Time) (APIKey, error) {
	if !strings.HasPrefix(token, keyPrefix) {
		return APIKey{}, ErrKeyUnknown
	}
	return r.verifyHash(HashToken(token), now)
}

// verifyHash is Verify of the key stored under hash.
func (r *Keyring) verifyHash(hash string, now time.Time) (APIKey, error) {
	var k APIKey
	found, err := r.t.Get(hash, &k)
	switch {
	case err != nil:
		return APIKey{}, err
	case !found:
		return APIKey{}, ErrKeyUnknown
	case k.Revoked():
		return k, ErrKeyRevoked
	case k.Expired(now):
		return k, ErrKeyExpired
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUseStep {
		var cur APIKey
		err := r.t.Modify(hash, &cur, func(found bool) (bool, error) {
			if !found || (cur.LastUsedAt != nil && now.Sub(*cur.LastUsedAt) < lastUseStep) {
				return false, nil
			}
			t := now.Truncate(time.Second)
			cur.LastUsedAt = &t
			return true, nil
		})
		if err != nil {
			return APIKey{}, err
		}
		k.LastUsedAt = cur.LastUsedAt
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

// find returns the hash of the key whose id is id (or starts with it,
// when at least 6 characters and unique).
func (r *Keyring) find(id string) (string, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 6 {
		return "", fmt.Errorf("%w: give at least 6 characters of the key id", ErrKeyUnknown)
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
		return "", err
	}
	if hash == "" {
		return "", fmt.Errorf("%w: %s", ErrKeyUnknown, id)
	}
	return hash, nil
}

// Rotate replaces the key id with a new one of the same name, role and
// expiry, and revokes it: the new key is returned once, as by Create.
func (r *Keyring) Rotate(id string, now time.Time) (string, APIKey, error) {
	hash, err := r.find(id)
	if err != nil {
		return "", APIKey{}, err
	}
	var old APIKey
	if _, err := r.t.Get(hash, &old); err != nil {
		return "", APIKey{}, err
	}
	if old.Revoked() {
		return "", APIKey{}, fmt.Errorf("%w: %s", ErrKeyRevoked, old.ID)
	}
	expires := old.ExpiresAt
	if expires != nil && !expires.After(now) {
		expires = nil // an expired key is rotated into one without expiry
	}
	token, k, err := r.Create(old.Name, old.Role, expires, now)
	if err != nil {
		return "", APIKey{}, err
	}
	if _, err := r.Revoke(old.ID, now); err != nil {
		return "", APIKey{}, fmt.Errorf("keys: the new key %s was made but the old one %s is not revoked: %w", k.ID, old.ID, err)
	}
	return token, k, nil
}

// Revoke revokes the key whose id is id (or starts with it, when at least
// 6 characters and unique). Revoking twice keeps the first time.
func (r *Keyring) Revoke(id string, now time.Time) (APIKey, error) {
	hash, err := r.find(id)
	if err != nil {
		return APIKey{}, err
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
