package archive

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/haiduong/promo-archive/archive/media"
)

// ErrToolMissing means an external tool the archive needs for a file is not
// installed. A file that cannot be read without it is rejected with the
// reason, and ingests once the tool is there.
var ErrToolMissing = errors.New("archive: tool not installed")

// Prober reads the metadata of video containers archive/media does not
// parse (Matroska/WebM, AVI, MPEG-TS), with ffprobe. It returns an error
// wrapping ErrToolMissing when ffprobe is not installed.
type Prober interface {
	Probe(ctx context.Context, path, mime string) (*media.Info, error)
}

// probe completes info for a container media marked NeedsProbe. The file
// is rejected when nothing can read it.
func probe(ctx context.Context, p Prober, path string, info *media.Info, loc *time.Location) error {
	if p == nil {
		return fmt.Errorf("%w: %s is read with ffprobe (apt install ffmpeg)", ErrToolMissing, info.MIME)
	}
	got, err := p.Probe(ctx, path, info.MIME)
	if err != nil {
		return err
	}
	if got.CapturedAt != nil { // an instant: shown in the archive's zone
		t := got.CapturedAt.In(loc)
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
