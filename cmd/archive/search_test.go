package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// The CLI reads QUERY as words, and as query-string syntax with --query.
func TestSearchWordsAndQuery(t *testing.T) {
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &archive.Record{ID: strings.Repeat("c5", 32), Kind: "photo", MIME: "image/jpeg", IngestedAt: time.Now().UTC().Truncate(time.Second),
		Title: map[string]string{"vi": "Lễ hội Côn Sơn", "en": "Con Son festival"}, Visibility: archive.Public, Status: archive.Published}
	if _, err := a.Store().Put(rec); err != nil {
		t.Fatal(err)
	}
	a.Close()
	for _, c := range []struct {
		args  []string
		code  int
		total int
	}{
		{[]string{"Côn Sơn: lễ hội"}, 0, 1},
		{[]string{"lễ hội (2026)"}, 0, 0},
		{[]string{"--query", `title:"côn sơn"`}, 0, 1},
		{[]string{"--query", "Côn Sơn: lễ hội"}, exitUsage, 0},
		{[]string{"con son festivel"}, 0, 1}, // near spelling
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := runCLI(t, append([]string{"--root", root, "search", "--json"}, c.args...)...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d: %s", r.code, c.code, r.stderr)
			}
			var res struct{ Total int }
			if c.code == 0 && (json.Unmarshal([]byte(r.stdout), &res) != nil || res.Total != c.total) {
				t.Errorf("total %d, want %d: %s", res.Total, c.total, r.stdout)
			}
		})
	}
}
