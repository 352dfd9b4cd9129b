package keys

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

func TestKeysCreateVerifyRevoke(t *testing.T) {
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s := New(a.Store())
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	// "Sở Du lịch" written decomposed must be stored NFC.
	token, k, err := s.Create("So\u031b\u0309 Du li\u0323ch", RoleAgency, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, keyPrefix) || len(token) != len(keyPrefix)+43 {
		t.Fatalf("token %q", token)
	}
	if k.Name != "Sở Du lịch" || k.Role != RoleAgency || k.ID != HashToken(token)[:12] {
		t.Fatalf("key %+v", k)
	}
	got, err := s.Verify(token)
	if err != nil || got.ID != k.ID {
		t.Fatalf("VerifyKey = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "hdk_", token + "x", strings.TrimPrefix(token, keyPrefix), HashToken(token)} {
		t.Run(strconv.Quote(bad), func(t *testing.T) {
			if _, err := s.Verify(bad); !errors.Is(err, ErrKeyUnknown) {
				t.Errorf("VerifyKey(%q) err = %v, want ErrKeyUnknown", bad, err)
			}
		})
	}
	if _, _, err := s.Create("  ", RolePortal, now); err == nil {
		t.Error("blank name accepted")
	}
	if _, _, err := s.Create("x", "admin", now); err == nil {
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
	if _, err := s.Verify(token); !errors.Is(err, ErrKeyRevoked) {
		t.Fatalf("revoked key err = %v", err)
	}
	if _, err := s.Revoke("ffffffffffff", now); !errors.Is(err, ErrKeyUnknown) {
		t.Fatalf("revoke unknown err = %v", err)
	}
}

func TestParseRole(t *testing.T) {
	for _, ok := range []string{"portal", "Agency", " curator "} {
		t.Run(ok, func(t *testing.T) {
			if _, err := ParseRole(ok); err != nil {
				t.Errorf("ParseRole(%q): %v", ok, err)
			}
		})
	}
	if _, err := ParseRole("admin"); err == nil {
		t.Error("admin accepted")
	}
}
