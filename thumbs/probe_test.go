package thumbs

import (
	"context"
	"errors"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/haiduong/promo-archive/archive"
)

// makeVideo encodes a short test video with ffmpeg in the given container,
// or skips when ffmpeg is missing.
func makeVideo(t *testing.T, name string, extra ...string) string {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed (.ci/run installs it)")
	}
	out := filepath.Join(t.TempDir(), name)
	args := append([]string{"-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "2"}, extra...)
	args = append(args, out)
	if b, err := exec.Command(ff, args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	return out
}

func TestProbeOtherContainers(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed (.ci/run installs ffmpeg)")
	}
	r := New(Options{})
	for _, c := range []struct {
		name, mime string
		extra      []string
	}{
		{"fest.mkv", "video/x-matroska", []string{"-metadata", "title=Lễ hội Côn Sơn", "-metadata", "creation_time=2024-02-10T01:02:03Z"}},
		{"fest.avi", "video/x-msvideo", []string{"-c:v", "mjpeg"}},
		{"fest.ts", "video/mp2t", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := makeVideo(t, c.name, c.extra...)
			info, err := r.Probe(context.Background(), path, c.mime)
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != 320 || info.Height != 240 || math.Abs(info.DurationS-2) > 0.2 || info.Codec == "" {
				t.Errorf("probe: %dx%d %.2fs %q", info.Width, info.Height, info.DurationS, info.Codec)
			}
			if c.name == "fest.mkv" && (info.Title["x-default"] != "Lễ hội Côn Sơn" || info.CapturedAt == nil) {
				t.Errorf("tags: title %v, captured %v", info.Title, info.CapturedAt)
			}
			res, err := r.Render(context.Background(), archive.RenderInput{Path: path, MIME: c.mime, Kind: "video", DurationS: info.DurationS})
			if err != nil || len(res.Images) != 2 || res.Images[0].Placeholder {
				t.Errorf("poster: %+v %v", res, err)
			}
		})
	}
	missing := New(Options{FFprobe: filepath.Join(t.TempDir(), "no-ffprobe")})
	if _, err := missing.Probe(context.Background(), "x.mkv", "video/x-matroska"); !errors.Is(err, archive.ErrToolMissing) {
		t.Errorf("without ffprobe: %v, want ErrToolMissing", err)
	}
}
