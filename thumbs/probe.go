package thumbs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// Probe reads a video container archive/media does not parse (Matroska,
// WebM, AVI, MPEG-TS/PS) with ffprobe, held to the one demuxer of its
// type as the poster frames are. A missing ffprobe is archive.ErrToolMissing.
func (r *Renderer) Probe(ctx context.Context, path, mime string) (*media.Info, error) {
	demuxer, ok := videoDemuxer(mime)
	if !ok {
		return nil, fmt.Errorf("thumbs: ffprobe does not read %s", mime)
	}
	if r.ffprobe.path == "" {
		return nil, fmt.Errorf("%w: %s is read with ffprobe (apt install ffmpeg)", archive.ErrToolMissing, mime)
	}
	src, err := toolInput(path)
	if err != nil {
		return nil, err
	}
	out, _, err := r.run(ctx, &r.ffprobe, "-v", "error", "-protocol_whitelist", "file",
		"-f", demuxer, "-print_format", "json", "-show_format", "-show_streams", "file:"+src)
	var sk *skip
	if errors.As(err, &sk) { // the tool failed on the file: its words, not a placeholder
		return nil, errors.New(strings.TrimSuffix(sk.warning, "; placeholder rendition"))
	}
	if err != nil {
		return nil, err
	}
	return media.FromFFprobe(mime, out, media.Options{})
}
