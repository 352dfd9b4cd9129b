package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

func TestBackupIncrementalAndRestore(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	addAsset(t, a, 1, true)
	addAsset(t, a, 2, true)
	dest := t.TempDir()

	if _, err := Backup(ctx, a, filepath.Join(root, "inside"), BackupOptions{}); err == nil {
		t.Error("backup inside the root was accepted")
	}
	m, err := Backup(ctx, a, dest, BackupOptions{WithRenditions: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Records != 2 || m.Originals != 2 || m.Copied != 2 || len(m.DBSHA256) != 64 || len(m.Problems) != 0 {
		t.Fatalf("first backup %+v", m)
	}
	addAsset(t, a, 3, false)
	m, err = Backup(ctx, a, dest, BackupOptions{})
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
	a.Store().ForEach(func(r *archive.Record) error { victim = r.ID; return nil })
	its, _ := backupItems(a, &archive.Record{ID: victim}, false)
	bad := filepath.Join(dest, filepath.FromSlash(its[0].rel))
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
	b, err := archive.Open(newRoot, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	vr, err := Verify(ctx, b, nil)
	if err != nil || vr.Checked != 3 || len(vr.Problems) != 0 || vr.Renditions != 2 {
		t.Fatalf("verify restored: %+v %v", vr, err)
	}
	// A rendition the restore could not bring back is a problem verify
	// reports: the archive would serve a broken image.
	var withThumb *archive.Record
	b.Store().ForEach(func(r *archive.Record) error {
		if len(r.Renditions) > 0 {
			withThumb = r
		}
		return nil
	})
	rp, _ := b.RenditionPath(withThumb.ID, withThumb.Renditions[0])
	os.Remove(rp)
	vr, err = Verify(ctx, b, nil)
	if err != nil || len(vr.Problems) != 1 || vr.Problems[0].Problem != "rendition missing" || vr.Problems[0].ID != withThumb.ID {
		t.Fatalf("verify with a rendition missing: %+v %v", vr, err)
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
func addAsset(t *testing.T, a *archive.Archive, seed byte, withThumb bool) *archive.Record {
	t.Helper()
	var rec *archive.Record
	_, err := a.AddOriginal(context.Background(), bytes.NewReader([]byte{0xff, 0xd8, seed, 0xff, 0xd9}), func(o archive.Original) error {
		rec = &archive.Record{ID: o.ID, Kind: "photo", MIME: "image/jpeg", Size: o.Size, IngestedAt: a.Now(), UpdatedAt: a.Now()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if withThumb {
		r := archive.Rendition{Name: "thumb", Width: 1, Height: 1, MIME: "image/jpeg", Version: 1, Size: 3}
		if err := a.WriteRendition(rec.ID, r, []byte("jpg")); err != nil {
			t.Fatal(err)
		}
		rec.Renditions = []archive.Rendition{r}
	}
	rec.Normalize()
	if _, err := a.CommitIngest([]archive.IngestItem{{Record: rec, PathKey: "/src/" + rec.ID, Path: archive.PathEntry{ID: rec.ID}}}, ""); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestBackupDestinationSafety: a backup never deletes or overwrites what it
// did not write. A folder holding anything but an earlier backup of this
// archive is refused untouched; the staging folder is the backup's own;
// the taxonomy and settings travel with the database.
func TestBackupDestinationSafety(t *testing.T) {
	ctx := context.Background()
	open := func() *archive.Archive {
		a, err := archive.Open(t.TempDir(), archive.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		addAsset(t, a, 1, true)
		return a
	}
	a, other := open(), open()
	os.WriteFile(filepath.Join(a.Root(), "config.json"), []byte(`{"department":"Sở VHTTDL"}`+"\n"), 0o644)
	opts := BackupOptions{RootFiles: []string{"taxonomy.json", "config.json"}}

	otherBackup := t.TempDir()
	if _, err := Backup(ctx, other, otherBackup, opts); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(dest string)
	}{
		{"a user's tmp folder", func(dest string) {
			os.MkdirAll(filepath.Join(dest, "tmp"), 0o755)
			os.WriteFile(filepath.Join(dest, "tmp", "thesis.docx"), []byte("mine"), 0o644)
		}},
		{"a database that is no backup", func(dest string) { os.WriteFile(filepath.Join(dest, "archive.db"), []byte("mine"), 0o644) }},
		{"a backup with a stranger", func(dest string) {
			if _, err := Backup(ctx, a, dest, opts); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dest, "notes.txt"), []byte("mine"), 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := t.TempDir()
			tt.setup(dest)
			before := treeOf(t, dest)
			if _, err := Backup(ctx, a, dest, opts); !errors.Is(err, ErrBackupDest) {
				t.Fatalf("err = %v, want ErrBackupDest", err)
			}
			if after := treeOf(t, dest); after != before {
				t.Errorf("the refused destination changed:\n%s\nwas\n%s", after, before)
			}
		})
	}
	t.Run("another archive's backup", func(t *testing.T) {
		if _, err := Backup(ctx, a, otherBackup, opts); !errors.Is(err, ErrBackupDest) {
			t.Fatalf("err = %v, want ErrBackupDest", err)
		}
	})

	dest := filepath.Join(t.TempDir(), "usb")
	for range 2 {
		m, err := Backup(ctx, a, dest, opts)
		if err != nil {
			t.Fatal(err)
		}
		if m.ArchiveID == "" || len(m.Files) != 2 {
			t.Fatalf("manifest %+v", m)
		}
	}
	entries, _ := os.ReadDir(dest)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), stagingPrefix) || e.Name() == "tmp" {
			t.Errorf("%s left in the destination", e.Name())
		}
	}
	root := filepath.Join(t.TempDir(), "restored")
	if _, err := Restore(ctx, dest, root, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"taxonomy.json", "config.json"} {
		want, _ := os.ReadFile(filepath.Join(a.Root(), name))
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s restored: %v, %d bytes want %d", name, err, len(got), len(want))
		}
	}
}

// treeOf lists every path under dir with its size.
func treeOf(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		fmt.Fprintf(&b, "%s %d\n", p, fi.Size())
		return nil
	})
	return b.String()
}

// TestBackupKeepsHistory: with Keep, the databases of earlier backups stay
// in DEST/history, the oldest beyond Keep are removed, and nothing else.
func TestBackupKeepsHistory(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	a, err := archive.Open(t.TempDir(), archive.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	dest := t.TempDir()
	for i := range 4 {
		addAsset(t, a, byte(10+i), false)
		if _, err := Backup(ctx, a, dest, BackupOptions{Keep: 2}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(24 * time.Hour) // daily at 02:00
	}
	entries, err := os.ReadDir(filepath.Join(dest, historyDir))
	if err != nil || len(entries) != 2 {
		t.Fatalf("history: %v %v, want 2 entries", entries, err)
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dest, historyDir, e.Name(), "archive.db")); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
	if _, err := Restore(ctx, dest, filepath.Join(t.TempDir(), "r"), RestoreOptions{}); err != nil {
		t.Errorf("the destination is still a whole backup: %v", err)
	}
}
