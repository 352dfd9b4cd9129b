package archive

import (
	"context"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestDocListsEveryBucket keeps the package doc's key layout whole: the
// buckets an archive really has, once every feature has written, are the
// ones "Keys in archive.db" describes.
func TestDocListsEveryBucket(t *testing.T) {
	a, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// Buckets created on first use.
	c, err := NewServedCount(time.Now(), idOf(1), "portal", ServedOriginal)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store().AddServed(context.Background(), []ServedCount{c}); err != nil {
		t.Fatal(err)
	}
	var have []string
	err = a.store.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			have = append(have, string(name))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(f.Doc.Text(), "# Keys in archive.db")
	if !ok {
		t.Fatal("the package doc has no section \"Keys in archive.db\"")
	}
	// A bucket's entry starts its line, indented once, with its name.
	var documented []string
	for _, m := range regexp.MustCompile(`(?m)^\t([a-z_]+)\s+\S`).FindAllStringSubmatch(layout, -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(have)
	slices.Sort(documented)
	if !slices.Equal(have, documented) {
		t.Errorf("buckets in archive.db %v, in the package doc %v", have, documented)
	}
}
