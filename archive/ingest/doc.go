// Package ingest owns the ingest pipeline: walk → process → commit, run as
// one errgroup.
//
//   - walk.go: one goroutine walks the sources (no symbolic links unless
//     asked; hidden files and operating-system junk skipped; XMP sidecars
//     and each folder's metadata.csv attached to their files) and feeds
//     the workers as it goes, while a second walk counts files and bytes
//     for the progress bar;
//   - process.go: N workers each take a file from source to a record:
//     hash while copying into ROOT/tmp, sniff, extract (archive/media, or
//     the Prober for containers media does not parse), the state-secret
//     gate, the record, the renditions (the Renderer);
//   - commit.go: one committer batches records into one store transaction
//     (archive.Archive.CommitIngest), then hands them to the Indexer, and
//     reports every file once its status is final.
//
// A per-file problem is that file's status and the run goes on; a failure
// of the store cancels the group at once, so the workers copy, install and
// render nothing more. Cancelling the context stops every stage; what was
// committed stays committed and a later run resumes from there (unchanged
// files are recognised by path, size and modification time).
//
// A Pipeline is built once (New) with its collaborators and sizes, and run
// many times (Run) with the values of one run. It declares the interfaces
// it needs (Archive, Renderer, Prober, Indexer); cmd/archive wires
// *archive.Archive, thumbs and the index. Rethumb renders stored originals
// again with the same renderer.
package ingest
