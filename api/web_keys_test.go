package api

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive/keys"
)

var newKeyRE = regexp.MustCompile(`id="new-key-token">(hdk_[^<]+)<`)

// findKey is the key named name in the fixture's keyring.
func findKey(t *testing.T, f *fixture, name string) keys.APIKey {
	t.Helper()
	list, err := keys.New(f.a.Store()).List()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range list {
		if k.Name == name {
			return k
		}
	}
	t.Fatalf("no key %q", name)
	return keys.APIKey{}
}

func TestKeysPage(t *testing.T) {
	f := newFixture(t, nil)
	admin := newBrowser(f, "admin")
	code, body := admin.get("/keys")
	if code != http.StatusOK || !strings.Contains(body, `id="key-create"`) || !strings.Contains(body, `id="nav-keys"`) ||
		!strings.Contains(body, "Sở Du lịch portal") || !strings.Contains(body, "Quản lý khóa API") {
		t.Fatalf("keys page as admin: %d\n%s", code, body)
	}
	if _, body := admin.get("/keys?lang=en"); !strings.Contains(body, "Last used") || !strings.Contains(body, "Make the key") {
		t.Errorf("English keys page:\n%s", body)
	}

	// Make a key with a role and a last day.
	tok := admin.token("/keys")
	code, body, _ = admin.do(http.MethodPost, "/keys", url.Values{"csrf": {tok}, "name": {"Sở Xây dựng"}, "role": {"agency"}, "expires": {"2999-12-31"}})
	m := newKeyRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("create: %d\n%s", code, body)
	}
	k := findKey(t, f, "Sở Xây dựng")
	if k.Role != keys.RoleAgency || k.ExpiresAt == nil || !k.ExpiresAt.Equal(time.Date(3000, 1, 1, 0, 0, 0, 0, f.a.Location())) {
		t.Errorf("key made: %+v", k)
	}
	if got, err := keys.New(f.a.Store()).Verify(html.UnescapeString(m[1]), time.Now()); err != nil || got.ID != k.ID {
		t.Errorf("the key shown does not work: %v", err)
	}
	if _, body := admin.get("/keys"); strings.Contains(body, m[1]) || !strings.Contains(body, `id="key-`+k.ID+`"`) {
		t.Error("the list shows the key itself, or not its row")
	}

	// Refusals keep the form and say why.
	code, body, _ = admin.do(http.MethodPost, "/keys", url.Values{"csrf": {tok}, "name": {"x"}, "role": {"root"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="keys-error"`) {
		t.Errorf("bad role: %d", code)
	}
	code, _, _ = admin.do(http.MethodPost, "/keys", url.Values{"csrf": {tok}, "name": {"x"}, "role": {"portal"}, "expires": {"2001-01-01"}})
	if code != http.StatusBadRequest {
		t.Errorf("past expiry: %d", code)
	}
	if code, _, _ := admin.do(http.MethodPost, "/keys", url.Values{"name": {"x"}, "role": {"portal"}}); code != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", code)
	}

	// Rotate, then revoke the new one.
	code, body, _ = admin.do(http.MethodPost, "/keys/"+k.ID+"/rotate", url.Values{"csrf": {tok}})
	if code != http.StatusOK || newKeyRE.FindStringSubmatch(body) == nil {
		t.Fatalf("rotate: %d\n%s", code, body)
	}
	if _, err := keys.New(f.a.Store()).Verify(html.UnescapeString(m[1]), time.Now()); err == nil {
		t.Error("the rotated key still works")
	}
	var fresh keys.APIKey
	list, _ := keys.New(f.a.Store()).List()
	for _, x := range list {
		if x.Name == "Sở Xây dựng" && !x.Revoked() {
			fresh = x
		}
	}
	code, _, resp := admin.do(http.MethodPost, "/keys/"+fresh.ID+"/revoke", url.Values{"csrf": {tok}})
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/keys?done=revoked" {
		t.Fatalf("revoke: %d %s", code, resp.Header.Get("Location"))
	}
	list, _ = keys.New(f.a.Store()).List()
	for _, x := range list {
		if x.ID == fresh.ID && !x.Revoked() {
			t.Error("the key was not revoked")
		}
	}
	if code, _, _ := admin.do(http.MethodPost, "/keys/ffffffffffff/rotate", url.Values{"csrf": {tok}}); code != http.StatusNotFound {
		t.Errorf("rotating an unknown key: %d", code)
	}

	// Only admins.
	before, _ := keys.New(f.a.Store()).List()
	for _, who := range []string{"curator", "agency"} {
		b := newBrowser(f, who)
		if code, body := b.get("/keys"); code != http.StatusForbidden || strings.Contains(body, `id="key-create"`) {
			t.Errorf("%s: keys page %d", who, code)
		}
		if _, body := b.get("/"); strings.Contains(body, `id="nav-keys"`) {
			t.Errorf("%s: the menu links the keys page", who)
		}
		if code, _, _ := b.do(http.MethodPost, "/keys", url.Values{"csrf": {b.token("/")}, "name": {"x"}, "role": {"admin"}}); code != http.StatusForbidden {
			t.Errorf("%s: create %d", who, code)
		}
		if code, _, _ := b.do(http.MethodPost, "/keys/"+f.keyID("portal")+"/revoke", url.Values{"csrf": {b.token("/")}}); code != http.StatusForbidden {
			t.Errorf("%s: revoke %d", who, code)
		}
	}
	if after, _ := keys.New(f.a.Store()).List(); len(after) != len(before) {
		t.Error("a non-admin made a key")
	}
	if k, err := keys.New(f.a.Store()).Verify(f.keys["portal"], time.Now()); err != nil || k.Revoked() {
		t.Error("a non-admin revoked a key")
	}
	if code, _, resp := newBrowser(f, "").do(http.MethodGet, "/keys", nil); code != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("anonymous: %d %s", code, resp.Header.Get("Location"))
	}
}
