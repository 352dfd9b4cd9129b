package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// process takes one file from source to a record ready to commit. It never
// returns an error: per-file problems become the outcome's status.
func (r *run) process(ctx context.Context, j job) (out outcome) {
	a := r.p.a
	out = outcome{job: j, result: FileResult{Path: j.path, Size: j.size}}
	fail := func(st FileStatus, err error) outcome {
		out.result.Status, out.result.Error, out.rec = st, err.Error(), nil
		out.cancelled = ctx.Err() != nil
		return out
	}
	defer func() {
		// A bug or a hostile file must cost one file, never the run.
		if p := recover(); p != nil {
			out = fail(StatusFailed, fmt.Errorf("internal error: %v", p))
		}
	}()
	if err := ctx.Err(); err != nil {
		return fail(StatusFailed, err)
	}
	if j.metaErr != nil {
		return fail(StatusFailed, j.metaErr)
	}
	// The curator's classification stops a state secret before it is read.
	if err := checkCuratorSecret(j.meta); err != nil {
		r.rejectSecret(ctx, j.path, "", err)
		return fail(StatusRejected, err)
	}
	pe, ok, err := a.Store().LookupPath(j.key)
	if err != nil {
		return fail(StatusFailed, err)
	}
	if ok && pe.Size == j.size && pe.MtimeNs == j.mtime.UnixNano() {
		out.result.Status, out.result.ID = StatusUnchanged, pe.ID
		return out
	}

	t0 := time.Now()
	src, err := os.Open(j.path)
	if err != nil {
		return fail(StatusFailed, fmt.Errorf("open: %w", err))
	}
	defer src.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(src, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fail(StatusFailed, fmt.Errorf("read: %w", err))
	}
	if n == 0 {
		return fail(StatusRejected, errors.New("empty file"))
	}
	if _, _, err := media.SniffFile(src, j.size); err != nil {
		return fail(StatusRejected, err)
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return fail(StatusFailed, fmt.Errorf("read: %w", err))
	}
	// Everything that decides whether the file is kept runs inside
	// AddOriginal: an error leaves nothing of the file under ROOT.
	var rec *archive.Record
	var reason FileStatus // the status of an error from use
	id, err := a.AddOriginal(ctx, src, func(o archive.Original) error {
		out.result.ID = o.ID
		out.stages.Hash = time.Since(t0)
		if has, err := a.Store().Has(o.ID); err != nil {
			return err
		} else if has {
			return errDuplicate
		}
		t1 := time.Now()
		var sidecar []byte
		if j.sidecar != "" {
			if sidecar, err = readBounded(j.sidecar, 16<<20); err != nil {
				return fmt.Errorf("sidecar %s: %w", j.sidecar, err)
			}
		}
		info, err := media.Extract(o.File, o.Size, media.Options{Location: r.loc, Sidecar: sidecar})
		if err == nil && info.NeedsProbe {
			err = r.probe(ctx, o.Path, info)
		}
		out.stages.Metadata = time.Since(t1)
		if err != nil {
			if errors.Is(err, media.ErrUnsupported) || errors.Is(err, archive.ErrToolMissing) {
				reason = StatusRejected
			}
			return err
		}
		// Before anything is rendered or installed: AddOriginal removes the
		// temp copy, so nothing of a state secret stays under ROOT.
		if err := checkEmbeddedSecret(info); err != nil {
			r.rejectSecret(ctx, j.path, o.ID, err)
			reason = StatusRejected
			return err
		}
		rec = buildRecord(recordInput{
			id: o.ID, size: o.Size, originalName: j.name, sourcePath: j.sourcePath, mtime: j.mtime,
			info: info, curator: j.meta, defaults: r.ro.Defaults, now: a.Now(), loc: r.loc, tax: r.tax,
		})
		if rd := r.p.opts.Renderer; rd != nil && !r.ro.NoRenditions {
			if err := render(ctx, a, rd, o.Path, rec, &out.stages); err != nil {
				return err
			}
			if rec.Damaged {
				rec.Status = archive.Review
				rec.Warnings = append(rec.Warnings, "ingest: the file is damaged; kept as it is, with status review")
			}
		}
		return nil
	})
	out.result.ID = id
	switch {
	case errors.Is(err, errDuplicate):
		out.result.Status = StatusDuplicate
		return out
	case err != nil && reason != "":
		return fail(reason, err)
	case err != nil:
		return fail(StatusFailed, err)
	}
	out.result.Status, out.result.Warnings, out.rec = StatusAdded, rec.Warnings, rec
	return out
}

// errDuplicate stops AddOriginal for bytes the archive has already.
var errDuplicate = errors.New("ingest: already archived")

// render makes the renditions of rec from the file at path and stores them.
func render(ctx context.Context, a Archive, r Renderer, path string, rec *archive.Record, st *Stages) error {
	res, err := r.Render(ctx, renderInput(path, rec))
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	st.Decode, st.Resize, st.Encode = res.Stages.Decode, res.Stages.Resize, res.Stages.Encode
	rec.Warnings = append(rec.Warnings, res.Warnings...)
	rec.Damaged = res.Damaged
	if res.HasPHash {
		rec.PHash = fmt.Sprintf("%016x", res.PHash)
	}
	rec.Renditions = rec.Renditions[:0]
	for _, img := range res.Images {
		if err := a.WriteRendition(rec.ID, img.Rendition, img.Data); err != nil {
			return err
		}
		rec.Renditions = append(rec.Renditions, img.Rendition)
	}
	return nil
}

func renderInput(path string, rec *archive.Record) archive.RenderInput {
	in := archive.RenderInput{Path: path, MIME: rec.MIME, Kind: rec.Kind, Width: rec.Width, Height: rec.Height,
		Orientation: rec.Orientation, Rotation: rec.Rotation}
	if rec.DurationS != nil {
		in.DurationS = *rec.DurationS
	}
	return in
}

// probe completes info for a container media marked NeedsProbe. The file
// is rejected when nothing can read it.
func (r *run) probe(ctx context.Context, path string, info *media.Info) error {
	p := r.p.opts.Prober
	if p == nil {
		return fmt.Errorf("%w: %s is read with ffprobe (apt install ffmpeg)", archive.ErrToolMissing, info.MIME)
	}
	got, err := p.Probe(ctx, path, info.MIME)
	if err != nil {
		return err
	}
	if got.CapturedAt != nil { // an instant: shown in the archive's zone
		t := got.CapturedAt.In(r.loc)
		got.CapturedAt = &t
	}
	mergeProbe(info, got)
	return nil
}

// mergeProbe lays what ffprobe read over info, which holds only the type.
func mergeProbe(info, got *media.Info) {
	info.NeedsProbe = false
	info.Width, info.Height, info.Rotation = got.Width, got.Height, got.Rotation
	info.DurationS, info.Codec = got.DurationS, got.Codec
	info.CapturedAt, info.CapturedAtSource, info.TZInferred = got.CapturedAt, got.CapturedAtSource, got.TZInferred
	info.GPS, info.Camera = got.GPS, got.Camera
	info.Title, info.Description = maps.Clone(got.Title), maps.Clone(got.Description)
	info.Keywords, info.Creator, info.Rights = got.Keywords, got.Creator, got.Rights
	if info.Provenance == nil {
		info.Provenance = map[string]string{}
	}
	maps.Copy(info.Provenance, got.Provenance)
	info.Warnings = append(info.Warnings, got.Warnings...)
}

// readBounded reads a whole small file, refusing one larger than limit.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}
