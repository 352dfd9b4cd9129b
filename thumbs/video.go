package thumbs

import (
	"context"
	"image"
	"strconv"

	"github.com/haiduong/promo-archive/archive"
)

// videoDemuxers maps the video types ffmpeg may open to the one demuxer it
// is allowed to use for each, so that a hostile file cannot make it read a
// playlist (other files, URLs) instead.
var videoDemuxers = map[string]string{
	"video/mp4":        "mov",
	"video/quicktime":  "mov",
	"video/3gpp":       "mov",
	"video/3gpp2":      "mov",
	"video/x-m4v":      "mov",
	"video/x-matroska": "matroska",
	"video/webm":       "matroska",
	"video/x-msvideo":  "avi",
	"video/mp2t":       "mpegts",
	"video/mpeg":       "mpeg",
}

// videoPoster is the frame at 10 % of the video's duration (at 0 s when the
// duration is unknown or nothing is there), upright, at most PreviewSize
// on its long side. ffmpeg rotates by the display matrix itself (its
// autorotate default), so in.Rotation is not applied again.
func (r *Renderer) videoPoster(ctx context.Context, in archive.RenderInput) (image.Image, error) {
	demuxer, ok := videoDemuxers[in.MIME]
	if !ok {
		return nil, placeholderf("thumbs: no decoder for %s", orUnknown(in.MIME))
	}
	src, err := toolInput(in.Path)
	if err != nil {
		return nil, err
	}
	at := max(in.DurationS/10, 0)
	for {
		out, _, err := r.run(ctx, &r.ffmpeg, ffmpegPosterArgs(demuxer, src, at)...)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 {
			return r.decodeDerived(out, "video poster")
		}
		if at == 0 {
			return nil, placeholderf("thumbs: ffmpeg: no video frame")
		}
		at = 0 // the duration was wrong: take the first frame
	}
}

// ffmpegPosterArgs asks for one PNG frame at second at on stdout.
func ffmpegPosterArgs(demuxer, src string, at float64) []string {
	size := strconv.Itoa(PreviewSize)
	return []string{
		"-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", "file",
		"-ss", strconv.FormatFloat(at, 'f', 3, 64),
		"-f", demuxer, "-i", "file:" + src,
		"-map", "0:V:0", "-frames:v", "1", "-an", "-sn", "-dn",
		"-vf", "scale=w='min(" + size + ",iw)':h='min(" + size + ",ih)':force_original_aspect_ratio=decrease",
		"-pix_fmt", "rgb24", "-f", "image2pipe", "-c:v", "png", "-",
	}
}
