package keys

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// newKeyring opens a keyring in a new archive (closed with the test) at a
// fixed time.
func newKeyring(t *testing.T) (*Keyring, *archive.Archive, time.Time) {
	t.Helper()
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return New(a.Store()), a, time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
}

func TestKeysCreateVerifyRevoke(t *testing.T) {
	s, _, now := newKeyring(t)
	// "Sở Du lịch" written decomposed must be stored NFC.
	token, k, err := s.Create("So\u031b\u0309 Du li\u0323ch", RoleAgency, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, keyPrefix) || len(token) != len(keyPrefix)+43 {
		t.Fatalf("token %q", token)
	}
	if k.Name != "Sở Du lịch" || k.Role != RoleAgency || k.ID != HashToken(token)[:12] {
		t.Fatalf("key %+v", k)
	}
	got, err := s.Verify(token, now)
	if err != nil || got.ID != k.ID {
		t.Fatalf("VerifyKey = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "hdk_", token + "x", strings.TrimPrefix(token, keyPrefix), HashToken(token)} {
		t.Run(strconv.Quote(bad), func(t *testing.T) {
			if _, err := s.Verify(bad, now); !errors.Is(err, ErrKeyUnknown) {
				t.Errorf("VerifyKey(%q) err = %v, want ErrKeyUnknown", bad, err)
			}
		})
	}
	if _, _, err := s.Create("  ", RolePortal, nil, now); err == nil {
		t.Error("blank name accepted")
	}
	if _, _, err := s.Create("x", "root", nil, now); err == nil {
		t.Error("unknown role accepted")
	}
	// The token itself is nowhere in the database.
	keys, err := s.List()
	if err != nil || len(keys) != 1 {
		t.Fatalf("Keys = %v, %v", keys, err)
	}
	if _, err := s.Revoke(k.ID[:4], now); err == nil {
		t.Error("revoke by a 4-char prefix accepted")
	}
	r, err := s.Revoke(k.ID[:8], now.Add(time.Hour))
	if err != nil || r.RevokedAt == nil {
		t.Fatalf("RevokeKey = %+v, %v", r, err)
	}
	if _, err := s.Verify(token, now); !errors.Is(err, ErrKeyRevoked) {
		t.Fatalf("revoked key err = %v", err)
	}
	if _, err := s.Revoke("ffffffffffff", now); !errors.Is(err, ErrKeyUnknown) {
		t.Fatalf("revoke unknown err = %v", err)
	}
}

func TestParseRole(t *testing.T) {
	for _, ok := range []string{"portal", "Agency", " curator ", "ADMIN"} {
		t.Run(ok, func(t *testing.T) {
			if _, err := ParseRole(ok); err != nil {
				t.Errorf("ParseRole(%q): %v", ok, err)
			}
		})
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("root accepted")
	}
}

// TestKeysExpiryLastUseRotate: an expired key is refused, use is recorded
// to the hour, rotation makes a new key and revokes the old one.
func TestKeysExpiryLastUseRotate(t *testing.T) {
	s, _, now := newKeyring(t)
	if _, _, err := s.Create("x", RolePortal, new(now.Add(-time.Second)), now); err == nil {
		t.Error("a key that expired already was made")
	}
	until := now.Add(24 * time.Hour)
	token, k, err := s.Create("Cổng thông tin", RolePortal, &until, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(token, now.Add(time.Minute))
	if err != nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("first use: %+v %v", got, err)
	}
	if got, _ := s.Verify(token, now.Add(30*time.Minute)); !got.LastUsedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("last use rewritten within the hour: %v", got.LastUsedAt)
	}
	if _, err := s.Verify(token, until); !errors.Is(err, ErrKeyExpired) {
		t.Errorf("at expiry: %v, want ErrKeyExpired", err)
	}
	newToken, nk, err := s.Rotate(k.ID, now.Add(time.Hour))
	if err != nil || nk.ID == k.ID || nk.Name != k.Name || nk.Role != k.Role || nk.ExpiresAt == nil || !nk.ExpiresAt.Equal(until) {
		t.Fatalf("rotate: %+v %v", nk, err)
	}
	if _, err := s.Verify(token, now.Add(2*time.Hour)); !errors.Is(err, ErrKeyRevoked) {
		t.Errorf("old key after rotation: %v", err)
	}
	if _, err := s.Verify(newToken, now.Add(2*time.Hour)); err != nil {
		t.Errorf("new key: %v", err)
	}
	if _, _, err := s.Rotate(k.ID, now.Add(3*time.Hour)); !errors.Is(err, ErrKeyRevoked) {
		t.Errorf("rotating a revoked key: %v", err)
	}
}

// TestSessions: a session id maps to its key while the session and the key
// live; sign-out, expiry and revoking the key end it; only hashes are
// stored.
func TestSessions(t *testing.T) {
	s, a, now := newKeyring(t)
	root := a.Root()
	token, k, err := s.Create("Biên tập", RoleCurator, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.StartSession("hdk_wrong", now, time.Hour); !errors.Is(err, ErrKeyUnknown) {
		t.Errorf("session with an unknown key: %v", err)
	}
	id, _, err := s.StartSession(token, now, time.Hour)
	if err != nil || !strings.HasPrefix(id, sessionPrefix) || strings.Contains(id, token) {
		t.Fatalf("start: %q %v", id, err)
	}
	tests := []struct {
		name string
		id   string
		at   time.Time
		want error
	}{
		{"live", id, now.Add(59 * time.Minute), nil},
		{"expired", id, now.Add(time.Hour), ErrSessionUnknown},
		{"unknown", sessionPrefix + "x", now, ErrSessionUnknown},
		{"a key is not a session", token, now, ErrSessionUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Session(tt.id, tt.at)
			if !errors.Is(err, tt.want) || (tt.want == nil && got.ID != k.ID) {
				t.Errorf("Session = %+v, %v; want %v", got, err, tt.want)
			}
		})
	}
	id2, _, _ := s.StartSession(token, now, time.Hour)
	if err := s.EndSession(id2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(id2, now); !errors.Is(err, ErrSessionUnknown) {
		t.Errorf("after sign-out: %v", err)
	}
	id3, _, _ := s.StartSession(token, now, time.Hour)
	s.Revoke(k.ID, now)
	if _, err := s.Session(id3, now); !errors.Is(err, ErrKeyRevoked) {
		t.Errorf("after revoking the key: %v", err)
	}
	a.Close()
	db, _ := os.ReadFile(filepath.Join(root, "archive.db"))
	if bytes.Contains(db, []byte(id3)) || bytes.Contains(db, []byte(token)) {
		t.Error("a session id or key is stored as is")
	}
}
