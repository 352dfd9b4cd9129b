package archive

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func testRecord(id string) *Record {
	r := &Record{ID: id, Kind: "photo", MIME: "image/jpeg", Size: 3, Title: map[string]string{"vi": "Hải Dương"}}
	r.Normalize()
	return r
}

func idOf(b byte) string {
	const hexd = "0123456789abcdef"
	s := make([]byte, 64)
	for i := range s {
		s[i] = hexd[b%16]
	}
	return string(s)
}

func TestStorePutGetChanges(t *testing.T) {
	a, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s := a.Store()
	for i := range 3 {
		if _, err := s.Put(testRecord(idOf(byte(i)))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Put(testRecord(idOf(1))); err != nil { // an update
		t.Fatal(err)
	}
	got, err := s.Get(idOf(1))
	if err != nil || got.Title["vi"] != "Hải Dương" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if _, err := s.Get(idOf(9)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(missing) err = %v, want ErrNotFound", err)
	}
	var ops []string
	if err := s.ChangesSince(1, func(c Change) error { ops = append(ops, c.Op); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"create", "create", "update"}; !equalStrings(ops, want) {
		t.Fatalf("changes since 1 = %v, want %v", ops, want)
	}
	if seq, _ := s.LastSeq(); seq != 4 {
		t.Fatalf("LastSeq = %d, want 4", seq)
	}
	if n, _ := s.Count(); n != 3 {
		t.Fatalf("Count = %d, want 3", n)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStoreResolve(t *testing.T) {
	a, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ids := []string{"abcdef" + idOf(1)[6:], "abcdff" + idOf(2)[6:], "abcdff" + idOf(3)[6:]}
	for _, id := range ids {
		if _, err := a.Store().Put(testRecord(id)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"abcdef", ids[0], nil},
		{"ABCDEF", ids[0], nil},
		{ids[1], ids[1], nil},
		{"abcdff", "", ErrAmbiguous},
		{"abc", "", ErrBadID},
		{"zzzzzzzz", "", ErrBadID},
		{"../../etc/passwd", "", ErrBadID},
		{"123456", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := a.Store().Resolve(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Resolve(%q) err = %v, want %v", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Resolve(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestStoreLockedAndSchema(t *testing.T) {
	root := t.TempDir()
	a, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Open(root, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open err = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("second Open took %v; it must give up after its timeout", d)
	}
	a.Close()

	// A file written by a future version is refused, not misread.
	db, err := bolt.Open(filepath.Join(root, "archive.db"), 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchema), []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(root, Options{}); !errors.Is(err, ErrSchema) {
		t.Fatalf("Open(schema 99) err = %v, want ErrSchema", err)
	}
}

func TestReadOnlyOpenOfMissingArchive(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "nope"), Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only Open of a missing archive succeeded; want an error, not a new archive")
	}
}

func TestDefaultTaxonomy(t *testing.T) {
	tax, err := DefaultTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	if len(tax.Categories) != 10 {
		t.Errorf("%d categories, want the 10 of TAXONOMY.md", len(tax.Categories))
	}
	u, ok := tax.Place("294")
	if !ok || u.VI != "Huyện Thanh Hà" || u.Successor != "31" {
		t.Errorf("place 294 = %+v, %v", u, ok)
	}
}
