package thumbs

import (
	"image"
	"strconv"

	"github.com/haiduong/promo-archive/archive"
)

// videoDemuxer names the one demuxer ffmpeg may use for a video type, so
// that a hostile file cannot make it read a playlist (other files, URLs)
// instead; ok is false for a type ffmpeg may not open.
func videoDemuxer(mime string) (demuxer string, ok bool) {
	switch mime {
	case "video/mp4", "video/quicktime", "video/3gpp", "video/3gpp2", "video/x-m4v":
		return "mov", true
	case "video/x-matroska", "video/webm":
		return "matroska", true
	case "video/x-msvideo":
		return "avi", true
	case "video/mp2t":
		return "mpegts", true
	case "video/mpeg":
		return "mpeg", true
	}
	return "", false
}

// videoPoster is the frame at 10 % of the video's duration (at 0 s when the
// duration is unknown or nothing is there), upright, at most PreviewSize
// on its long side. ffmpeg rotates by the display matrix itself (its
// autorotate default), so in.Rotation is not applied again.
func (r *Renderer) videoPoster(ls *lease, in archive.RenderInput) (image.Image, error) {
	demuxer, ok := videoDemuxer(in.MIME)
	if !ok {
		return nil, placeholderf("thumbs: no decoder for %s", orUnknown(in.MIME))
	}
	src, err := toolInput(in.Path)
	if err != nil {
		return nil, err
	}
	at := max(in.DurationS/10, 0)
	for {
		out, _, err := r.run(ls.ctx, &r.ffmpeg, ffmpegPosterArgs(demuxer, src, at)...)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 {
			return r.decodeDerived(ls, out, "video poster")
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
