// Package archive owns the domain of the provincial image-promotion archive:
// the Record, its ID (the SHA-256 of the original's bytes), the bbolt store
// that is the source of truth (records, changes, source paths, the audit
// trail, served counts, and Tables for the features that keep records of
// their own), the content-addressed store of originals and the renditions
// on disk, the taxonomy, the release rules and the state-secret markings.
// It imports archive/media for extraction only.
//
// Around it, each importing archive and never imported by it:
// archive/ingest (the pipeline; it commits through Archive.CommitIngest,
// one transaction a batch), archive/curation (edits and the curator's CSV;
// they write through Archive.Update, one transaction an edit),
// archive/report (the periodic reports and the served counter),
// archive/keys (API keys, in a Table), archive/backup (backup, restore
// and verify; it copies the database through Store.Snapshot) and
// archive/similar (near-duplicates: an index of the perceptual hashes held
// in memory and built from the records, nothing in archive.db) and
// archive/webhooks (outgoing webhooks: endpoints, their outbox and
// delivery log in Tables, fed by the change sequence).
//
// # Layout of ROOT
//
//	ROOT/archive.db                      bbolt: records and indexes (below)
//	ROOT/taxonomy.json                   categories and gazetteer; seeded from the
//	                                     embedded defaults on first open, then
//	                                     edited by hand and loaded by Open
//	ROOT/originals/ab/cd/<sha256>        originals, byte for byte, never rewritten
//	ROOT/renditions/ab/cd/<sha256>.<name>.v<N>.jpg   derived, rebuildable
//	ROOT/tmp/                            temp files; emptied when the archive opens
//	ROOT/config.json                     settings, read by cmd/archive (the server's
//	                                     and the reports' "department")
//
// A backup folder (archive/backup) holds archive.db (one read
// transaction's copy), originals/ in the same layout, renditions/ when asked,
// and manifest.json (backup.BackupManifest), written last.
//
// # Keys in archive.db
//
//	meta     "schema" → decimal schema version (schemaVersion); checked on open
//	records  id (64 hex chars) → 0x01 + Record JSON
//	paths    source key (absolute, cleaned, NFC path) → 0x01 + PathEntry JSON
//	         {id, size, mtime_ns}: lets a re-run say "unchanged" without reading
//	changes  8-byte big-endian sequence → 0x01 + Change JSON {seq, id, op, at};
//	         every create and update appends one, for the index and change feeds
//	audit    8-byte big-endian sequence → 0x01 + AuditEntry JSON {seq, at, who,
//	         id, field, old, new, via}: one per changed field, written by Edit
//	         in the same transaction as the record and its change
//	audit_by_id  id (64 hex chars) + 8-byte big-endian audit sequence → empty;
//	         the per-record index behind Store.History (a prefix scan)
//	served   "YYYY-MM-DD|id|role|what" → 0x01 + 8-byte big-endian count: how
//	         often an asset was served (what: original | rendition) to a role
//	         on a day of the archive's time zone; written in batches by
//	         archive/report's ServedCounter, read by its reports. Created on
//	         first use.
//	keys     hex SHA-256 of an API key → 0x01 + keys.APIKey JSON {id, name,
//	         role, created_at, revoked_at}; the key itself is never stored.
//	         A Table of archive/keys, created on first use.
//
// The leading byte of every value is its encoding version.
//
// # Caveats
//
// bbolt allows one process to hold the file: Open waits Options.LockTimeout
// and then fails with ErrLocked. bbolt values are only valid inside their
// transaction; the store decodes (copies) them before the transaction ends.
// The database file never shrinks; deleting records does not return space.
//
// An original is renamed into place (after fsync) before the record that
// names it is committed, so a crash can leave an orphan original but never a
// record without its bytes. A re-run finds the orphan by hash and adopts it.
package archive
