package archive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestBackupIncrementalAndRestore(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	a, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	addAsset(t, a, 1, true)
	addAsset(t, a, 2, true)
	dest := t.TempDir()

	if _, err := a.Backup(ctx, filepath.Join(root, "inside"), BackupOptions{}); err == nil {
		t.Error("backup inside the root was accepted")
	}
	m, err := a.Backup(ctx, dest, BackupOptions{WithRenditions: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Records != 2 || m.Originals != 2 || m.Copied != 2 || len(m.DBSHA256) != 64 || len(m.Problems) != 0 {
		t.Fatalf("first backup %+v", m)
	}
	addAsset(t, a, 3, false)
	m, err = a.Backup(ctx, dest, BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Records != 3 || m.Originals != 3 || m.Copied != 1 {
		t.Fatalf("second backup copied %d of %d, want only the new one: %+v", m.Copied, m.Originals, m)
	}

	// Restore refuses a non-empty root.
	if _, err := Restore(ctx, dest, root, RestoreOptions{}); !errors.Is(err, ErrRestoreTarget) {
		t.Fatalf("restore into the live root: %v", err)
	}
	// A corrupted original in the backup is detected.
	var victim string
	a.Store().ForEach(func(r *Record) error { victim = r.ID; return nil })
	bad := filepath.Join(dest, filepath.FromSlash(originalRel(victim)))
	good, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, append([]byte("x"), good[1:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Restore(ctx, dest, filepath.Join(t.TempDir(), "r1"), RestoreOptions{})
	if !errors.Is(err, ErrBackupCorrupt) || len(rep.Problems) != 1 || rep.Problems[0].ID != victim || rep.Problems[0].Problem != "corrupt" {
		t.Fatalf("corrupt backup: %v %+v", err, rep)
	}
	if err := os.WriteFile(bad, good, 0o644); err != nil {
		t.Fatal(err)
	}
	newRoot := filepath.Join(t.TempDir(), "r2")
	rep, err = Restore(ctx, dest, newRoot, RestoreOptions{})
	if err != nil || rep.Records != 3 || rep.Originals != 3 {
		t.Fatalf("restore: %v %+v", err, rep)
	}
	b, err := Open(newRoot, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	vr, err := b.Verify(ctx, nil)
	if err != nil || vr.Checked != 3 || len(vr.Problems) != 0 {
		t.Fatalf("verify restored: %+v %v", vr, err)
	}
	// A corrupted database in the backup is detected too.
	db := filepath.Join(dest, "archive.db")
	if err := os.WriteFile(db, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, dest, filepath.Join(t.TempDir(), "r3"), RestoreOptions{}); !errors.Is(err, ErrBackupCorrupt) {
		t.Fatalf("corrupt db: %v", err)
	}
}

// addAsset stores an original of a few bytes that depend on seed and its
// record (with a thumb when withThumb), as ingest commits them.
func addAsset(t *testing.T, a *Archive, seed byte, withThumb bool) *Record {
	t.Helper()
	var rec *Record
	_, err := a.AddOriginal(context.Background(), bytes.NewReader([]byte{0xff, 0xd8, seed, 0xff, 0xd9}), func(o Original) error {
		rec = &Record{ID: o.ID, Kind: "photo", MIME: "image/jpeg", Size: o.Size, IngestedAt: a.Now(), UpdatedAt: a.Now()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if withThumb {
		r := Rendition{Name: "thumb", Width: 1, Height: 1, MIME: "image/jpeg", Version: 1, Size: 3}
		if err := a.WriteRendition(rec.ID, r, []byte("jpg")); err != nil {
			t.Fatal(err)
		}
		rec.Renditions = []Rendition{r}
	}
	rec.Normalize()
	if _, err := a.CommitIngest([]IngestItem{{Record: rec, PathKey: "/src/" + rec.ID, Path: PathEntry{ID: rec.ID}}}, ""); err != nil {
		t.Fatal(err)
	}
	return rec
}
