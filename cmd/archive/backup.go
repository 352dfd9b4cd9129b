package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/api"
	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/thumbs"
)

type backupOptions struct {
	json           bool
	withRenditions bool
}

func newBackupCommand(g *globalOptions) *cobra.Command {
	var o backupOptions
	c := &cobra.Command{
		Use:   "backup [--with-renditions] [--json] DEST",
		Short: "Copy the database and new originals to DEST (a backup on other media)",
		Long: `Backup writes a consistent copy of the archive to DEST, a folder on other
media (Circular 02/2019 asks for two copies on independent media): the
database as of one moment, every original DEST does not hold yet (each copy
checked against its SHA-256, so a second backup to the same DEST copies only
new originals), the renditions with --with-renditions (they are derived and
can be rebuilt), and DEST/manifest.json. Originals that are missing or
corrupt in the archive are reported and make the exit status 1.

While 'archive serve' runs, the backup is made by the server (it holds the
archive); otherwise the archive is opened here.

DEST must be new, empty, or an earlier backup of this archive: a backup
never deletes or overwrites what it did not write (it stages its copies in
DEST/.archive-backup-…, a folder of its own). It keeps taxonomy.json and
config.json (the settings, which hold no secrets) beside the database, and
'archive restore' puts them back.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runBackup(cmd, g, o, args[0]) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the manifest as JSON")
	c.Flags().BoolVar(&o.withRenditions, "with-renditions", false, "copy the renditions too")
	return c
}

func runBackup(cmd *cobra.Command, g *globalOptions, o backupOptions, dest string) error {
	m, err := g.backup(cmd.Context(), o, dest)
	if err != nil {
		return err
	}
	if err := g.printReport(o.json, m, func() {
		g.printProblems(m.Problems)
		fmt.Fprintf(g.stdout, "backed up %d records to %s: %d originals (%s), %d copied now (%s)\n",
			m.Records, dest, m.Originals, fmtBytes(m.Bytes), m.Copied, fmtBytes(m.CopiedBytes))
	}); err != nil {
		return err
	}
	if len(m.Problems) > 0 {
		return fmt.Errorf("%s missing or corrupt in the archive, not backed up", plural(len(m.Problems), "original"))
	}
	return nil
}

// backup runs the backup through the server that holds the archive, or on
// the archive opened here when none runs (the first backup names the
// archive in its store).
func (g *globalOptions) backup(ctx context.Context, o backupOptions, dest string) (*backup.BackupManifest, error) {
	if c := g.serverClient(ctx, false); c != nil {
		abs, err := filepath.Abs(dest)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", errUsage, dest, err)
		}
		var m backup.BackupManifest
		if err := c.do(ctx, http.MethodPost, "/v1/backup", api.BackupRequest{Dest: abs, WithRenditions: o.withRenditions}, &m); err != nil {
			return nil, usageOr400(err)
		}
		return &m, nil
	}
	a, err := g.openArchive(false)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	bar := g.bar(!o.json, "backup")
	defer bar.Finish()
	m, err := backup.Backup(ctx, a, dest, backup.BackupOptions{WithRenditions: o.withRenditions, OnProgress: bar.Update, RootFiles: backupRootFiles()})
	if errors.Is(err, backup.ErrBackupDest) {
		// As the server answers it (400): the destination given is wrong.
		return m, fmt.Errorf("%w: %v", errUsage, err)
	}
	return m, err
}

type restoreOptions struct{ json bool }

func newRestoreCommand(g *globalOptions) *cobra.Command {
	var o restoreOptions
	c := &cobra.Command{
		Use:   "restore [--json] SRC ROOT",
		Short: "Restore a backup into a new, empty archive root",
		Long: `Restore copies the backup in SRC into ROOT, which must not exist or be empty:
the database (checked against the manifest), every original (checked
against its SHA-256), the taxonomy and settings, and the renditions when
the backup holds them; when it does not, they are rendered again (with a
progress bar), so the restored archive serves. A file that is missing or
corrupt in the backup is reported and makes the exit status 1. The search
index is rebuilt when the archive is next served or searched ('archive
--root ROOT reindex' does it at once).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return runRestore(cmd, g, o, args[0], args[1]) },
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the report as JSON")
	return c
}

func runRestore(cmd *cobra.Command, g *globalOptions, o restoreOptions, src, root string) error {
	var opts backup.RestoreOptions
	bar := g.bar(!o.json, "restore")
	opts.OnProgress = bar.Update
	rep, err := backup.Restore(cmd.Context(), src, root, opts)
	bar.Finish()
	if rep == nil {
		return err
	}
	if err == nil {
		rep.Rendered, err = g.renderRestored(cmd.Context(), root, o.json)
	}
	// The report says what was restored even when the restore failed.
	perr := g.printReport(o.json, rep, func() {
		g.printProblems(rep.Problems)
		fmt.Fprintf(g.stdout, "restored %d records, %d originals (%s), %d renditions into %s\n",
			rep.Records, rep.Originals, fmtBytes(rep.Bytes), rep.Renditions, root)
		if rep.Rendered > 0 {
			fmt.Fprintf(g.stdout, "rendered the renditions of %d records again\n", rep.Rendered)
		}
	})
	return cmp.Or(err, perr)
}

// renderRestored renders the renditions of the records of the restored
// root whose rendition files the backup did not hold, and returns how many
// records it rendered.
func (g *globalOptions) renderRestored(ctx context.Context, root string, quiet bool) (int, error) {
	rg := *g
	rg.root = root
	a, err := rg.openArchive(false)
	if err != nil {
		return 0, err
	}
	defer a.Close()
	bar := g.bar(!quiet, "renditions")
	rep, err := newPipeline(a, thumbs.New(thumbs.Options{}), nil, nil, 0, true).Rethumb(ctx, ingest.RethumbOptions{
		Select: func(r *archive.Record) bool { return renditionMissing(a, r) }, OnProgress: bar.Update})
	bar.Finish()
	if err != nil {
		return 0, fmt.Errorf("restore: render renditions: %w", err)
	}
	if len(rep.Failed) > 0 {
		return rep.Rendered, fmt.Errorf("restore: %d records could not be rendered again (see 'archive verify')", len(rep.Failed))
	}
	return rep.Rendered, nil
}

// backupRootFiles are the files of the root a backup keeps: the taxonomy
// and the settings (ROOT/config.json holds no secrets: keys live hashed in
// the database).
func backupRootFiles() []string { return []string{"taxonomy.json", api.ConfigFileName} }

// renditionMissing reports whether a rendition file r names is not there.
func renditionMissing(a *archive.Archive, r *archive.Record) bool {
	for _, rd := range r.Renditions {
		p, err := a.RenditionPath(r.ID, rd)
		if err != nil {
			return true
		}
		if _, err := os.Stat(p); err != nil {
			return true
		}
	}
	return false
}
