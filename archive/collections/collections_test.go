package collections

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
)

func assetID(i int) string { return fmt.Sprintf("%064x", i+1) }

func newStore(t *testing.T) *Store {
	t.Helper()
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return New(a.Store())
}

// The callers of the tests.
const (
	owner = iota
	other
	curator
	portal
	anon
)

func caller(who int) Caller {
	switch who {
	case owner:
		return Caller{KeyID: "owner1", Name: "Sở Du lịch", Role: keys.RoleAgency}
	case other:
		return Caller{KeyID: "other1", Name: "Báo tỉnh", Role: keys.RoleAgency}
	case curator:
		return Caller{KeyID: "cur1", Name: "Curator", Role: keys.RoleCurator}
	case portal:
		return Caller{KeyID: "portal1", Name: "Portal", Role: keys.RolePortal}
	}
	return Caller{}
}

func TestCollectionLifecycle(t *testing.T) {
	st := newStore(t)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if _, err := st.Create(caller(portal), Fields{Title: map[string]string{"vi": "x"}}, now); !errors.Is(err, ErrForbidden) {
		t.Fatalf("portal create: %v, want ErrForbidden", err)
	}
	if _, err := st.Create(caller(owner), Fields{}, now); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no title: %v, want ErrInvalid", err)
	}
	c, err := st.Create(caller(owner), Fields{Title: map[string]string{"vi": " Tập gấp du lịch ", "en": "Brochure", "fr": ""}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title["vi"] != "Tập gấp du lịch" || len(c.Title) != 2 || c.Visibility != Private {
		t.Fatalf("created %+v", c)
	}
	ids := []string{assetID(0), assetID(1), assetID(2), assetID(3)}
	if c, err = st.Add(c.ID, ids[:3], -1, caller(owner), now); err != nil {
		t.Fatal(err)
	}
	if c, err = st.Add(c.ID, []string{ids[3], ids[0]}, 0, caller(owner), now); err != nil {
		t.Fatal(err)
	}
	if want := []string{ids[3], ids[0], ids[1], ids[2]}; !slices.Equal(c.Items, want) || c.Cover != ids[0] {
		t.Fatalf("items %v cover %s", c.Items, c.Cover)
	}
	if c, err = st.Move(c.ID, []string{ids[2], ids[1]}, 0, caller(owner), now); err != nil {
		t.Fatal(err)
	}
	if want := []string{ids[2], ids[1], ids[3], ids[0]}; !slices.Equal(c.Items, want) {
		t.Fatalf("after move %v", c.Items)
	}
	if c, err = st.Remove(c.ID, []string{ids[0], ids[3]}, caller(owner), now); err != nil {
		t.Fatal(err)
	}
	if want := []string{ids[2], ids[1]}; !slices.Equal(c.Items, want) || c.Cover != ids[2] {
		t.Fatalf("after remove %v cover %s", c.Items, c.Cover)
	}
	cover, vis := ids[1], "agencies"
	if c, err = st.Update(c.ID, Fields{Cover: &cover, Visibility: &vis}, caller(owner), now); err != nil {
		t.Fatal(err)
	}
	bad := ids[3]
	if _, err = st.Update(c.ID, Fields{Cover: &bad}, caller(owner), now); !errors.Is(err, ErrInvalid) {
		t.Errorf("cover outside the collection: %v", err)
	}
	if _, err = st.Add(c.ID, []string{ids[3]}, -1, caller(other), now); !errors.Is(err, ErrForbidden) {
		t.Errorf("another agency adds: %v, want ErrForbidden", err)
	}
	var fields []string
	for _, l := range c.Log {
		fields = append(fields, l.Field)
		if l.Who != caller(owner).Name {
			t.Errorf("log entry by %q", l.Who)
		}
	}
	if want := "created items items items items cover visibility"; strings.Join(fields, " ") != want {
		t.Errorf("log %q, want %q", strings.Join(fields, " "), want)
	}
	if err := st.Delete(c.ID, caller(other)); !errors.Is(err, ErrForbidden) {
		t.Errorf("delete by another agency: %v", err)
	}
	if err := st.Delete(c.ID, caller(curator)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(c.ID); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

func TestVisibility(t *testing.T) {
	st := newStore(t)
	now := time.Now()
	made := map[Visibility]string{}
	for _, v := range []Visibility{Private, Agencies, Public} {
		vs := string(v)
		c, err := st.Create(caller(owner), Fields{Title: map[string]string{"vi": vs}, Visibility: &vs}, now)
		if err != nil {
			t.Fatal(err)
		}
		made[v] = c.ID
	}
	for _, tc := range []struct {
		name string
		by   Caller
		want int
	}{
		{"owner", caller(owner), 3}, {"curator", caller(curator), 3}, {"other agency", caller(other), 2}, {"portal", caller(portal), 1}, {"anonymous", caller(anon), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := st.List(tc.by)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != tc.want {
				t.Errorf("sees %d collections, want %d", len(list), tc.want)
			}
		})
	}
	if _, err := st.Add(made[Private], []string{assetID(0)}, -1, caller(other), now); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("another agency edits a private collection: %v, want ErrNotFound", err)
	}
}

func TestShares(t *testing.T) {
	st := newStore(t)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c, err := st.Create(caller(curator), Fields{Title: map[string]string{"vi": "Báo chí"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.CreateShare(c.ID, now.Add(-time.Hour), false, caller(curator), now); !errors.Is(err, ErrInvalid) {
		t.Errorf("past expiry: %v", err)
	}
	if _, _, err := st.CreateShare(c.ID, now.Add(time.Hour), false, caller(other), now); err == nil {
		t.Errorf("a stranger shared a private collection")
	}
	token, sh, err := st.CreateShare(c.ID, now.Add(48*time.Hour), true, caller(curator), now)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Role != keys.RoleAgency || !strings.HasPrefix(token, shareTokenPrefix) || len(token) < 40 {
		t.Errorf("share %+v token %q", sh, token)
	}
	for _, tc := range []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"valid", token, now.Add(time.Hour), nil},
		{"expired", token, now.Add(49 * time.Hour), ErrShareExpired},
		{"unknown", token + "x", now, ErrShareUnknown},
		{"not a token", "abc", now, ErrShareUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.VerifyShare(tc.token, tc.at)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if err == nil && (got.Collection != c.ID || !got.Download) {
				t.Errorf("share %+v", got)
			}
		})
	}
	if _, err := st.RevokeShare(c.ID, sh.ID, caller(curator), now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.VerifyShare(token, now.Add(time.Hour)); !errors.Is(err, ErrShareExpired) {
		t.Errorf("revoked: %v", err)
	}
	list, err := st.Shares(c.ID)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
		t.Errorf("shares %+v %v", list, err)
	}
}
