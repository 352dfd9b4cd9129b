package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/haiduong/promo-archive/archive"
)

// RethumbOptions choose which records get new renditions.
type RethumbOptions struct {
	// Select picks the records to re-render; nil means NeedsRendition with
	// version 0 (placeholders and records without renditions).
	Select  func(*archive.Record) bool
	Workers int // 0 means the pipeline's workers
	// OnProgress is called after each record.
	OnProgress func(archive.Progress)
}

// RethumbReport counts what Rethumb did.
type RethumbReport struct {
	Selected int          `json:"selected"`
	Rendered int          `json:"rendered"`
	Still    int          `json:"still_placeholder"` // rendered, but still a placeholder (tool still missing)
	Failed   []FileResult `json:"failed"`
}

// NeedsRendition reports whether rec lacks real renditions of the given
// version: it has none, one is a placeholder, or one is of another version
// (0 accepts any version).
func NeedsRendition(rec *archive.Record, version int) bool {
	if len(rec.Renditions) == 0 {
		return true
	}
	for _, r := range rec.Renditions {
		if r.Placeholder || version != 0 && r.Version != version {
			return true
		}
	}
	return false
}

// Rethumb makes the renditions of the selected records again from their
// stored originals, updates the records (a change each) and removes the
// rendition files they replace.
func (p *Pipeline) Rethumb(ctx context.Context, opts RethumbOptions) (*RethumbReport, error) {
	a, r := p.a, p.opts.Renderer
	if r == nil {
		return nil, errors.New("ingest: rethumb needs a renderer")
	}
	if opts.Select == nil {
		opts.Select = func(rec *archive.Record) bool { return NeedsRendition(rec, 0) }
	}
	if opts.Workers <= 0 {
		opts.Workers = p.opts.Workers
	}
	var todo []*archive.Record
	var total int64
	if err := a.Store().ForEach(func(rec *archive.Record) error {
		if opts.Select(rec) {
			todo = append(todo, rec)
			total += rec.Size
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("ingest: rethumb: %w", err)
	}
	rep := &RethumbReport{Selected: len(todo), Failed: []FileResult{}}
	prog := archive.Progress{FilesTotal: len(todo), BytesTotal: total}
	var mu sync.Mutex
	work := make(chan *archive.Record)
	var wg, inflight sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rec := range work {
				err, finished := unlessCancelled(ctx, &inflight, func() error { return rethumbOne(ctx, a, r, rec) })
				if !finished {
					return // stuck in the renderer: abandoned
				}
				mu.Lock()
				switch {
				case err != nil && ctx.Err() != nil:
				case err != nil:
					rep.Failed = append(rep.Failed, FileResult{Path: rec.SourcePath, ID: rec.ID, Status: StatusFailed, Error: err.Error()})
				default:
					rep.Rendered++
					if NeedsRendition(rec, 0) {
						rep.Still++
					}
				}
				prog.FilesDone++
				prog.BytesDone += rec.Size
				if opts.OnProgress != nil {
					opts.OnProgress(prog)
				}
				mu.Unlock()
			}
		}()
	}
	for _, rec := range todo {
		select {
		case work <- rec:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	waitAtMost(&inflight, abandonGrace)
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("ingest: rethumb interrupted after %d of %d: %w", prog.FilesDone, len(todo), err)
	}
	return rep, nil
}

// rethumbOne re-renders one record from its original.
func rethumbOne(ctx context.Context, a Archive, r Renderer, rec *archive.Record) error {
	orig, err := a.OriginalPath(rec.ID)
	if err != nil {
		return err
	}
	if _, err := os.Stat(orig); err != nil {
		return fmt.Errorf("original: %w", err)
	}
	old := rec.Renditions
	var st Stages
	// Warnings from the last rendering are replaced by this one's.
	rec.Warnings = slices.DeleteFunc(rec.Warnings, func(w string) bool { return strings.HasPrefix(w, "thumbs:") })
	rec.PHash = ""
	if err := render(ctx, a, r, orig, rec, &st); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // abandoned: the record may have changed since
	}
	rec.UpdatedAt = a.Now()
	if _, err := a.Store().Put(rec); err != nil {
		return err
	}
	for _, o := range old {
		if !containsRendition(rec.Renditions, o) {
			if p, err := a.RenditionPath(rec.ID, o); err == nil {
				os.Remove(p)
			}
		}
	}
	return nil
}

func containsRendition(rs []archive.Rendition, r archive.Rendition) bool {
	for _, x := range rs {
		if x.Name == r.Name && x.Version == r.Version {
			return true
		}
	}
	return false
}
