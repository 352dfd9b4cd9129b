package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCollectionCommands(t *testing.T) {
	root, id := ingestOne(t)
	r := runCLI(t, "--root", root, "keys", "create", "--role", "agency", "--name", "Sở Du lịch")
	var keys []struct{ ID string }
	if r.code != 0 {
		t.Fatalf("keys create: %s", r.stderr)
	}
	json.Unmarshal([]byte(runCLI(t, "--root", root, "keys", "list", "--json").stdout), &keys)
	r = runCLI(t, "--root", root, "collection", "create", "--set", "title.vi=Tập gấp", "--set", "title.en=Brochure", "--visibility", "agencies", "--owner", keys[0].ID)
	if r.code != 0 {
		t.Fatalf("create: %d %s", r.code, r.stderr)
	}
	f := strings.Fields(r.stdout)
	cid := f[len(f)-1]
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"no title", []string{"create", "--visibility", "public"}, exitUsage},
		{"bad visibility", []string{"create", "--set", "title.vi=x", "--visibility", "secret"}, exitUsage},
		{"unknown owner", []string{"create", "--set", "title.vi=x", "--owner", "000000000000"}, exitUsage},
		{"add by prefix", []string{"add", cid, id[:10]}, 0},
		{"move", []string{"move", cid, id, "--at", "1"}, 0},
		{"set", []string{"set", cid, "--set", "description.vi=Mô tả", "--visibility", "public", "--cover", id[:8]}, 0},
		{"unknown asset", []string{"add", cid, "ffffffffff"}, exitFatal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := runCLI(t, append([]string{"--root", root, "collection"}, tc.args...)...); r.code != tc.want {
				t.Errorf("exit %d, want %d: %s", r.code, tc.want, r.stderr)
			}
		})
	}
	r = runCLI(t, "--root", root, "collection", "share", cid, "--days", "3", "--download")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || !strings.HasPrefix(lines[len(lines)-1], "hds_") {
		t.Fatalf("share: %d %q %s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "--root", root, "collection", "show", cid, "--json")
	var shown struct {
		Collection struct {
			Title, Description map[string]string
			Items              []string
			Cover, Visibility  string
			OwnerName          string `json:"owner_name"`
			Log                []struct{ Field, Who string }
		}
		Shares []struct{ ID string }
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &shown) != nil {
		t.Fatalf("show: %d %s", r.code, r.stderr)
	}
	c := shown.Collection
	if c.Title["en"] != "Brochure" || c.Description["vi"] != "Mô tả" || len(c.Items) != 1 || c.Cover != id ||
		c.Visibility != "public" || c.OwnerName != "Sở Du lịch" || len(shown.Shares) != 1 {
		t.Errorf("show %+v", shown)
	}
	if r := runCLI(t, "--root", root, "collection", "unshare", cid, shown.Shares[0].ID); r.code != 0 {
		t.Errorf("unshare: %s", r.stderr)
	}
	r = runCLI(t, "--root", root, "collection", "show", cid)
	for _, want := range []string{"title.vi: Tập gấp", "[cover]", "expired or revoked", "local curator (CLI)", "share: revoked link"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := runCLI(t, "--root", root, "collection", "list"); !strings.Contains(r.stdout, cid) {
		t.Errorf("list: %s", r.stdout)
	}
	if r := runCLI(t, "--root", root, "collection", "remove", cid, id); r.code != 0 || !strings.Contains(r.stdout, "0 assets") {
		t.Errorf("remove: %s %s", r.stdout, r.stderr)
	}
	if r := runCLI(t, "--root", root, "collection", "delete", cid); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}
