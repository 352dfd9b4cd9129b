package keys

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// sessionTable is the archive.db table of the browser sessions.
const sessionTable = "sessions"

// sessionPrefix starts every session id.
const sessionPrefix = "hds_"

// session is a signed-in browser: only the hash of its id is stored.
type session struct {
	KeyHash   string    `json:"key_hash"` // the keys table's key of its API key
	KeyID     string    `json:"key_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// StartSession signs a browser in with the API key token for ttl (never
// beyond the key's expiry) and returns the new session id, the only thing
// the browser keeps. Expired sessions are forgotten on the way.
func (r *Keyring) StartSession(token string, now time.Time, ttl time.Duration) (string, APIKey, error) {
	k, err := r.Verify(token, now)
	if err != nil {
		return "", APIKey{}, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", APIKey{}, fmt.Errorf("keys: random session id: %w", err)
	}
	id := sessionPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	ses := session{KeyHash: HashToken(token), KeyID: k.ID, CreatedAt: now.Truncate(time.Second), ExpiresAt: now.Add(ttl).Truncate(time.Second)}
	if k.ExpiresAt != nil && k.ExpiresAt.Before(ses.ExpiresAt) {
		ses.ExpiresAt = *k.ExpiresAt
	}
	t := r.sessions
	var stale []string
	err = t.Scan("", func(key string, decode func(any) error) error {
		var s session
		if err := decode(&s); err != nil || !now.Before(s.ExpiresAt) {
			stale = append(stale, key)
		}
		return nil
	})
	if err != nil {
		return "", APIKey{}, err
	}
	for _, key := range stale {
		if err := t.Delete(key, new(session), func(bool) (bool, error) { return true, nil }); err != nil {
			return "", APIKey{}, err
		}
	}
	var stored session
	err = t.Modify(HashToken(id), &stored, func(found bool) (bool, error) {
		if found {
			return false, fmt.Errorf("keys: the new session collides with a stored one")
		}
		stored = ses
		return true, nil
	})
	if err != nil {
		return "", APIKey{}, err
	}
	return id, k, nil
}

// Session returns the key a session was signed in with, or
// ErrSessionUnknown (unknown, ended or expired), ErrKeyRevoked or
// ErrKeyExpired.
func (r *Keyring) Session(id string, now time.Time) (APIKey, error) {
	if !strings.HasPrefix(id, sessionPrefix) {
		return APIKey{}, ErrSessionUnknown
	}
	var s session
	found, err := r.sessions.Get(HashToken(id), &s)
	switch {
	case err != nil:
		return APIKey{}, err
	case !found || !now.Before(s.ExpiresAt):
		return APIKey{}, ErrSessionUnknown
	}
	return r.verifyHash(s.KeyHash, now)
}

// EndSession signs a session out.
func (r *Keyring) EndSession(id string) error {
	if !strings.HasPrefix(id, sessionPrefix) {
		return nil
	}
	return r.sessions.Delete(HashToken(id), new(session), func(bool) (bool, error) { return true, nil })
}
